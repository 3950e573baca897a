"""Fault injection: rate limits, injected errors, drops, latency, read-after-write lag, log."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest

from pagerduty_actions.sandbox import SandboxServer, sandbox_server

PD_ACCEPT = "application/vnd.pagerduty+json;version=2"
ClientFactory = Callable[..., httpx.Client]


def test_rate_limit_answers_429_with_pagerduty_headers_and_body(
    pd: SandboxServer, make_client: ClientFactory
) -> None:
    pd.state.set_rate_limit(20, 2)
    with make_client(pd) as api:
        statuses = [api.get("/abilities").status_code for _ in range(21)]
        limited = api.get("/abilities")
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    assert limited.json() == {
        "error": {"message": "Rate Limit Exceeded", "code": 2020, "errors": []}
    }
    assert limited.headers["ratelimit-limit"] == "20"
    assert limited.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(limited.headers["ratelimit-reset"]) <= 2
    assert limited.headers["Retry-After"] == limited.headers["ratelimit-reset"]


def test_rate_limit_window_resets(pd: SandboxServer, make_client: ClientFactory) -> None:
    pd.state.set_rate_limit(1, 0.3)
    with make_client(pd) as api:
        assert api.get("/abilities").status_code == 200
        assert api.get("/abilities").status_code == 429
        time.sleep(0.35)
        assert api.get("/abilities").status_code == 200


def test_rate_limit_is_per_credential(pd: SandboxServer, make_client: ClientFactory) -> None:
    pd.state.add_token("second-token", "default")
    pd.state.set_rate_limit(1, 60)
    with make_client(pd) as first, make_client(pd, "second-token") as second:
        assert first.get("/abilities").status_code == 200
        assert first.get("/abilities").status_code == 429
        assert second.get("/abilities").status_code == 200


def test_fail_next_matches_method_and_template(api: httpx.Client, pd: SandboxServer) -> None:
    pd.state.fail_next(2, 500, "GET", "/services/{id}")
    assert api.get("/services").status_code == 200
    assert api.get("/services/PANY123").status_code == 500
    assert api.get("/services/PANY123").json()["error"]["code"] == 2000
    assert api.get("/services/PANY123").status_code == 404


def test_error_rule_with_rate_one_always_fails(api: httpx.Client, pd: SandboxServer) -> None:
    pd.state.configure_faults({"error_rules": [{"status": 503, "rate": 1.0, "method": "POST"}]})
    assert api.get("/abilities").status_code == 200
    assert api.post("/services", json={}).status_code == 503


def test_dropped_connection_raises_in_client(api: httpx.Client, pd: SandboxServer) -> None:
    pd.state.fail_next(1, "drop", "GET", "/abilities")
    with pytest.raises(httpx.TransportError):
        api.get("/abilities")
    assert api.get("/abilities").status_code == 200
    # the dropped request is logged after its connection closes: wait for both entries
    deadline = time.monotonic() + 5
    while len(pd.state.requests("GET", "/abilities")) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [r.status for r in pd.state.requests("GET", "/abilities")] == [0, 200]


def test_fail_next_can_hold_a_request_before_failing_it(
    api: httpx.Client, pd: SandboxServer
) -> None:
    """A held request is a known point to crash a client at: the rule is spent (visible on
    ``GET /_sandbox/faults``) as soon as the request arrives, and it fails only later."""
    admin = httpx.Client(base_url=pd.base_url + "/_sandbox", timeout=5)
    rule = {"count": 1, "status": "drop", "method": "GET", "path": "/teams", "delay_ms": 1500}
    assert admin.post("/faults/fail-next", json=rule).json()["fail_next"] == [
        {"status": "drop", "remaining": 1, "method": "GET", "path": "/teams", "delay_ms": 1500.0}
    ]
    outcome: list[BaseException] = []

    def held() -> None:
        try:
            api.get("/teams")
        except httpx.TransportError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=held)
    thread.start()
    while admin.get("/faults").json()["fail_next"]:
        time.sleep(0.01)
    assert thread.is_alive() and not outcome  # arrived, still held
    thread.join(5)
    assert len(outcome) == 1
    # The sandbox logs a dropped request after closing its connection, so the client may see
    # the drop a moment before the log has the entry.
    deadline = time.monotonic() + 5
    while not pd.state.requests("GET", "/teams") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pd.state.requests("GET", "/teams")[0].status == 0
    assert admin.post("/faults/fail-next", json={"status": "x"}).status_code == 400


def test_latency_is_added(api: httpx.Client, pd: SandboxServer) -> None:
    pd.state.configure_faults({"latency_ms": 150})
    started = time.monotonic()
    api.get("/abilities")
    assert time.monotonic() - started >= 0.15


def test_new_objects_404_until_consistent(api: httpx.Client, pd: SandboxServer) -> None:
    pd.state.configure_faults({"consistency_delay_ms": 300})
    policy = api.get("/escalation_policies").json()["escalation_policies"][0]["id"]
    created = api.post(
        "/services",
        json={
            "service": {
                "type": "service",
                "name": "lagging",
                "escalation_policy": {"id": policy, "type": "escalation_policy_reference"},
            }
        },
    )
    service_id = created.json()["service"]["id"]
    assert api.get(f"/services/{service_id}").status_code == 404
    time.sleep(0.35)
    assert api.get(f"/services/{service_id}").status_code == 200


def test_admin_routes_configure_faults_and_read_log(
    pd: SandboxServer, make_client: ClientFactory
) -> None:
    admin = httpx.Client(base_url=pd.base_url + "/_sandbox", timeout=5)
    put = admin.put("/faults", json={"rate_limit": {"limit": 5, "window_seconds": 10}})
    assert put.json()["rate_limit"] == {"limit": 5, "window_seconds": 10.0}
    admin.post("/faults/fail-next", json={"count": 1, "status": 502, "path": "/teams"})
    with make_client(pd) as api:
        assert api.get("/teams").status_code == 502
        assert api.get("/teams").status_code == 200
    counts = admin.get("/requests/counts").json()["counts"]
    assert counts == [{"method": "GET", "path": "/teams", "count": 2}]
    logged = admin.get("/requests", params={"path": "/teams"}).json()["requests"]
    assert [r["status"] for r in logged] == [502, 200]
    assert "Authorization" not in logged[0]["headers"]
    assert logged[0]["headers"]["Accept"] == PD_ACCEPT
    assert admin.post("/faults/reset").json()["rate_limit"]["limit"] == 960
    assert admin.delete("/requests").status_code == 204
    assert admin.get("/requests").json() == {"requests": []}


def test_log_detects_overlapping_calls(make_client: ClientFactory) -> None:
    with sandbox_server(faults={"latency_ms": 200}) as server:

        def call() -> None:
            with make_client(server) as api:
                api.post("/service_dependencies/associate", json={"relationships": []})

        threads = [threading.Thread(target=call) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert server.state.log.overlapping("POST", "/service_dependencies/associate")
        assert not server.state.log.overlapping("GET", "/services")


def test_secrets_never_reach_the_log(pd: SandboxServer) -> None:
    with httpx.Client(base_url=pd.base_url) as http:
        http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
                "scope": "as_account-us.sandbox services.read",
            },
        )
        http.post(
            "/events/v2/enqueue",
            json={"routing_key": "0123456789abcdef0123456789abcdef", "event_action": "trigger"},
        )
    text = repr([e.as_dict() for e in pd.state.requests()])
    assert "sandbox-secret" not in text
    assert "0123456789abcdef0123456789abcdef" not in text
