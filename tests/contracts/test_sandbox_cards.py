"""The sandbox as Backstage's PagerDuty cards see PagerDuty: the exact reads of
@backstage/plugin-pagerduty 0.6.8 (look-up by integration key, on-call users with names and
e-mails, incidents assigned by the policy's first level, change events with their links and a
real ``html_url``) and a browser's preflight to the Events API. Every exchange is checked
against PagerDuty's OpenAPI documents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openapi_check
import pytest

from pagerduty_actions.sandbox import SandboxServer, sandbox_server

TOKEN = "cards-token"
SEED = {
    "accounts": [
        {
            "name": "default",
            "subdomain": "acme",
            "tokens": [TOKEN],
            "users": [
                {"name": "Ada Lovelace", "email": "ada@example.com"},
                {"name": "Bo Diddley", "email": "bo@example.com"},
            ],
            "escalation_policies": [{"name": "Checkout", "users": ["Ada Lovelace"]}],
            "services": [
                {
                    "name": "checkout",
                    "escalation_policy": "Checkout",
                    "integrations": [{"vendor": "PRO19CT"}],
                },
                {"name": "checkout-admin", "escalation_policy": "Checkout"},
            ],
            "oncalls": [
                {"user": "Bo Diddley", "escalation_policy": "Checkout", "escalation_level": 2},
                {"user": "Ada Lovelace", "escalation_policy": "Checkout", "escalation_level": 1},
            ],
        }
    ]
}


class Checked:
    """httpx against the sandbox, both directions validated by openapi_check."""

    def __init__(self, server: SandboxServer) -> None:
        self.http = httpx.Client(timeout=10)
        self.server = server
        self.headers = {
            "Authorization": f"Token token={TOKEN}",
            "Accept": openapi_check.PD_ACCEPT,
            "Content-Type": "application/json",
        }

    def call(
        self, method: str, url: str, params: Any = None, body: Any = None, rest: bool = True
    ) -> httpx.Response:
        base = self.server.base_url if rest else ""
        headers = self.headers if rest else {"Content-Type": "application/json"}
        request = self.http.build_request(
            method, base + url, params=params, json=body, headers=headers
        )
        sent = json.loads(request.content) if request.content else None
        openapi_check.check_request(method, str(request.url), None, dict(request.headers), sent)
        response = self.http.send(request)
        openapi_check.check_response(
            method, request.url.path, response.status_code, dict(response.headers),
            response.content or None,
        )  # fmt: skip
        return response


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    with sandbox_server(SEED) as server:
        yield server


@pytest.fixture
def api(pd: SandboxServer, contracts: object) -> Iterator[Checked]:
    checked = Checked(pd)
    yield checked
    checked.http.close()


def _checkout(api: Checked) -> dict[str, Any]:
    found = api.call("GET", "/services", {"query": "checkout", "include[]": "integrations"})
    return next(s for s in found.json()["services"] if s["name"] == "checkout")


def test_services_query_matches_an_integration_key_whole(api: Checked) -> None:
    service = _checkout(api)
    key = service["integrations"][0]["integration_key"]
    # The card's own look-up: services?time_zone=UTC&include[]=integrations&include[]=...&query=
    params = [
        ("time_zone", "UTC"),
        ("include[]", "integrations"),
        ("include[]", "escalation_policies"),
        ("query", key),
    ]
    found = api.call("GET", "/services", params).json()["services"]
    assert [s["id"] for s in found] == [service["id"]]
    assert found[0]["escalation_policy"]["html_url"].startswith("https://acme.pagerduty.com/")
    assert api.call("GET", "/services", {"query": key[:-1]}).json()["services"] == []
    assert api.call("GET", "/services", {"query": key.upper()}).json()["services"] == []
    names = [s["name"] for s in api.call("GET", "/services", {"query": "CHECK"}).json()["services"]]
    assert names == ["checkout", "checkout-admin"]  # a name still matches as a substring


def test_oncalls_include_users_gives_names_and_emails(api: Checked) -> None:
    policy_id = _checkout(api)["escalation_policy"]["id"]
    params = [("time_zone", "UTC"), ("include[]", "users"), ("escalation_policy_ids[]", policy_id)]
    oncalls = api.call("GET", "/oncalls", params).json()["oncalls"]
    users = {o["escalation_level"]: o["user"] for o in oncalls}
    assert users[1]["name"] == "Ada Lovelace" and users[1]["email"] == "ada@example.com"
    assert users[2]["email"] == "bo@example.com"
    assert users[1]["html_url"].startswith("https://acme.pagerduty.com/users/")
    plain = api.call("GET", "/oncalls", {"escalation_policy_ids[]": policy_id}).json()["oncalls"]
    assert all(o["user"]["type"] == "user_reference" and "email" not in o["user"] for o in plain)


def test_new_incidents_are_assigned_to_the_policys_first_level(
    api: Checked, pd: SandboxServer
) -> None:
    service = _checkout(api)
    key = service["integrations"][0]["integration_key"]
    triggered = api.call(
        "POST",
        pd.events_url + "/v2/enqueue",
        body={
            "event_action": "trigger",
            "routing_key": key,
            "client": "Backstage",
            "payload": {"summary": "Checkout is down", "source": "backstage", "severity": "error"},
        },
        rest=False,
    )
    assert triggered.status_code == 202
    params = [
        ("time_zone", "UTC"),
        ("sort_by", "created_at"),
        ("statuses[]", "triggered"),
        ("statuses[]", "acknowledged"),
        ("service_ids[]", service["id"]),
    ]
    incident = api.call("GET", "/incidents", params).json()["incidents"][0]
    assignee = incident["assignments"][0]["assignee"]
    assert assignee["summary"] == "Ada Lovelace"
    assert assignee["html_url"].startswith("https://acme.pagerduty.com/users/")
    assert incident["assignments"][0]["at"] == incident["created_at"]
    assert len(incident["assignments"]) == 1  # the first level only, not Bo of level 2
    api.call(
        "POST",
        pd.events_url + "/v2/enqueue",
        body={"event_action": "resolve", "routing_key": key, "dedup_key": incident["incident_key"]},
        rest=False,
    )
    resolved = api.call("GET", "/incidents", {"service_ids[]": service["id"]}).json()["incidents"]
    assert resolved[0]["status"] == "resolved" and resolved[0]["assignments"] == []


def test_change_events_keep_their_links_and_have_a_web_url(api: Checked, pd: SandboxServer) -> None:
    service = _checkout(api)
    sent = api.call(
        "POST",
        pd.events_url + "/v2/change/enqueue",
        body={
            "routing_key": service["integrations"][0]["integration_key"],
            "payload": {"summary": "Deployed v2", "source": "ci"},
            "links": [{"href": "https://ci.example.com/build/2", "text": "Build 2"}],
        },
        rest=False,
    )
    assert sent.status_code == 202
    params = {"limit": 5, "time_zone": "UTC", "sort_by": "timestamp"}
    events = api.call("GET", f"/services/{service['id']}/change_events", params).json()
    change = events["change_events"][0]
    assert change["links"] == [{"href": "https://ci.example.com/build/2", "text": "Build 2"}]
    assert change["html_url"] == f"https://acme.pagerduty.com/change_events/{change['id']}"


def test_the_events_api_answers_a_browsers_preflight(pd: SandboxServer) -> None:
    for path in ("/v2/enqueue", "/v2/change/enqueue"):
        preflight = httpx.options(
            pd.events_url + path,
            headers={
                "Origin": "http://backstage.example.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status_code in (200, 204)
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    refused = httpx.post(
        pd.events_url + "/v2/enqueue",
        json={"event_action": "trigger", "routing_key": "nope"},
        headers={"Origin": "http://backstage.example.com"},
    )
    assert refused.status_code == 400
    assert refused.headers["access-control-allow-origin"] == "*"  # the page can read why
