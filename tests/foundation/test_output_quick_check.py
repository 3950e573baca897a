"""The registry's quick check of an action's output: it may only say "surely valid" for an
output jsonschema accepts (anything else goes to jsonschema, which words the errors), and it
must exist for every shipped output schema, or the runs pay for jsonschema's walk again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from pagerduty_actions.paths import data_dir
from pagerduty_actions.registry import quick_check

SCHEMAS = sorted((data_dir("schemas") / "actions").glob("*.output.json"))


def _names(schema: Any, found: set[str]) -> set[str]:
    """Every property name of ``schema`` and of the schemas inside it."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                found |= set(value)
                for sub in value.values():
                    _names(sub, found)
            elif isinstance(value, dict):
                _names(value, found)
    return found


def _values(keys: list[str]) -> st.SearchStrategy[Any]:
    """JSON values whose objects mostly use ``keys``, so that many come near the schema."""
    leaves = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False)
    leaves |= st.sampled_from(["", "time", "PABC123", *keys]) | st.text(max_size=4)
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.sampled_from(keys) | st.text(max_size=3), inner, max_size=12)
        ),
        max_leaves=40,
    )


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_shipped_output_schema_has_a_quick_check(path: Path) -> None:
    assert quick_check(json.loads(path.read_text())) is not None


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_the_quick_check_never_accepts_what_jsonschema_refuses(path: Path, data: Any) -> None:
    schema = json.loads(path.read_text())
    check = quick_check(schema)
    assert check is not None
    value = data.draw(_values(sorted(_names(schema, set()))))
    if check(value):
        assert Draft202012Validator(schema).is_valid(value), value


SERVICE_OUTPUT = {
    "serviceId": "PABC123",
    "serviceUrl": "https://example.pagerduty.com/services/PABC123",
    "integrationKey": "0123456789abcdef0123456789abcdef",
    "account": "default",
    "escalationPolicyId": "PPOL123",
    "alertGroupingSettingId": None,
    "alertGrouping": None,
    "created": True,
    "warnings": [],
    "integrations": [
        {"id": "PINT123", "name": "Backstage", "type": "backstage", "vendor": "PRO19CT",
         "integrationKey": "0123456789abcdef0123456789abcdef", "created": True},
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "accepted"),
    [
        ({}, True),
        ({"sandbox": True}, True),
        ({"sandbox": "yes"}, False),
        ({"created": 1}, False),  # JSON's 1 is no boolean
        ({"serviceId": 5}, False),
        ({"unknown": 1}, False),  # additionalProperties: false
        ({"integrations": [{"id": "P1", "name": "x", "type": "t", "integrationKey": None}]}, False),
        ({"warnings": ["one", 2]}, False),
    ],
)
def test_a_service_create_output_is_judged_as_jsonschema_does(
    change: dict[str, Any], accepted: bool
) -> None:
    schema = json.loads((data_dir("schemas") / "actions/service_create.output.json").read_text())
    output = {**SERVICE_OUTPUT, **change}
    check = quick_check(schema)
    assert check is not None
    assert check(output) is accepted
    assert Draft202012Validator(schema).is_valid(output) is accepted


def test_a_missing_required_field_is_not_surely_valid() -> None:
    schema = json.loads((data_dir("schemas") / "actions/service_create.output.json").read_text())
    output = {k: v for k, v in SERVICE_OUTPUT.items() if k != "account"}
    check = quick_check(schema)
    assert check is not None and not check(output)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "pattern": "^a"},
        {"oneOf": [{"type": "string"}]},
        {"type": "object", "additionalProperties": {"type": "string", "format": "email"}},
        {"type": "array", "items": {"type": "string", "minLength": 2}},
        {"type": "uuid"},
    ],
)
def test_a_schema_with_more_than_the_plain_keywords_gets_no_quick_check(
    schema: dict[str, Any],
) -> None:
    assert quick_check(schema) is None
