"""@backstage/plugin-pagerduty 0.6.8's own client, in Node, through a real Backstage 1.45.3
proxy route: against our /pagerduty-api facade, against the bare sandbox (PagerDuty as the
card sees it), and against a read-only server of ours, whose refusal the card reports.

The Node side is e2e/backstage/card-client/pagerduty-card.test.mjs (it imports the npm
package's index through the loader hooks of card-client/register.mjs); this module makes the
PagerDuty data it reads and runs it once per target.
"""

from __future__ import annotations

import json
import os
import subprocess

import httpx
import pytest
from e2e_api import Sandbox
from e2e_stack import BACKSTAGE_DIR, Stack

PD_HEADERS = {
    "Authorization": "Token token=sandbox-token",
    "Accept": "application/vnd.pagerduty+json;version=2",
}
CHANGE = {
    "summary": "Deployed checkout v2 from the card test",
    "link": {"href": "https://ci.example.com/builds/2", "text": "Build 2"},
}
ON_CALL = {"name": "Sandbox Admin", "email": "admin@sandbox.example.com"}  # the default seed


@pytest.fixture(scope="module")
def card_service(stack: Stack) -> dict[str, str]:
    """A service with a Backstage integration and a change event with a link, made through the
    sandbox's REST and Events APIs as PagerDuty would hold them."""
    with httpx.Client(base_url=stack.sandbox_url, headers=PD_HEADERS, timeout=30) as pd:
        policy = pd.get("/escalation_policies", params={"query": "Default"}).json()
        service = pd.post(
            "/services",
            json={
                "service": {
                    "type": "service",
                    "name": "card-checkout",
                    "escalation_policy": {
                        "id": policy["escalation_policies"][0]["id"],
                        "type": "escalation_policy_reference",
                    },
                }
            },
        )
        assert service.status_code == 201, service.text
        service_id = service.json()["service"]["id"]
        integration = pd.post(
            f"/services/{service_id}/integrations",
            json={
                "integration": {
                    "name": "Backstage",
                    "service": {"id": service_id, "type": "service_reference"},
                    "vendor": {"id": "PRO19CT", "type": "vendor_reference"},
                }
            },
        )
        assert integration.status_code == 201, integration.text
        key = integration.json()["integration"]["integration_key"]
        change = pd.post(
            "/events/v2/change/enqueue",
            json={
                "routing_key": key,
                "payload": {"summary": CHANGE["summary"], "source": "ci"},
                "links": [CHANGE["link"]],
            },
        )
        assert change.status_code == 202, change.text
    return {"id": service_id, "name": "card-checkout", "key": key}


def _run_card(stack: Stack, service: dict[str, str], proxy: str, events: str, **extra: str) -> str:
    env = {
        **os.environ,
        "CARD_BACKSTAGE_URL": stack.backstage_url,
        "CARD_BACKSTAGE_TOKEN": stack.backstage_token,
        "CARD_PROXY_BASE": f"{stack.backstage_url}/api/proxy{proxy}",
        "CARD_EVENTS_BASE": f"{stack.backstage_url}/api/proxy{events}",
        "CARD_INTEGRATION_KEY": service["key"],
        "CARD_SERVICE_ID": service["id"],
        "CARD_SERVICE_NAME": service["name"],
        "CARD_ON_CALL": json.dumps(ON_CALL),
        "CARD_CHANGE_EVENT": json.dumps(CHANGE),
        **extra,
    }
    result = subprocess.run(
        ["node", "--import", "./card-client/register.mjs", "--test",
         "card-client/pagerduty-card.test.mjs"],
        cwd=BACKSTAGE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "# fail 0" in output and "# pass 4" in output, output
    return output


def test_the_card_works_through_our_facade(
    stack: Stack, card_service: dict[str, str], healthy_sandbox: Sandbox
) -> None:
    healthy_sandbox.clear_requests()
    _run_card(stack, card_service, "", "/pagerduty/v2")
    # Every call reached PagerDuty from our server with PagerDuty's token, never the card's:
    # the sandbox saw the facade's GETs and the trigger, and nothing of Backstage's token.
    seen = healthy_sandbox.requests()
    assert any(r["path"] == "/services" for r in seen)
    assert any(r["path"] == "/events/v2/enqueue" for r in seen)
    assert all(stack.backstage_token not in json.dumps(r) for r in seen)


def test_the_card_works_against_the_bare_sandbox(
    stack: Stack, card_service: dict[str, str], healthy_sandbox: Sandbox
) -> None:
    _run_card(stack, card_service, "/bare", "/bare/pagerduty-events/v2")


def test_in_read_only_mode_the_cards_trigger_is_refused_saying_why(
    stack: Stack, card_service: dict[str, str], healthy_sandbox: Sandbox
) -> None:
    healthy_sandbox.clear_requests()
    _run_card(stack, card_service, "/read-only", "/read-only/pagerduty/v2", CARD_READ_ONLY="1")
    assert not any(r["path"] == "/events/v2/enqueue" for r in healthy_sandbox.requests())
