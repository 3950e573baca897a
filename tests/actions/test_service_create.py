"""pagerduty:service:create against the sandbox: the happy paths, every bad input and fault
of the issue, and the plugin's failures turned into ours (loud, never half-done)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from flask import Flask

from pagerduty_actions.outbound import RetryTransport
from pagerduty_actions.sandbox import SandboxServer

ACTION = "pagerduty:service:create"
Call = Callable[..., Any]


def account(pd: SandboxServer) -> Any:
    return pd.state.accounts["default"]


def policy_id(pd: SandboxServer, name: str = "Default") -> str:
    return next(p["id"] for p in account(pd).escalation_policies.values() if p["name"] == name)


def settings_of(pd: SandboxServer) -> list[dict[str, Any]]:
    return list(account(pd).grouping_settings.values())


def test_plugin_style_input_creates_service_integration_and_grouping(
    call: Call, pd: SandboxServer, conformance: Callable[[Any], int]
) -> None:
    response = call(
        ACTION,
        {
            "name": "checkout",
            "description": "Checkout",
            "escalationPolicyName": "Default",
            "alertGrouping": "intelligent",
        },
    )
    assert response.status_code == 200, response.json
    out = response.json["output"]
    assert out["created"] is True and out["account"] == "default"
    service = account(pd).services[out["serviceId"]]
    assert service["name"] == "checkout"
    assert out["serviceUrl"].endswith(out["serviceId"])
    [backstage] = [
        i for i in account(pd).integrations.values() if i.get("service_id") == out["serviceId"]
    ]
    assert out["integrationKey"] == backstage["integration_key"]
    [setting] = settings_of(pd)
    assert out["alertGroupingSettingId"] == setting["id"] and setting["type"] == "intelligent"
    assert out["alertGrouping"] == "intelligent"
    assert out["integrations"][0]["type"] == "backstage"
    assert conformance(pd.state) > 0


def test_no_request_ever_carries_zero_for_a_window(call: Call, pd: SandboxServer) -> None:
    for word in ("time", "intelligent", "content_based"):
        assert (
            call(
                ACTION,
                {"name": f"svc-{word}", "escalationPolicyName": "Default", "alertGrouping": word},
            ).status_code
            == 200
        )
    bodies = [e.body for e in pd.state.requests("POST", "/alert_grouping_settings")]
    assert len(bodies) == 3
    for body in bodies:
        config = body["alert_grouping_setting"]["config"]
        for key in ("timeout", "time_window"):
            if key in config:
                assert config[key] is None


def test_full_content_based_config_is_sent_as_given(call: Call, pd: SandboxServer) -> None:
    grouping = {
        "type": "content_based",
        "config": {"aggregate": "any", "fields": ["source"], "time_window": 86400},
    }
    response = call(
        ACTION, {"name": "cb", "escalationPolicyName": "Default", "alertGrouping": grouping}
    )
    assert response.status_code == 200, response.json
    [request] = pd.state.requests("POST", "/alert_grouping_settings")
    assert request.body["alert_grouping_setting"]["config"] == grouping["config"]
    assert request.body["alert_grouping_setting"]["services"] == [
        {"id": response.json["output"]["serviceId"], "type": "service_reference"}
    ]


def test_service_options_reach_pagerduty(call: Call, pd: SandboxServer) -> None:
    body = {
        "name": "opts",
        "escalationPolicyId": policy_id(pd),
        "urgency": "severity_based",
        "acknowledgementTimeout": 600,
        "autoResolveTimeout": None,
        "autoPauseNotifications": {"enabled": True, "timeout": 300},
    }
    assert call(ACTION, body).status_code == 200
    [request] = pd.state.requests("POST", "/services")
    sent = request.body["service"]
    assert sent["incident_urgency_rule"] == {"type": "constant", "urgency": "severity_based"}
    assert sent["acknowledgement_timeout"] == 600 and sent["auto_resolve_timeout"] is None
    assert sent["auto_pause_notifications_parameters"] == {"enabled": True, "timeout": 300}
    assert "alert_grouping_parameters" not in sent and "alert_creation" not in sent


def test_dry_run_returns_the_ordered_plan_and_writes_nothing(
    call: Call, pd: SandboxServer, writes: Callable[[], list[Any]]
) -> None:
    body = {
        "name": "planned",
        "escalationPolicyName": "Default",
        "alertGrouping": "time",
        "integrations": [{"type": "events_api_v2"}],
    }
    response = call(ACTION, body, dry_run=True)
    assert response.status_code == 200, response.json
    out = response.json["output"]
    assert response.json["dryRun"] is True
    assert out["serviceId"] is None and out["created"] is False
    assert [(r["method"], r["path"]) for r in out["plan"]] == [
        ("POST", "/services"),
        ("POST", "/services/{serviceId}/integrations"),
        ("POST", "/services/{serviceId}/integrations"),
        ("POST", "/alert_grouping_settings"),
    ]
    assert out["plan"][1]["body"]["integration"]["vendor"]["id"] == "PRO19CT"
    assert writes() == []
    assert account(pd).services == {}


def test_unknown_escalation_policy_is_an_input_error(
    call: Call, pd: SandboxServer, writes: Callable[[], list[Any]]
) -> None:
    response = call(ACTION, {"name": "x", "escalationPolicyId": "PNOPE12"})
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["path"] == "$.escalationPolicyId"
    assert "does not exist" in response.json["error"]["message"]
    named = call(ACTION, {"name": "x", "escalationPolicyName": "Platform"})
    assert named.status_code == 400
    assert named.json["error"]["message"] == (
        "no escalation policy named 'Platform' in PagerDuty account 'default'; "
        "did you mean 'Platform On-Call'?"
    )
    assert writes() == []


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("Platfrom On-Call", "'Platform On-Call'"),  # a typo PagerDuty's query cannot find
        ("platform on-call", "'Platform On-Call'"),  # names are compared exactly
        ("Defualt", "'Default'"),
    ],
)
def test_an_unknown_policy_name_suggests_the_closest_names(
    call: Call, given: str, meant: str
) -> None:
    response = call(ACTION, {"name": "x", "escalationPolicyName": given})
    assert response.status_code == 400
    assert response.json["error"]["message"] == (
        f"no escalation policy named {given!r} in PagerDuty account 'default'; "
        f"did you mean {meant}?"
    )
    assert response.json["error"]["details"] == [
        {"path": "$.escalationPolicyName", "message": f"not found; did you mean {meant}?"}
    ]


def test_a_policy_name_not_found_among_600_costs_at_most_six_calls(
    make_app: Callable[..., Flask], pd: SandboxServer
) -> None:
    """The suggestion reads five pages of policies at most, whatever the account holds."""
    with pd.state.lock:
        acct = account(pd)
        for i in range(600):
            acct.escalation_policies[f"PEP{i:04d}"] = {
                **next(iter(acct.escalation_policies.values())),
                "id": f"PEP{i:04d}",
                "name": f"Team {i:03d} On-Call",
            }
    client = make_app().test_client()
    before = len(pd.state.requests("GET", "/escalation_policies"))
    response = client.post(
        f"/v2/actions/{ACTION}?dryRun=true",
        json={"name": "n", "escalationPolicyName": "Nobody Rota"},
        headers={"Authorization": "Bearer actions-test-token-0123456789"},
    )
    assert response.status_code == 400, response.json
    assert "did you mean" not in response.json["error"]["message"]
    assert len(pd.state.requests("GET", "/escalation_policies")) - before == 6


def test_both_or_neither_policy_inputs_are_refused(call: Call) -> None:
    both = call(
        ACTION, {"name": "x", "escalationPolicyId": "PABC123", "escalationPolicyName": "Default"}
    )
    neither = call(ACTION, {"name": "x"})
    assert both.status_code == neither.status_code == 400


def test_policy_name_resolves_in_at_most_two_calls_among_500(
    make_app: Callable[..., Flask], pd: SandboxServer
) -> None:
    with pd.state.lock:
        acct = account(pd)
        for i in range(500):
            acct.escalation_policies[f"PEP{i:04d}"] = {
                **next(iter(acct.escalation_policies.values())),
                "id": f"PEP{i:04d}",
                "name": f"Team {i:03d} On-Call",
            }
    client = make_app().test_client()
    before = len(pd.state.requests("GET", "/escalation_policies"))
    response = client.post(
        f"/v2/actions/{ACTION}?dryRun=true",
        json={"name": "n", "escalationPolicyName": "Team 250 On-Call"},
        headers={"Authorization": "Bearer actions-test-token-0123456789"},
    )
    assert response.status_code == 200, response.json
    assert response.json["output"]["escalationPolicyId"] == "PEP0250"
    assert len(pd.state.requests("GET", "/escalation_policies")) - before <= 2


def test_ambiguous_policy_name_lists_the_candidates(call: Call, pd: SandboxServer) -> None:
    with pd.state.lock:
        acct = account(pd)
        original = next(p for p in acct.escalation_policies.values() if p["name"] == "Default")
        acct.escalation_policies["PDUP001"] = {**original, "id": "PDUP001"}
    response = call(ACTION, {"name": "x", "escalationPolicyName": "Default"})
    assert response.status_code == 400
    assert "PDUP001" in response.json["error"]["message"]


@pytest.mark.parametrize(
    ("grouping", "path"),
    [
        ({"type": "time", "config": {"timeout": 0}}, "$.alertGrouping.config.timeout"),
        (
            {"type": "intelligent", "config": {"time_window": 5000}},
            "$.alertGrouping.config.time_window",
        ),
        ({"type": "content_based", "config": {"aggregate": "all"}}, "$.alertGrouping.config"),
        ({"type": "content_based"}, "$.alertGrouping"),
        (  # a key time grouping does not take is reported on itself
            {"type": "time", "config": {"timeout": 60, "time_window": 300}},
            "$.alertGrouping.config.time_window",
        ),
        (
            {"type": "content_based", "config": {"aggregate": "some", "fields": ["a"]}},
            "$.alertGrouping.config.aggregate",
        ),
        (
            {
                "type": "content_based_intelligent",
                "config": {"aggregate": "all", "fields": ["a"], "time_window": 86400},
            },
            "$.alertGrouping.config.time_window",
        ),
        ("smart", "$.alertGrouping"),
    ],
)
def test_bad_grouping_config_is_refused_before_any_call(
    call: Call, pd: SandboxServer, grouping: Any, path: str
) -> None:
    response = call(
        ACTION, {"name": "x", "escalationPolicyName": "Default", "alertGrouping": grouping}
    )
    assert response.status_code == 400
    assert path in [d["path"] for d in response.json["error"]["details"]]
    assert pd.state.requests() == []


def test_an_id_with_a_final_line_break_is_refused_as_backstage_refuses_it(
    call: Call, pd: SandboxServer
) -> None:
    # The schema's ^[A-Z0-9]{2,20}$ is ECMA-262's: $ is the end, not "before a final newline"
    # as Python's re reads it; the id would otherwise go on into a PagerDuty URL.
    policy = policy_id(pd)
    response = call(ACTION, {"name": "x", "escalationPolicyId": policy + "\n"})
    assert response.status_code == 400
    assert [d["path"] for d in response.json["error"]["details"]] == ["$.escalationPolicyId"]
    assert pd.state.requests() == []
    assert call(ACTION, {"name": "x", "escalationPolicyId": policy}).status_code == 200


def test_duplicate_name_fails_by_default_and_is_reused_on_request(
    call: Call, pd: SandboxServer
) -> None:
    first = call(
        ACTION, {"name": "dup", "escalationPolicyName": "Default", "alertGrouping": "time"}
    ).json["output"]
    clash = call(ACTION, {"name": "dup", "escalationPolicyName": "Default"})
    assert clash.status_code == 409
    assert first["serviceId"] in clash.json["error"]["message"]
    assert "ifExists: reuse" in clash.json["error"]["message"]
    reused = call(
        ACTION,
        {
            "name": "dup",
            "escalationPolicyName": "Default",
            "alertGrouping": "time",
            "ifExists": "reuse",
        },
    )
    assert reused.status_code == 200
    out = reused.json["output"]
    assert out["created"] is False and out["serviceId"] == first["serviceId"]
    assert out["integrationKey"] == first["integrationKey"]
    assert out["alertGroupingSettingId"] == first["alertGroupingSettingId"]
    assert len(account(pd).services) == 1 and len(settings_of(pd)) == 1


def test_reuse_with_another_policy_fails_with_the_difference(call: Call, pd: SandboxServer) -> None:
    call(ACTION, {"name": "dup", "escalationPolicyName": "Default"})
    response = call(
        ACTION, {"name": "dup", "escalationPolicyName": "Platform On-Call", "ifExists": "reuse"}
    )
    assert response.status_code == 409
    message = response.json["error"]["message"]
    assert policy_id(pd, "Default") in message and policy_id(pd, "Platform On-Call") in message


def test_reuse_finishes_a_half_created_service(call: Call, pd: SandboxServer) -> None:
    """A run that died after creating the service: the re-run adds what is missing."""
    svc = call(ACTION, {"name": "half", "escalationPolicyName": "Default"}).json["output"]
    with pd.state.lock:
        for key in [
            k
            for k, i in account(pd).integrations.items()
            if i.get("service_id") == svc["serviceId"]
        ]:
            del account(pd).integrations[key]
    again = call(ACTION, {"name": "half", "escalationPolicyName": "Default", "ifExists": "reuse"})
    out = again.json["output"]
    assert again.status_code == 200 and out["created"] is False
    assert out["integrations"][0]["created"] is True and out["integrationKey"]
    assert (
        len(
            [
                i
                for i in account(pd).integrations.values()
                if i.get("service_id") == svc["serviceId"]
            ]
        )
        == 1
    )


def test_account_without_grouping_ability(
    call: Call, pd: SandboxServer, writes: Callable[[], list[Any]]
) -> None:
    pd.state.set_abilities("default", ["teams"])
    refused = call(
        ACTION, {"name": "g", "escalationPolicyName": "Default", "alertGrouping": "intelligent"}
    )
    assert refused.status_code == 400
    assert "preview_intelligent_alert_grouping" in refused.json["error"]["message"]
    assert "required: false" in refused.json["error"]["message"]
    assert writes() == []
    allowed = call(
        ACTION,
        {
            "name": "g",
            "escalationPolicyName": "Default",
            "alertGrouping": {"type": "intelligent", "required": False},
        },
    )
    assert allowed.status_code == 200
    out = allowed.json["output"]
    assert out["alertGroupingSettingId"] is None and out["alertGrouping"] is None
    assert any("lacks the ability" in w for w in out["warnings"])


def test_429_storm_is_waited_out_with_one_service(call: Call, pd: SandboxServer) -> None:
    pd.state.set_rate_limit(3, 1.0)  # the create sequence needs more than 3 calls a second
    response = call(
        ACTION, {"name": "storm", "escalationPolicyName": "Default", "alertGrouping": "time"}
    )
    assert response.status_code == 200, response.json
    assert len(account(pd).services) == 1
    assert any(e.status == 429 for e in pd.state.requests())


def test_control_without_the_retry_policy_the_same_storm_fails_the_create(
    call: Call, pd: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mutation check (#20) for the test above: with the shared retry transport passing every
    request straight through, the same storm fails the action, so that test proves the policy
    rather than a sandbox that stopped limiting."""

    def straight_through(self: RetryTransport, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)

    monkeypatch.setattr(RetryTransport, "handle_request", straight_through)
    pd.state.set_rate_limit(3, 1.0)
    response = call(
        ACTION, {"name": "storm", "escalationPolicyName": "Default", "alertGrouping": "time"}
    )
    assert response.status_code == 502, response.json
    assert "429 Rate Limit Exceeded" in response.json["error"]["message"]


