"""A dry run's plan of pagerduty:service:create is what the real run sends, request for request.

Each case runs the same input twice against the sandbox, first as a dry run and then for real,
and compares the plan with the write requests the sandbox logged: method, path and body, in
order, with the new service's id put where the plan says ``{serviceId}``. A body the plan shows
differently from the one sent (an emptied one, a forgotten field, a request in another order)
fails here, however the plan is made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from pagerduty_actions.sandbox import SandboxServer

ACTION = "pagerduty:service:create"
Call = Callable[..., Any]
Write = tuple[str, str, Any]


def written(pd: SandboxServer) -> list[Write]:
    """Every write request the sandbox has answered so far: (method, path, body)."""
    return [
        (e.method, e.path, e.body)
        for e in pd.state.requests()
        if e.method not in ("GET", "HEAD") and not e.path.startswith("/_sandbox")
    ]


def as_sent(plan: list[dict[str, Any]], service_id: str) -> list[Write]:
    """The plan with the placeholder replaced by the id the real run got."""
    filled = json.loads(json.dumps(plan).replace("{serviceId}", service_id))
    return [(r["method"], r["path"], r.get("body")) for r in filled]


def assert_plan_is_what_is_sent(
    call: Call, pd: SandboxServer, body: dict[str, Any]
) -> dict[str, Any]:
    """Dry run, then real run, of ``body``: the plan is what was sent. Returns the dry run's
    output."""
    before = written(pd)
    lookups = len(pd.state.requests("GET", "/services"))
    planned = call(ACTION, body, dry_run=True)
    assert planned.status_code == 200, planned.json
    output = dict(planned.json["output"])
    plan = output.pop("plan")
    assert plan, "a plan with nothing in it proves nothing"
    assert written(pd) == before, "the dry run wrote"
    assert len(pd.state.requests("GET", "/services")) > lookups, "the dry run looked nothing up"
    # What only the real run gets (ids, keys) is neither shown nor stood for outside the plan.
    assert not re.search(r"\{\w+Id\}", json.dumps(output)) and output["created"] is False
    assert not [line for line in planned.json["log"] if "created" in line["message"]]
    real = call(ACTION, body)
    assert real.status_code == 200, real.json
    sent = written(pd)[len(before) :]
    assert as_sent(plan, real.json["output"]["serviceId"]) == sent
    return output


def account(pd: SandboxServer) -> Any:
    return pd.state.accounts["default"]


def test_a_new_service_with_every_option(call: Call, pd: SandboxServer) -> None:
    assert_plan_is_what_is_sent(
        call,
        pd,
        {
            "name": "planned-in-full",
            "description": "Every field a real run sends",
            "escalationPolicyName": "Default",
            "urgency": "high",
            "acknowledgementTimeout": 600,
            "autoResolveTimeout": None,
            "autoPauseNotifications": {"enabled": True, "timeout": 300},
            "alertGrouping": {
                "type": "content_based",
                "name": "by source",
                "config": {"aggregate": "any", "fields": ["source"], "time_window": 600},
            },
            "integrations": [{"type": "events_api_v2", "name": "Alerts"}, {"vendor": "datadog"}],
        },
    )


@pytest.mark.parametrize("grouping", ["time", "intelligent", "content_based", None])
def test_a_new_service_with_each_grouping(
    call: Call, pd: SandboxServer, grouping: str | None
) -> None:
    body: dict[str, Any] = {"name": f"planned-{grouping}", "escalationPolicyName": "Default"}
    if grouping:
        body["alertGrouping"] = grouping
    assert_plan_is_what_is_sent(call, pd, body)


def test_a_new_service_joining_a_shared_setting(call: Call, pd: SandboxServer) -> None:
    first = call(
        ACTION, {"name": "first", "escalationPolicyName": "Default", "alertGrouping": "time"}
    ).json["output"]
    assert_plan_is_what_is_sent(
        call,
        pd,
        {
            "name": "joins",
            "escalationPolicyName": "Default",
            "alertGrouping": {"settingId": first["alertGroupingSettingId"]},
        },
    )


def _bare_service(call: Call, pd: SandboxServer, name: str) -> str:
    """A service of ``name`` with neither integration nor grouping (as a half-done run left it)."""
    service_id = str(
        call(ACTION, {"name": name, "escalationPolicyName": "Default"}).json["output"]["serviceId"]
    )
    with pd.state.lock:
        integrations = account(pd).integrations
        for key in [k for k, i in integrations.items() if i.get("service_id") == service_id]:
            del integrations[key]
    return service_id


def test_reusing_a_service_that_lacks_integrations_and_grouping(
    call: Call, pd: SandboxServer
) -> None:
    _bare_service(call, pd, "adopted")
    assert_plan_is_what_is_sent(
        call,
        pd,
        {
            "name": "adopted",
            "escalationPolicyName": "Default",
            "ifExists": "reuse",
            "alertGrouping": {"type": "time", "config": {"timeout": 120}},
            "integrations": [{"type": "events_api_v2"}],
        },
    )


def test_reusing_a_service_that_joins_a_shared_setting(call: Call, pd: SandboxServer) -> None:
    setting = call(
        ACTION, {"name": "owner", "escalationPolicyName": "Default", "alertGrouping": "time"}
    ).json["output"]["alertGroupingSettingId"]
    _bare_service(call, pd, "joiner")
    planned = assert_plan_is_what_is_sent(
        call,
        pd,
        {
            "name": "joiner",
            "escalationPolicyName": "Default",
            "ifExists": "reuse",
            "alertGrouping": {"settingId": setting},
        },
    )
    assert planned["alertGroupingSettingId"] == setting  # known before any write
