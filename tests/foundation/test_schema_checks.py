"""The input validator that skips valid subtrees (``schema_checks``) gives jsonschema's errors.

Each schema is validated both ways on drawn values made of the schema's own words (property
names, constants, bounds) and odd ones: the same errors in the same order (message, paths,
keyword, and the context of every ``oneOf``/``anyOf``), the same ``is_valid``, the same
worded error list; and every compiled subschema check gives jsonschema's verdict.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, ValidationError

from pagerduty_actions import schema_checks
from pagerduty_actions.config import FORMAT_CHECKER
from pagerduty_actions.entity_page.trigger import TRIGGER_SCHEMA
from pagerduty_actions.json_validators import Draft202012
from pagerduty_actions.schema_checks import TYPE_TESTS, fast_validator, quick_is_valid
from pagerduty_actions.validation import describe_errors, input_validator

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {p.name: json.loads(p.read_text()) for p in sorted(ROOT.glob("schemas/**/*.json"))}

# Every keyword compiler, the fallbacks (contains, unevaluatedProperties, a moved base) and
# the corners of jsonschema's reading (True is not 1, 1.0 is an integer, a $ref cycle).
SYNTHETIC: dict[str, Any] = {
    "$defs": {
        "node": {
            "type": "object",
            "properties": {"name": {"const": "n"}, "next": {"$ref": "#/$defs/node"}},
            "additionalProperties": False,
        },
        "a~b/c": {"enum": [1, True, "x", None, [1], {"k": 1}]},
    },
    "type": "object",
    "properties": {
        "node": {"$ref": "#/$defs/node"},
        "escaped": {"$ref": "#/$defs/a~0b~1c"},
        "whole": {"$ref": "#"},
        "number": {"type": ["integer", "null"], "minimum": 1, "exclusiveMaximum": 10},
        "float": {"type": "number", "maximum": 2.5, "exclusiveMinimum": 0, "multipleOf": 0.5},
        "const": {"const": 1},
        "constText": {"const": "x"},
        "list": {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "integer"}],
            "items": {"enum": ["x", "y", 1]},
            "minItems": 1,
            "maxItems": 4,
            "uniqueItems": True,
        },
        "closed": {"type": "array", "prefixItems": [{"const": "x"}], "items": False},
        "map": {
            "type": "object",
            "patternProperties": {"^x": {"type": "integer"}, "y$": {"type": "string"}},
            "additionalProperties": {"type": "boolean"},
            "propertyNames": {"maxLength": 3},
            "minProperties": 1,
            "maxProperties": 3,
            "dependentRequired": {"xa": ["ay"]},
            "dependentSchemas": {"xb": {"required": ["xc"]}},
        },
        "url": {"type": "string", "format": "uri", "pattern": "^h", "minLength": 2},
        "email": {"format": "email"},
        "choice": {
            "anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer"}],
            "not": {"const": 3},
        },
        "shape": {
            "if": {"properties": {"kind": {"const": "a"}}},
            "then": {"required": ["a"]},
            "else": {"required": ["b"]},
        },
        "both": {"allOf": [{"required": ["a"]}, {"not": {"required": ["b"]}}]},
        "contains": {"contains": {"const": 1}, "minContains": 1},
        "unevaluated": {
            "properties": {"a": True},
            "unevaluatedProperties": False,
        },
        "moved": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "integer"},
        "never": False,
        "always": True,
    },
    "oneOf": [{"required": ["node"]}, {"required": ["map"]}, {"not": {"required": ["list"]}}],
}
MOVED_BASE = {
    "$id": "https://example.com/root",
    "$defs": {"n": {"$anchor": "num", "type": "integer"}},
    "properties": {"a": {"$ref": "#num"}, "b": {"type": "string"}},
}
SCHEMAS = {**SHIPPED, "trigger": TRIGGER_SCHEMA, "synthetic": SYNTHETIC, "moved": MOVED_BASE}


BOUNDS = ("minimum", "maximum", "minLength", "maxLength", "minItems")


def words(schema: Any) -> tuple[set[str], list[Any]]:
    """The names and the constant values a schema mentions (keys, enums, consts, bounds)."""
    names: set[str] = set()
    values: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                names.add(key)
                if key in ("enum", "examples") and isinstance(value, list):
                    values.extend(value)
                elif key in ("const", "default"):
                    values.append(value)
                elif key in BOUNDS and isinstance(value, int | float) and value is not True:
                    values.extend([value - 1, value, value + 1])
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema)
    return names, values


def instances(schema: Any) -> st.SearchStrategy[Any]:
    names, values = words(schema)
    keys = st.sampled_from(sorted(names)) | st.text(max_size=3)
    leaves = (
        st.sampled_from([*values, "PABC123", "https://x.example", "a@b.c", "", 1.0, 0.5])
        | st.none()
        | st.booleans()
        | st.integers(-3, 90000)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=4)
        | keys
    )
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6)
        ),
        max_leaves=25,
    )


def shape(errors: Any) -> list[Any]:
    """Everything the worded messages and lint read of jsonschema's errors, contexts too."""
    out = []
    for e in errors:
        assert isinstance(e, ValidationError)
        out.append(
            (
                e.message,
                list(e.absolute_path),
                list(e.absolute_schema_path),
                e.validator,
                e.validator_value,
                e.instance,
                shape(e.context),
            )
        )
    return out