def test_502_on_the_service_post_is_resent_only_after_a_lookup_finds_nothing(
    call: Call, pd: SandboxServer
) -> None:
    """The shared retry policy through the whole action: a POST that may have been applied is
    sent again only after a look-up by name finds no service, and one service results."""
    pd.state.fail_next(1, 502, "POST", "/services")
    response = call(ACTION, {"name": "flaky", "escalationPolicyName": "Default"})
    assert response.status_code == 200, response.json
    assert len(account(pd).services) == 1
    exchanges = [(e.method, e.status) for e in pd.state.requests(path="/services")]
    assert exchanges[-3:] == [("POST", 502), ("GET", 200), ("POST", 201)]


def test_500_on_integration_create_rolls_back_the_service(call: Call, pd: SandboxServer) -> None:
    pd.state.fail_next(10, 500, "POST", "/services/{id}/integrations")
    response = call(ACTION, {"name": "rb", "escalationPolicyName": "Default"})
    assert response.status_code == 502
    message = response.json["error"]["message"]
    assert "creating the Backstage integration failed" in message
    assert "Rolled back: service" in message
    assert response.json["error"]["upstream"]["status"] == 500
    assert account(pd).services == {}
    assert [e.method for e in pd.state.requests(path="/services/{id}") if e.method == "DELETE"] == [
        "DELETE"
    ]


