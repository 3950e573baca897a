"""Sandbox-only control routes under ``/_sandbox`` (JSON, no PagerDuty auth, never logged).
docs/sandbox.md documents them for users (a test checks it names every route here).

| route | effect |
|---|---|
| ``GET /_sandbox/health`` | ``{"ok": true}`` |
| ``GET /_sandbox/faults`` | current fault configuration |
| ``PUT /_sandbox/faults`` | apply ``{rate_limit: {limit, window_seconds} or null, latency_ms,
  consistency_delay_ms, dependency_write_race, error_rules: [{status, rate, method?, path?}],
  fail_next: [{count, status, method?, path?, delay_ms?}]}`` |
| ``POST /_sandbox/faults/fail-next`` | ``{count, status (int or "drop"), method?, path?,
  delay_ms?}``: ``delay_ms`` holds each matching request that long before failing it |
| ``POST /_sandbox/faults/reset`` | healthy again, default rate limit |
| ``GET /_sandbox/requests?method=&path=`` | logged exchanges (no credentials) |
| ``GET /_sandbox/requests/counts`` | ``[{method, path, count}]`` per path template |
| ``DELETE /_sandbox/requests`` | clear the log |
| ``POST /_sandbox/reset`` | ``{data: true}``: faults, log and (by default) data back to seed |
| ``PUT /_sandbox/accounts/<name>/abilities`` | ``{abilities: [...]}`` |
| ``PUT /_sandbox/settings`` | ``{unique_service_names, max_dependencies_per_service}`` |
| ``POST /_sandbox/oauth/expire`` | expire every issued OAuth token |
| ``GET /_sandbox/dump`` | all data as a seed document |
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from pagerduty_actions.sandbox.web import state

admin = Blueprint("pd_sandbox_admin", __name__, url_prefix="/_sandbox")


def _json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


@admin.get("/health")
def health() -> Any:
    return jsonify({"ok": True})


@admin.get("/faults")
def get_faults() -> Any:
    with state().lock:
        return jsonify(state().faults.describe())


@admin.put("/faults")
def put_faults() -> Any:
    try:
        state().configure_faults(_json())
    except (KeyError, TypeError, ValueError) as exc:
        return jsonify({"error": f"invalid fault configuration: {exc}"}), 400
    return get_faults()


@admin.post("/faults/fail-next")
def fail_next() -> Any:
    spec = _json()
    if "status" not in spec:
        return jsonify({"error": "status is required"}), 400
    try:
        state().configure_faults({"fail_next": [spec]})
    except (TypeError, ValueError) as exc:
        return jsonify({"error": f"invalid fail-next rule: {exc}"}), 400
    return get_faults()


@admin.post("/faults/reset")
def reset_faults() -> Any:
    with state().lock:
        state().faults.reset()
    return get_faults()


@admin.get("/requests")
def list_requests() -> Any:
    entries = state().requests(request.args.get("method"), request.args.get("path"))
    return jsonify({"requests": [e.as_dict() for e in entries]})


@admin.get("/requests/counts")
def request_counts() -> Any:
    counts = state().request_counts()
    return jsonify(
        {"counts": [{"method": m, "path": p, "count": c} for (m, p), c in sorted(counts.items())]}
    )


@admin.delete("/requests")
def clear_requests() -> Any:
    with state().lock:
        state().log.clear()
    return Response(status=204)


@admin.post("/reset")
def reset() -> Any:
    state().reset(data=bool(_json().get("data", True)))
    return jsonify({"ok": True})


@admin.put("/accounts/<name>/abilities")
def set_abilities(name: str) -> Any:
    if name not in state().accounts:
        return jsonify({"error": f"unknown account {name}"}), 404
    abilities = _json().get("abilities") or []
    if not isinstance(abilities, list) or not all(isinstance(a, str) for a in abilities):
        return jsonify({"error": "abilities must be a list of ability names"}), 400
    state().set_abilities(name, abilities)
    return jsonify({"abilities": sorted(state().accounts[name].abilities)})


@admin.put("/settings")
def settings() -> Any:
    spec = _json()
    st = state()
    limit = spec.get("max_dependencies_per_service")
    if "max_dependencies_per_service" in spec and (type(limit) is not int or limit < 0):
        return jsonify(
            {"error": "max_dependencies_per_service must be a whole number, 0 or more"}
        ), 400
    with st.lock:
        if "unique_service_names" in spec:
            st.unique_service_names = bool(spec["unique_service_names"])
        if limit is not None:
            st.max_dependencies_per_service = limit
        return jsonify(
            {
                "unique_service_names": st.unique_service_names,
                "max_dependencies_per_service": st.max_dependencies_per_service,
            }
        )


@admin.post("/oauth/expire")
def expire_oauth() -> Any:
    return jsonify({"expired": state().expire_oauth_tokens()})


@admin.get("/dump")
def dump() -> Any:
    return jsonify(state().dump())
