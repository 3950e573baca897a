"""``/api/pagerduty/...`` against the shapes of ``@pagerduty/backstage-plugin-backend`` 0.14.0's
router (``dist/service/router.cjs.js`` and the ``apis/pagerduty`` functions it calls), with
PagerDuty played by the sandbox over loopback. One test per route of docs/entity-page.md's
table; the shapes asserted are the ones that router answers."""

from __future__ import annotations

import io
import logging
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import validate_config
from pagerduty_actions.entity_page import backend_views as views
from pagerduty_actions.logging_setup import _TextFormatter
from pagerduty_actions.pagerduty import AccountSet, ClientPool
from pagerduty_actions.sandbox import SandboxServer, sandbox_server
from pagerduty_actions.server import create_app
from pagerduty_actions.server.pagerduty_backend_api import KEPT_ELSEWHERE

TOKEN = "backend-routes-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
KEY = "0123456789abcdef0123456789abcdef"
SEED: dict[str, Any] = {
    "accounts": [
        {
            "name": "us",
            "tokens": ["token-us"],
            "users": [
                {"name": "Zoe", "email": "zoe@example.com"},
                {"name": "Ada", "email": "ada@example.com"},
                {"name": "Max", "email": "max@example.com"},
            ],
            "teams": [{"name": "Platform", "members": ["Ada"]}, {"name": "Apps"}],
            "escalation_policies": [
                {"id": "PPOLICY", "name": "Web", "users": ["Ada"]},
                {"name": "Batch", "users": ["Max"]},
            ],
            "services": [
                {
                    "id": "PCHKOUT",
                    "name": "checkout",
                    "escalation_policy": "Web",
                    "teams": ["Platform"],
                    "integrations": [{"vendor": "PRO19CT", "integration_key": KEY}],
                },
                {"id": "PPAYMNT", "name": "payments", "escalation_policy": "Batch"},
            ],
            "dependencies": [{"supporting": "payments", "dependent": "checkout"}],
            "incidents": [
                {"service": "checkout", "title": "Open one"},
                {"service": "checkout", "title": "Acked", "status": "acknowledged"},
                {"service": "checkout", "title": "Done", "status": "resolved"},
                {"service": "payments", "title": "Elsewhere"},
            ],
            "oncalls": [
                {"user": "Zoe", "escalation_policy": "Web", "escalation_level": 1},
                {"user": "Ada", "escalation_policy": "Web", "escalation_level": 1},
                {"user": "Ada", "escalation_policy": "Web", "escalation_level": 1},
                {"user": "Max", "escalation_policy": "Web", "escalation_level": 2},
            ],
            "change_events": [{"service": "checkout", "summary": f"Deploy {n}"} for n in range(7)],
            "standards": {
                "checkout": [
                    {
                        "id": "S1",
                        "name": "Has runbook",
                        "type": "custom",
                        "active": True,
                        "pass": False,
                    }
                ]
            },
            "metrics": {"checkout": {"mean_seconds_to_resolve": 600}},
        },
        {
            "name": "eu",
            "region": "eu",
            "tokens": ["token-eu"],
            "users": [{"name": "Bo", "email": "bo@example.com"}],
            "teams": [{"name": "Billing"}],
            "escalation_policies": [{"name": "Ledger", "users": ["Bo"]}],
            "services": [{"id": "PLEDGER", "name": "ledger", "escalation_policy": "Ledger"}],
        },
    ]
}


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    with sandbox_server(SEED) as server:
        yield server