def test_failed_rollback_says_what_is_left_behind(call: Call, pd: SandboxServer) -> None:
    pd.state.fail_next(10, 500, "POST", "/alert_grouping_settings")
    pd.state.fail_next(10, 503, "DELETE", "/services/{id}")
    response = call(
        ACTION, {"name": "stuck", "escalationPolicyName": "Default", "alertGrouping": "time"}
    )
    assert response.status_code == 502
    message = response.json["error"]["message"]
    [service_id] = list(account(pd).services)
    assert "LEFT BEHIND" in message and service_id in message
    assert response.json["error"].get("retryable") is not True


def test_pagerduty_down_is_502_with_nothing_created(
    make_app: Callable[..., Flask], pd: SandboxServer
) -> None:
    app = make_app(pagerduty={"apiToken": "sandbox-token", "apiBaseUrl": "http://127.0.0.1:9"})
    response = app.test_client().post(
        f"/v2/actions/{ACTION}",
        json={"name": "down", "escalationPolicyName": "Default"},
        headers={"Authorization": "Bearer actions-test-token-0123456789"},
    )
    assert response.status_code == 502
    assert response.json["error"]["name"] == "UpstreamError"
    assert (
        "127.0.0.1:9" in response.json["error"]["message"]
        or "connect" in response.json["error"]["message"].lower()
    )
    assert account(pd).services == {}


