"""Events API v2 (``<events base>/v2/enqueue`` and ``/v2/change/enqueue``).

Routed by integration key across every account; a trigger opens (or joins) an incident on the
integration's service, acknowledge/resolve move it, as PagerDuty does with ``dedup_key``.

Like PagerDuty's, these routes answer browsers: a card in a Backstage page posts
``<events base>/v2/enqueue`` from another origin, so every answer, the preflight ``OPTIONS``
included, allows any origin (the routing key in the body is the credential, not a cookie).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, jsonify, request

from pagerduty_actions.sandbox.account import Record, SandboxAccount, now_iso
from pagerduty_actions.sandbox.web import state

events = Blueprint("pd_events", __name__)

_CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Max-Age": "86400",
}
_SEVERITIES = ("critical", "error", "warning", "info")
_ACTIONS = ("trigger", "acknowledge", "resolve")


@events.after_request
def _allow_browsers(response: Response) -> Response:
    """CORS on every Events API answer; a preflight gets the headers it asked to send."""
    response.headers.update(_CORS_HEADERS)
    asked = request.headers.get("Access-Control-Request-Headers")
    response.headers["Access-Control-Allow-Headers"] = asked[:512] if asked else "Content-Type"
    return response


def _invalid(*errors: str) -> Any:
    return jsonify(
        {"status": "invalid event", "message": "Event object is invalid", "errors": list(errors)}
    ), 400


def _route(key: Any) -> tuple[SandboxAccount, Record] | None:
    if not isinstance(key, str):
        return None
    for account in state().accounts.values():
        integration = account.integration_by_key(key)
        if integration is not None:
            return account, integration
    return None


def _payload_errors(event: dict[str, Any]) -> list[str]:
    payload = event.get("payload")
    if not isinstance(payload, dict):
        return ["'payload' is missing or not an object"]
    errors = [
        f"'payload.{k}' is missing or blank"
        for k in ("summary", "source")
        if not isinstance(payload.get(k), str) or not payload.get(k)
    ]
    if payload.get("severity") not in _SEVERITIES:
        errors.append("'payload.severity' must be one of " + ", ".join(_SEVERITIES))
    return errors


@events.post("/events/v2/enqueue")
def enqueue() -> Any:
    event = request.get_json(silent=True)
    if not isinstance(event, dict):
        return _invalid("Event object is not valid JSON")
    action = event.get("event_action")
    if action not in _ACTIONS:
        return _invalid("'event_action' must be one of " + ", ".join(_ACTIONS))
    routed = _route(event.get("routing_key"))
    if routed is None:
        return _invalid("Invalid routing key")
    account, integration = routed
    dedup_key = event.get("dedup_key")
    if action == "trigger":
        errors = _payload_errors(event)
        if errors:
            return _invalid(*errors)
        dedup_key = dedup_key or secrets.token_hex(16)
    elif not isinstance(dedup_key, str) or not dedup_key:
        return _invalid("'dedup_key' is required for " + str(action))
    _apply(account, integration, action, str(dedup_key), event)
    return jsonify({"status": "success", "message": "Event processed", "dedup_key": dedup_key}), 202


def _apply(
    account: SandboxAccount, integration: Record, action: str, dedup_key: str, event: dict[str, Any]
) -> None:
    service_id = integration["service_id"]
    account.events.append(
        {
            "integration_id": integration["id"],
            "service_id": service_id,
            "event_action": action,
            "dedup_key": dedup_key,
            "payload": event.get("payload"),
            "received_at": now_iso(),
        }
    )
    open_incident = next(
        (
            i
            for i in account.incidents.values()
            if i["incident_key"] == dedup_key
            and i["service_id"] == service_id
            and i["status"] != "resolved"
        ),
        None,
    )
    if action == "trigger" and open_incident is None:
        account.create_incident(service_id, event["payload"]["summary"], "high", dedup_key)
    elif open_incident is not None and action != "trigger":
        open_incident["status"] = "acknowledged" if action == "acknowledge" else "resolved"
        open_incident["updated_at"] = now_iso()


@events.post("/events/v2/change/enqueue")
def change_enqueue() -> Any:
    event = request.get_json(silent=True)
    if not isinstance(event, dict):
        return _invalid("Event object is not valid JSON")
    routed = _route(event.get("routing_key"))
    if routed is None:
        return _invalid("Invalid routing key")
    payload = event.get("payload")
    if not isinstance(payload, dict) or not payload.get("summary"):
        return _invalid("'payload.summary' is missing or blank")
    account, integration = routed
    account.change_events.append(
        {
            "id": account.ids.object_id(),
            "summary": payload["summary"],
            "timestamp": payload.get("timestamp") or now_iso(),
            "source": payload.get("source", ""),
            "service_ids": [integration["service_id"]],
            "integration_id": integration["id"],
            "custom_details": payload.get("custom_details") or {},
            "links": _kept(event.get("links"), ("href", "text")),
            "images": _kept(event.get("images"), ("src", "href", "alt")),
        }
    )
    return jsonify({"status": "success", "message": "Change event processed"}), 202


def _kept(items: Any, fields: tuple[str, ...]) -> list[dict[str, str]]:
    """The event's ``links`` or ``images`` as PagerDuty keeps them: objects of strings."""
    if not isinstance(items, list):
        return []
    return [
        {k: item[k] for k in fields if isinstance(item.get(k), str)}
        for item in items
        if isinstance(item, dict)
    ]