def _pagerduty(pd: SandboxServer | None, api: str | None = None) -> dict[str, Any]:
    base = api or (pd.base_url if pd else "")
    events = pd.events_url if pd else base
    return {
        "accounts": [
            {"id": "us", "apiToken": "token-us", "apiBaseUrl": base, "eventsBaseUrl": events,
             "isDefault": True},
            {"id": "eu", "apiToken": "token-eu", "apiBaseUrl": base, "eventsBaseUrl": events,
             "region": "eu"},
        ]
    }  # fmt: skip


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def factory(pagerduty: dict[str, Any], **extra: Any) -> Flask:
        config = validate_config(
            {
                "dataDir": str(tmp_path / f"data-{len(apps)}"),
                "database": {"url": f"sqlite:///{tmp_path}/db-{len(apps)}.db"},
                "auth": {"tokens": [{"name": "backstage", "token": TOKEN}]},
                "pagerDuty": pagerduty,
                **extra,
            },
            "backend routes test config",
        )
        services = build_services(config, check_scopes=False)
        assert services.pagerduty is not None
        services.pagerduty.close()
        services.pagerduty = ClientPool(
            AccountSet.from_config(pagerduty), backoff_base=0.01, backoff_cap=0.05
        )
        app = create_app(config, services=services)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["pagerduty_actions"].services.close()


@pytest.fixture
def client(make_app: Callable[..., Flask], pd: SandboxServer) -> FlaskClient:
    return make_app(_pagerduty(pd), entityPage={"cacheSeconds": 0}).test_client()


def get(client: FlaskClient, path: str, **query: Any) -> Any:
    return client.get("/api/pagerduty" + path, query_string=query, headers=AUTH)


def _rest_calls(pd: SandboxServer, path: str) -> list[Any]:
    return [e for e in pd.state.requests() if e.path == path]


# -- one service -----------------------------------------------------------------------------


def test_service_by_id_is_wrapped_with_its_integrations_and_policy(
    client: FlaskClient, pd: SandboxServer
) -> None:
    response = get(client, "/services/PCHKOUT")
    assert response.status_code == 200
    service = response.json["service"]
    assert service["id"] == "PCHKOUT" and service["escalation_policy"]["id"] == "PPOLICY"
    assert service["escalation_policy"]["name"] == "Web"  # include[]=escalation_policies
    assert [i["vendor"]["id"] for i in service["integrations"]] == ["PRO19CT"]
    [call] = _rest_calls(pd, "/services/PCHKOUT")
    assert sorted(call.query["include[]"]) == ["escalation_policies", "integrations"]


def test_an_unknown_service_is_404_in_the_routers_error_shape(client: FlaskClient) -> None:
    response = get(client, "/services/PNOSUCH")
    assert response.status_code == 404
    [message] = response.json["errors"]
    assert message.startswith("Failed to get service. PagerDuty GET /services/PNOSUCH -> 404")


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """Every log record of every logger, at DEBUG, as our own text formatter writes it."""
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_TextFormatter("%(levelname)s %(name)s%(rid)s %(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_service_by_integration_key_never_logs_the_key(
    client: FlaskClient, log_text: io.StringIO
) -> None:
    response = get(client, "/services", integration_key=KEY)
    assert response.status_code == 200
    assert response.json["service"]["id"] == "PCHKOUT"
    other = "f" * 32
    missing = get(client, "/services", integration_key=other)
    assert missing.status_code == 404
    assert missing.json == {
        "errors": ["Failed to get service. The requested resource was not found."]
    }
    written = log_text.getvalue()
    assert "GET /api/pagerduty/services 200" in written  # the access line, without its query
    assert KEY not in written and other not in written


def test_open_incidents_only(client: FlaskClient, pd: SandboxServer) -> None:
    response = get(client, "/services/PCHKOUT/incidents")
    assert response.status_code == 200
    assert sorted(i["title"] for i in response.json["incidents"]) == ["Acked", "Open one"]
    [call] = _rest_calls(pd, "/incidents")
    assert sorted(call.query["statuses[]"]) == ["acknowledged", "triggered"]
    assert call.query["service_ids[]"] == ["PCHKOUT"]


def test_five_newest_change_events(client: FlaskClient, pd: SandboxServer) -> None:
    response = get(client, "/services/PCHKOUT/change-events")
    assert response.status_code == 200
    assert len(response.json["change_events"]) == 5
    [call] = _rest_calls(pd, "/services/PCHKOUT/change_events")
    assert call.query["limit"] == ["5"]