def test_bad_pagerduty_token_is_502_naming_the_credential(
    make_app: Callable[..., Flask], pd: SandboxServer
) -> None:
    app = make_app(pagerduty={"apiToken": "wrong-token", "apiBaseUrl": pd.base_url})
    response = app.test_client().post(
        f"/v2/actions/{ACTION}",
        json={"name": "x", "escalationPolicyName": "Default"},
        headers={"Authorization": "Bearer actions-test-token-0123456789"},
    )
    assert response.status_code == 502
    assert "pagerDuty.apiToken" in response.json["error"]["message"]
    assert "wrong-token" not in response.get_data(as_text=True)


def test_fifty_concurrent_requests_with_one_key_make_one_service(
    app: Flask, pd: SandboxServer
) -> None:
    body = {"name": "concurrent", "escalationPolicyName": "Default", "alertGrouping": "time"}
    headers = {
        "Authorization": "Bearer actions-test-token-0123456789",
        "Idempotency-Key": "task-1/step-pd",
    }

    def post(_: int) -> tuple[int, str]:
        """As the Backstage module does: a 409 retryable is asked again after Retry-After."""
        for _attempt in range(30):
            r = app.test_client().post(f"/v2/actions/{ACTION}", json=body, headers=headers)
            if r.status_code != 409:
                return r.status_code, r.json["output"]["serviceId"]
            assert r.json["error"]["retryable"] is True
            time.sleep(float(r.headers["Retry-After"]))
        raise AssertionError("still running after 30 tries")

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(post, range(50)))
    assert {status for status, _ in results} == {200}
    assert len({sid for _, sid in results}) == 1
    assert len(account(pd).services) == 1
    assert len(pd.state.requests("POST", "/services")) == 1