def both(schema: Any) -> tuple[Any, Any]:
    plain = Draft202012(schema, format_checker=FORMAT_CHECKER)  # jsonschema, ECMA patterns
    return plain, fast_validator(schema, FORMAT_CHECKER)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_same_errors_as_jsonschema(name: str) -> None:
    schema = SCHEMAS[name]
    plain, fast = both(schema)

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(instances(schema))
    def check(value: Any) -> None:
        assert shape(fast.iter_errors(value)) == shape(plain.iter_errors(value))
        assert quick_is_valid(fast, value) == plain.is_valid(value)
        assert describe_errors(fast, value) == describe_errors(plain, value)

    check()


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_check_is_jsonschemas_verdict(name: str) -> None:
    """Each compiled subschema check against jsonschema's is_valid on the same subschema."""
    schema = SCHEMAS[name]
    plain, _ = both(schema)  # builds the checks
    compiled = [
        (sub, check)
        for (_, key), (sub, check) in list(schema_checks._CHECKS.items())
        if key == id(FORMAT_CHECKER) and _inside(sub, schema)
    ]
    if name == "moved":
        assert compiled == []  # a document with $id or anchors is left to jsonschema
        return
    assert compiled

    @settings(max_examples=60, deadline=None, database=None)
    @given(instances(schema))
    def check(value: Any) -> None:
        for sub, verdict in compiled:
            assert verdict(value) == plain.evolve(schema=sub).is_valid(value), sub

    check()


def _inside(sub: Any, schema: Any) -> bool:
    if sub is schema:
        return True
    if isinstance(schema, dict):
        return any(_inside(sub, v) for v in schema.values())
    if isinstance(schema, list):
        return any(_inside(sub, v) for v in schema)
    return False


def test_type_tests_are_jsonschemas_type_checker() -> None:
    values = [None, True, False, 0, 1, -1, 1.0, 1.5, float("inf"), Decimal("1.0"), "", "1", [], {}]
    checker = Draft202012Validator.TYPE_CHECKER
    for name, test in TYPE_TESTS.items():
        for value in values:
            assert test(value) == checker.is_type(value, name), (name, value)


def test_equal_schemas_share_one_validator() -> None:
    """Built once per distinct schema: a registry loaded again adds no checks."""
    first = input_validator(json.loads(json.dumps(SHIPPED["service_create.input.json"])))
    size = len(schema_checks._CHECKS)
    again = input_validator(json.loads(json.dumps(SHIPPED["service_create.input.json"])))
    assert again is first
    assert len(schema_checks._CHECKS) == size


def test_a_shared_subschema_with_a_reference_is_left_to_jsonschema() -> None:
    """One dict in two documents whose ``#/$defs/x`` differ: no check may answer for both."""
    shared = {"$ref": "#/$defs/x"}
    one = fast_validator({"$defs": {"x": {"type": "string"}}, "properties": {"a": shared}})
    two = fast_validator({"$defs": {"x": {"type": "integer"}}, "properties": {"a": shared}})
    assert [e.message for e in one.iter_errors({"a": 1})] == ["1 is not of type 'string'"]
    assert [e.message for e in two.iter_errors({"a": "s"})] == ["'s' is not of type 'integer'"]
    assert one.is_valid({"a": "s"}) and two.is_valid({"a": 1})