def test_standards_are_pagerdutys_score_body(client: FlaskClient) -> None:
    response = get(client, "/services/PCHKOUT/standards")
    assert response.status_code == 200
    standards = response.json["standards"]
    assert standards["resource_id"] == "PCHKOUT"
    assert [s["name"] for s in standards["standards"]] == ["Has runbook"]


def test_metrics_of_the_last_30_days(client: FlaskClient, pd: SandboxServer) -> None:
    response = get(client, "/services/PCHKOUT/metrics")
    assert response.status_code == 200
    [row] = response.json["metrics"]
    assert row["service_id"] == "PCHKOUT" and row["mean_seconds_to_resolve"] == 600
    [call] = _rest_calls(pd, "/analytics/metrics/incidents/services")
    assert call.body["filters"]["service_ids"] == ["PCHKOUT"]
    assert call.body["filters"]["created_at_start"] < call.body["filters"]["created_at_end"]


def test_dependencies_of_a_service(client: FlaskClient) -> None:
    response = get(client, "/dependencies/service/PCHKOUT")
    assert response.status_code == 200
    [relation] = response.json["relationships"]
    assert relation["supporting_service"]["id"] == "PPAYMNT"


# -- on call ---------------------------------------------------------------------------------


def test_oncall_users_are_the_lowest_level_sorted_and_unique(client: FlaskClient) -> None:
    response = client.get(
        "/api/pagerduty/oncall-users?escalation_policy_ids[]=PPOLICY", headers=AUTH
    )
    assert response.status_code == 200
    users = response.json["users"]
    assert [u["name"] for u in users] == ["Ada", "Zoe"]  # Max is level 2; Ada once
    assert all(u["email"] for u in users)


def test_oncall_users_without_a_policy_is_a_400(client: FlaskClient) -> None:
    response = get(client, "/oncall-users")
    assert response.status_code == 400
    assert response.json == {"errors": ["Bad Request: 'escalation_policy_ids[]' is required"]}


# -- lists over accounts ---------------------------------------------------------------------


def test_escalation_policies_as_options_over_every_account(client: FlaskClient) -> None:
    response = get(client, "/escalation_policies")
    assert response.status_code == 200
    labels = [o["label"] for o in response.json]
    assert labels == ["(eu) Ledger", "Batch", "Web"]  # by account, then name
    assert all(set(o) == {"label", "value"} for o in response.json)


def test_teams_of_one_account_or_all_with_their_account(client: FlaskClient) -> None:
    every = get(client, "/teams")
    assert [(t["name"], t["account"]) for t in every.json] == [
        ("Apps", "us"), ("Billing", "eu"), ("Platform", "us")
    ]  # fmt: skip
    assert [t["name"] for t in get(client, "/teams", account="eu").json] == ["Billing"]


def test_services_all_filtered_and_by_account(client: FlaskClient) -> None:
    every = get(client, "/services")
    assert {(s["name"], s["account"]) for s in every.json["services"]} == {
        ("checkout", "us"), ("payments", "us"), ("ledger", "eu")
    }  # fmt: skip
    filtered = get(client, "/services", query="check", account="us")
    assert [s["name"] for s in filtered.json] == ["checkout"]  # a list, as the router answers
    bad = get(client, "/services", limit="0")
    assert bad.status_code == 400 and "limit" in bad.json["errors"][0]


def test_accounts_and_health(client: FlaskClient) -> None:
    assert get(client, "/accounts").json == {
        "accounts": [{"id": "us", "isDefault": True}, {"id": "eu", "isDefault": False}]
    }
    assert get(client, "/health").json == {"status": "ok"}


def test_account_query_picks_the_account_and_an_unknown_one_is_a_400(
    client: FlaskClient,
) -> None:
    assert get(client, "/services/PLEDGER", account="eu").status_code == 200
    assert get(client, "/services/PLEDGER", account="us").status_code == 404
    unknown = get(client, "/services/PLEDGER", account="apac")
    assert unknown.status_code == 400
    assert "unknown PagerDuty account 'apac'" in unknown.json["errors"][0]