def test_shared_setting_join_and_its_limit(call: Call, pd: SandboxServer) -> None:
    first = call(
        ACTION,
        {
            "name": "a",
            "escalationPolicyName": "Default",
            "alertGrouping": {"type": "time", "config": {"timeout": 300}},
        },
    ).json["output"]
    setting_id = first["alertGroupingSettingId"]
    join = {
        "name": "b",
        "escalationPolicyName": "Default",
        "alertGrouping": {"settingId": setting_id},
    }
    planned = call(ACTION, join, dry_run=True).json["output"]
    assert planned["alertGroupingSettingId"] == setting_id  # known before any write
    assert planned["plan"][-1]["path"] == f"/alert_grouping_settings/{setting_id}"
    joined = call(
        ACTION,
        {
            "name": "b",
            "escalationPolicyName": "Default",
            "alertGrouping": {"settingId": setting_id},
        },
    )
    assert joined.status_code == 200, joined.json
    out = joined.json["output"]
    assert out["alertGroupingSettingId"] == setting_id and out["alertGrouping"] == "time"
    members = set(account(pd).grouping_settings[setting_id]["service_ids"])
    assert members == {first["serviceId"], out["serviceId"]}
    with pd.state.lock:  # fill the setting up to PagerDuty's limit with real services
        acct = account(pd)
        template = acct.services[first["serviceId"]]
        fillers = [f"PFILL{i:03d}" for i in range(250)]
        for sid in fillers:
            acct.services[sid] = {**template, "id": sid, "name": sid, "integration_ids": []}
        acct.grouping_settings[setting_id]["service_ids"] = fillers
    full = call(
        ACTION,
        {
            "name": "c",
            "escalationPolicyName": "Default",
            "alertGrouping": {"settingId": setting_id},
        },
    )
    assert full.status_code == 400
    assert "limit is 250" in full.json["error"]["message"]


