"""oneOf/anyOf failures name the fields and the fix (new-user review: "is not valid under any
of the given schemas" at ``$`` told nobody what to change)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft7Validator, Draft202012Validator

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.registry import Registry
from pagerduty_actions.server import create_app
from pagerduty_actions.validation import describe_errors

from .conftest import make_config

Auth = Callable[..., dict[str, str]]
CREATE = "pagerduty:service:create"
EXACTLY_ONE = "give exactly one of escalationPolicyId or escalationPolicyName"


@pytest.fixture
def real_client(sqlite_url: str, tmp_path: Path) -> Iterator[FlaskClient]:
    """The shipped actions (no PagerDuty credentials: the built-in sandbox)."""
    config = make_config(sqlite_url, tmp_path / "data")
    services = build_services(config)
    try:
        yield create_app(config, services=services, registry=Registry.load()).test_client()
    finally:
        services.close()


def create(client: FlaskClient, auth: Auth, body: dict[str, Any]) -> Any:
    response = client.post(f"/v2/actions/{CREATE}", json=body, headers=auth())
    assert response.status_code == 400, response.json
    assert response.json["error"]["name"] == "InputError"
    return response.json["error"]


def test_service_create_without_a_policy_names_both_fields(
    real_client: FlaskClient, auth: Auth
) -> None:
    error = create(real_client, auth, {"name": "a"})
    assert error["details"] == [{"path": "$", "message": f"{EXACTLY_ONE} (neither is set)"}]
    assert EXACTLY_ONE in error["message"]


def test_service_create_with_both_policies_says_not_both(
    real_client: FlaskClient, auth: Auth
) -> None:
    body = {"name": "a", "escalationPolicyId": "PABC123", "escalationPolicyName": "Ops"}
    error = create(real_client, auth, body)
    assert error["details"] == [
        {
            "path": "$",
            "message": f"{EXACTLY_ONE}, not both "
            "(escalationPolicyId and escalationPolicyName are set)",
        }
    ]
    assert "not valid under" not in error["message"]


def test_empty_input_still_reports_the_missing_name_first(
    real_client: FlaskClient, auth: Auth
) -> None:
    error = create(real_client, auth, {})
    assert error["details"] == [
        {"path": "$", "message": "'name' is a required property"},
        {"path": "$", "message": f"{EXACTLY_ONE} (neither is set)"},
    ]


def test_a_bad_policy_id_is_reported_on_its_own_field(real_client: FlaskClient, auth: Auth) -> None:
    error = create(real_client, auth, {"name": "a", "escalationPolicyId": "lower"})
    assert [d["path"] for d in error["details"]] == ["$.escalationPolicyId"]


def messages(schema: dict[str, Any], instance: Any) -> list[str]:
    return [d["message"] for d in describe_errors(Draft202012Validator(schema), instance)]


def test_plain_one_of_required_branches_with_three_fields() -> None:
    schema = {"oneOf": [{"required": ["a"]}, {"required": ["b"]}, {"required": ["c"]}]}
    assert messages(schema, {}) == ["give exactly one of a, b or c (none is set)"]
    # oneOf fails with two valid branches too; jsonschema gives no branch errors for it.
    assert messages(schema, {"a": 1, "c": 2}) == [
        "give exactly one of a, b or c, not several (a and c are set)"
    ]
    assert messages(schema, {"b": 1}) == []


def test_any_of_says_at_least_one_and_groups_multi_field_branches() -> None:
    schema = {"anyOf": [{"required": ["a"]}, {"required": ["b", "c"]}]}
    assert messages(schema, {"b": 1}) == ["give at least one of a or (b and c) (only b is set)"]
    assert messages(schema, {"b": 1, "c": 2}) == []


def test_any_of_with_not_any_of_is_exclusive() -> None:
    schema = {
        "anyOf": [
            {"required": ["a"], "not": {"anyOf": [{"required": ["b"]}, {"required": ["c"]}]}},
            {"required": ["b"], "not": {"anyOf": [{"required": ["a"]}, {"required": ["c"]}]}},
            {"required": ["c"], "not": {"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}},
        ]
    }
    assert messages(schema, {"a": 1, "b": 2}) == [
        "give exactly one of a, b or c, not several (a and b are set)"
    ]


def test_nested_presence_rule_keeps_its_path_and_other_errors() -> None:
    schema = {
        "type": "object",
        "properties": {
            "target": {
                "type": "object",
                "properties": {"id": {"type": "string"}},
                "oneOf": [{"required": ["id"]}, {"required": ["name"]}],
            }
        },
    }
    found = describe_errors(Draft202012Validator(schema), {"target": {"id": 3}})
    # id is set (so the oneOf holds) but has the wrong type: only that is reported.
    assert found == [{"path": "$.target.id", "message": "3 is not of type 'string'"}]
    found = describe_errors(Draft202012Validator(schema), {"target": {}})
    assert found == [
        {"path": "$.target", "message": "give exactly one of id or name (neither is set)"}
    ]


def test_draft7_validators_get_the_same_message() -> None:
    schema = {"oneOf": [{"required": ["a"]}, {"required": ["b"]}]}
    found = describe_errors(Draft7Validator(schema), {})
    assert found == [{"path": "$", "message": "give exactly one of a or b (neither is set)"}]


def test_branches_that_check_values_keep_the_closest_branch_errors() -> None:
    schema = {
        "oneOf": [
            {"type": "object", "required": ["type"], "properties": {"type": {"const": "x"}}},
            {"type": "string"},
        ]
    }
    assert messages(schema, {"type": "y"}) == ["must be 'x', not 'y'"]


def test_not_required_of_two_fields_is_not_read_as_two_forbidden_fields() -> None:
    # not: {required: [b, c]} forbids b and c together only; no presence message is made up.
    schema = {"oneOf": [{"required": ["a"], "not": {"required": ["b", "c"]}}, {"required": ["b"]}]}
    assert messages(schema, {}) == ["{} is not valid under any of the given schemas"]


# -- errors that say what is allowed (#15.8) ---------------------------------------------------

GROUPING_TYPES = "'intelligent', 'time', 'content_based'"
SETTING_TYPES = "'time', 'intelligent', 'content_based', 'content_based_intelligent'"


def create_details(client: FlaskClient, auth: Auth, **fields: Any) -> list[dict[str, str]]:
    details: list[dict[str, str]] = create(
        client, auth, {"name": "a", "escalationPolicyId": "PABC123", **fields}
    )["details"]
    return details


def test_a_misspelt_alert_grouping_word_names_the_closest_type(
    real_client: FlaskClient, auth: Auth
) -> None:
    # A oneOf of a word list and two object forms: the string can only be one of the words.
    assert create_details(real_client, auth, alertGrouping="inteligent") == [
        {
            "path": "$.alertGrouping",
            "message": "'inteligent' is not an alert grouping type; did you mean "
            f"'intelligent'? (allowed: {GROUPING_TYPES})",
        }
    ]
    assert create_details(real_client, auth, alertGrouping={"type": "Time"}) == [
        {
            "path": "$.alertGrouping.type",
            "message": "'Time' is not an alert grouping type; did you mean 'time'? "
            f"(allowed: {SETTING_TYPES})",
        }
    ]
    assert create_details(real_client, auth, alertGrouping="smart") == [
        {
            "path": "$.alertGrouping",
            "message": f"'smart' is not an alert grouping type (allowed: {GROUPING_TYPES})",
        }
    ]


def test_an_unknown_input_key_is_reported_on_itself_with_the_closest_name(
    real_client: FlaskClient, auth: Auth
) -> None:
    details = create_details(real_client, auth, alertGroupin="time")
    assert details == [
        {
            "path": "$.alertGroupin",
            "message": "'alertGroupin' is not a known property; did you mean 'alertGrouping'? "
            "(known: name, description, account, escalationPolicyId, escalationPolicyName, "
            "alertGrouping, autoPauseNotifications, acknowledgementTimeout, autoResolveTimeout, "
            "urgency, teams, integrations, ifExists, alertCreation)",
        }
    ]


def test_a_constant_says_the_value_it_wants(real_client: FlaskClient, auth: Auth) -> None:
    details = create_details(real_client, auth, integrations=[{"type": "event_api_v2"}])
    assert details == [
        {"path": "$.integrations[0].type", "message": "must be 'events_api_v2', not 'event_api_v2'"}
    ]


def test_empty_annotations_say_what_to_give(real_client: FlaskClient, auth: Auth) -> None:
    rule = "give at least one of serviceId, integrationKey (a string), remove: true or other"
    for given, state in [
        ({}, "none is set"),
        ({"integrationKey": True}, "only integrationKey: true is set"),
        ({"remove": False}, "only remove: false is set"),
    ]:
        body = {"repoUrl": "github.com?owner=a&repo=b", "annotations": given}
        response = real_client.post(
            "/v2/actions/pagerduty:entity:annotate", json=body, headers=auth()
        )
        assert response.status_code == 400, response.json
        assert response.json["error"]["details"] == [
            {"path": "$.annotations", "message": f"{rule} ({state})"}
        ]


def test_enum_messages_list_json_values_and_suggest_only_close_strings() -> None:
    schema = {
        "properties": {"t": {"enum": [120, 300, None]}, "d": {"enum": ["pull-request", "commit"]}}
    }
    assert messages(schema, {"t": 100}) == ["100 is not one of 120, 300, null"]
    assert messages(schema, {"d": "comit"}) == [
        "'comit' is not one of 'pull-request', 'commit'; did you mean 'commit'?"
    ]
    assert messages(schema, {"d": "merge"}) == ["'merge' is not one of 'pull-request', 'commit'"]
    many = {"enum": [f"value-{i}" for i in range(25)]}
    assert messages(many, "other")[0].endswith("'value-18', 'value-19' and 5 more")


def test_not_required_pairs_are_worded_and_not_repeated_for_a_wrong_type() -> None:
    schema = {
        "type": "object",
        "not": {"anyOf": [{"required": ["apiToken", "oauth"]}, {"required": ["a", "b", "c"]}]},
    }
    assert messages(schema, {"apiToken": "x", "oauth": {}}) == ["give apiToken or oauth, not both"]
    assert messages(schema, {"a": 1, "b": 2, "c": 3}) == ["a, b and c cannot be set together"]
    # jsonschema added "3 should not be valid under {'anyOf': [...]}" to the type error.
    assert messages(schema, 3) == ["3 is not of type 'object'"]