# -- failures --------------------------------------------------------------------------------


def test_without_our_token_the_answer_is_401_in_the_routers_shape(client: FlaskClient) -> None:
    response = client.get("/api/pagerduty/services/PCHKOUT")
    assert response.status_code == 401
    assert "Authorization" in response.json["errors"][0]


def test_pagerduty_failing_is_a_502_with_its_words(client: FlaskClient, pd: SandboxServer) -> None:
    pd.state.fail_next(10, 503, "GET", "/incidents")
    response = get(client, "/services/PCHKOUT/incidents")
    assert response.status_code == 502
    assert response.json["errors"][0].startswith("Failed to get incidents for service. PagerDuty")


def test_a_bug_of_ours_is_a_500_in_the_routers_shape_with_the_request_id(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "incidents", broken)
    response = client.get(
        "/api/pagerduty/services/PCHKOUT/incidents", headers={**AUTH, "X-Request-Id": "rid-42"}
    )
    assert response.status_code == 500
    assert response.json == {
        "errors": ["Internal server error (request rid-42); see the server log"]
    }


@pytest.fixture
def hanging_upstream() -> Iterator[str]:
    """A PagerDuty that takes the connection and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


@pytest.mark.timeout(20)
def test_a_hanging_pagerduty_is_answered_504_within_the_wait(
    make_app: Callable[..., Flask], hanging_upstream: str
) -> None:
    """The client's own timeouts (10 s per attempt, retried) are far longer than the wait:
    the 504 comes from the route's bound, and the test's timeout fails a hung request."""
    app = make_app(_pagerduty(None, hanging_upstream), entityPage={"cacheWaitSeconds": 0.5})
    response = get(app.test_client(), "/services/PCHKOUT")
    assert response.status_code == 504
    assert "did not answer within 0.5 s" in response.json["errors"][0]


# -- what is kept elsewhere ------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "where"), KEPT_ELSEWHERE)
def test_every_route_kept_elsewhere_answers_where_in_the_routers_shape(
    client: FlaskClient, method: str, path: str, where: str
) -> None:
    """Each route of the 0.14.0 router that this server does not serve (its own tables)."""
    concrete = re.sub(r"<[^>]+>", "PCHKOUT", path)
    response = client.open("/api/pagerduty" + concrete, method=method, json={}, headers=AUTH)
    reads = method == "GET" or path == "/mapping/entities"
    assert response.status_code == (404 if reads else 405)
    assert response.json == {"errors": [f"Not served here: {where}"]}


@pytest.mark.parametrize(
    ("method", "path", "status", "words"),
    [
        ("POST", "/mapping/entity", 405, "pagerduty:entity:annotate"),
        ("POST", "/mapping/entities/bulk", 405, "catalog"),
        ("GET", "/mapping/entity/component/default/checkout", 404, "GET /v2/mappings"),
        ("POST", "/settings", 405, "PUT /v2/settings"),
        ("POST", "/dependencies/service/PCHKOUT", 405, "pagerduty:dependencies:sync"),
        ("POST", "/services/PCHKOUT/integration/PRO19CT", 405, "pagerduty:service:create"),
        ("PATCH", "/custom-fields/F1/enabled", 405, "custom fields"),
    ],
)
def test_routes_kept_elsewhere_say_where(
    client: FlaskClient, method: str, path: str, status: int, words: str
) -> None:
    response = client.open("/api/pagerduty" + path, method=method, json=[], headers=AUTH)
    assert response.status_code == status
    [message] = response.json["errors"]
    assert words in message
    if status == 405:
        assert "Allow" in response.headers


# -- the card's trigger and config -----------------------------------------------------------


def _card_trigger(key: str, **extra: Any) -> dict[str, Any]:
    """What the 0.14.0 card's client posts to ``<eventsBaseUrl>/enqueue``."""
    page = "https://backstage.example.com/catalog/default/component/checkout"
    return {
        "event_action": "trigger",
        "routing_key": key,
        "client": "Backstage",
        "client_url": page,
        "payload": {
            "summary": "Checkout returns 500s",
            "source": page,
            "severity": "error",
            "class": "manual trigger",
            "custom_details": {"user": "Ada"},
        },
        **extra,
    }