def test_extra_integrations_are_created_once(call: Call, pd: SandboxServer) -> None:
    body = {
        "name": "ints",
        "escalationPolicyName": "Default",
        "integrations": [{"type": "events_api_v2"}, {"vendor": "datadog"}],
        "ifExists": "reuse",
    }
    first = call(ACTION, body)
    assert first.status_code == 200, first.json
    made = first.json["output"]["integrations"]
    assert [i["type"] for i in made] == ["backstage", "events_api_v2", "vendor"]
    assert all(i["integrationKey"] for i in made) and all(i["created"] for i in made)
    again = call(ACTION, body).json["output"]
    assert [i["created"] for i in again["integrations"]] == [False, False, False]
    assert [i["integrationKey"] for i in again["integrations"]] == [
        i["integrationKey"] for i in made
    ]
    assert len(pd.state.requests("POST", "/services/{id}/integrations")) == 3


def test_unknown_vendor_suggests_names(call: Call, writes: Callable[[], list[Any]]) -> None:
    response = call(
        ACTION,
        {"name": "v", "escalationPolicyName": "Default", "integrations": [{"vendor": "Grafanna"}]},
    )
    assert response.status_code == 400
    assert "did you mean 'Grafana'" in response.json["error"]["message"]
    assert response.json["error"]["details"][0]["path"] == "$.integrations[0].vendor"
    assert writes() == []


def test_teams_are_checked_against_the_policy(call: Call, pd: SandboxServer) -> None:
    team = next(iter(account(pd).teams))
    ok = call(ACTION, {"name": "t1", "escalationPolicyName": "Platform On-Call", "teams": [team]})
    assert ok.status_code == 200
    bad = call(ACTION, {"name": "t2", "escalationPolicyName": "Default", "teams": [team]})
    assert bad.status_code == 400
    assert "from its escalation policy" in bad.json["error"]["message"]


def test_alert_creation_is_ignored_with_a_warning(call: Call, pd: SandboxServer) -> None:
    response = call(
        ACTION,
        {"name": "ac", "escalationPolicyName": "Default", "alertCreation": "create_incidents"},
    )
    assert response.status_code == 200
    assert any("alertCreation is deprecated" in w for w in response.json["output"]["warnings"])
    assert "alert_creation" not in pd.state.requests("POST", "/services")[0].body["service"]


def test_integration_key_never_reaches_the_log(
    call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    response = call(ACTION, {"name": "secret", "escalationPolicyName": "Default"})
    key = response.json["output"]["integrationKey"]
    assert key and key not in json.dumps(response.json["log"])
    assert all(key not in r.getMessage() for r in caplog.records)


def test_unreachable_database_refuses_a_create_before_any_pagerduty_call(
    app: Flask, call: Call, pd: SandboxServer
) -> None:
    """A create skips the registry's ping (its first statement, the name's lease, is the
    check): a lost database still gives the ping's 503, and PagerDuty sees no write (only
    the escalation policy's lookup, which the input's name needs, comes first)."""
    from pagerduty_actions.store import Database

    services = app.extensions["pagerduty_actions"].services
    services.db.dispose()
    services.db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    pd.state.log.clear()
    response = call(ACTION, {"name": "lost-db", "escalationPolicyName": "Default"})
    assert response.status_code == 503, response.json
    error = response.json["error"]
    assert error["name"] == "ServiceUnavailableError" and error["retryable"] is True
    assert "is unreachable" in error["message"] and "was not run" in error["message"]
    assert {(e.method, e.path) for e in pd.state.log.entries()} <= {("GET", "/escalation_policies")}
    assert not any(s["name"] == "lost-db" for s in account(pd).services.values())