def test_the_cards_trigger_opens_an_incident_as_the_action_does(
    client: FlaskClient, pd: SandboxServer
) -> None:
    response = client.post(
        "/api/pagerduty/events/v2/enqueue", json=_card_trigger(KEY), headers=AUTH
    )
    assert response.status_code == 202, response.json
    assert response.json["status"] == "success" and response.json["dedup_key"]
    account = pd.state.accounts["us"]
    [incident] = [i for i in account.incidents.values() if i["title"] == "Checkout returns 500s"]
    assert incident["incident_key"] == response.json["dedup_key"]
    [sent] = [e.body for e in pd.state.requests() if e.path.endswith("/v2/enqueue")]
    assert sent["payload"]["class"] == "manual trigger"
    assert sent["payload"]["custom_details"] == {"user": "Ada"}
    assert sent["links"][0]["href"].startswith("https://backstage.example.com/catalog/")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"event_action": "resolve", "routing_key": KEY, "payload": {}}, "'trigger'"),
        ({"event_action": "trigger", "payload": {}}, "routing_key"),
        (_card_trigger(KEY, payload={"summary": ""}), "summary"),
        (_card_trigger("f" * 32), "Invalid routing key"),
    ],
)
def test_a_bad_card_trigger_is_a_400_with_the_reason(
    client: FlaskClient, pd: SandboxServer, body: dict[str, Any], words: str
) -> None:
    response = client.post("/api/pagerduty/events/v2/enqueue", json=body, headers=AUTH)
    assert response.status_code == 400, response.json
    assert words in response.json["errors"][0], response.json
    account = pd.state.accounts["us"]
    assert not [i for i in account.incidents.values() if i["title"] == "Checkout returns 500s"]


@pytest.mark.parametrize(
    ("summary", "words"),
    [
        (b"[" * 1000 + b"]" * 1000, "$.payload.summary"),
        (b"7" * 5000, "$.payload.summary"),
        (b'"web\\ud800"', "$.payload.summary"),
        (b"NaN", "$.payload.summary"),
    ],
)
def test_hostile_json_in_a_card_trigger_is_a_400_naming_the_field(
    client: FlaskClient, pd: SandboxServer, summary: bytes, words: str
) -> None:
    body = b'{"event_action": "trigger", "routing_key": "%s", "payload": {"summary": %s}}' % (
        KEY.encode(),
        summary,
    )
    response = client.post(
        "/api/pagerduty/events/v2/enqueue",
        data=body,
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.json
    assert response.json["errors"][0].startswith(words), response.json
    assert not [e for e in pd.state.requests() if e.path.endswith("/v2/enqueue")]


def test_read_only_refuses_the_cards_trigger_and_the_config_says_so(
    make_app: Callable[..., Flask], pd: SandboxServer
) -> None:
    app = make_app(_pagerduty(pd), entityPage={"readOnly": True})
    client = app.test_client()
    assert get(client, "/config").json == {"readOnly": True, "cacheSeconds": 5.0}
    response = client.post(
        "/api/pagerduty/events/v2/enqueue", json=_card_trigger(KEY), headers=AUTH
    )
    assert response.status_code == 403
    assert "read-only (entityPage.readOnly: true" in response.json["errors"][0]
    assert not [e for e in pd.state.requests() if e.path.endswith("/v2/enqueue")]
    assert get(client, "/services/PCHKOUT").status_code == 200  # reads go on


def test_the_config_of_a_writable_server(client: FlaskClient) -> None:
    assert get(client, "/config").json == {"readOnly": False, "cacheSeconds": 0.0}
