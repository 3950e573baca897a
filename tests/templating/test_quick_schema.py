"""``quick_schema`` and ``input_quiet`` against jsonschema: the same verdict, or none.

A lint asks them first and imports jsonschema only when they cannot say "no error"; so each
verdict they give must be jsonschema's, on the repository's schemas and documents and on
generated schemas and values, and a lint must report exactly what it reports with them off.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, SchemaError

from pagerduty_actions.action_manifests import read_manifest
from pagerduty_actions.json_validators import Draft7, Draft202012
from pagerduty_actions.paths import data_dir
from pagerduty_actions.templating import input_check
from pagerduty_actions.templating.builtin_schemas import BUILTIN_INPUT_SCHEMAS
from pagerduty_actions.templating.input_check import known_input_problems, parameter_values
from pagerduty_actions.templating.lint import lint_document, lint_text
from pagerduty_actions.templating.quick_schema import (
    DRAFT7,
    DRAFT202012,
    QuickValidator,
    Unsupported,
    draft7_meta_schema,
    surely_a_draft7_schema,
)
from pagerduty_actions.templating.template import (
    TemplateDocument,
    load_template,
    template_schema,
)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(ROOT.glob("templates/*/template.yaml")) + sorted(
    ROOT.glob("e2e/backstage/templates/*/template.yaml")
)
SCHEMA_FILES = sorted((ROOT / "schemas").rglob("*.json"))
VALIDATORS = {DRAFT7: Draft7, DRAFT202012: Draft202012}  # jsonschema, ECMA-262 patterns


@contextmanager
def jsonschema_only() -> Iterator[None]:
    """The lint as it was: every verdict from jsonschema."""

    def unsupported(self: QuickValidator, instance: Any) -> bool:
        raise Unsupported("switched off")

    with (
        mock.patch.object(QuickValidator, "is_valid", unsupported),
        mock.patch.object(input_check, "surely_no_problems", lambda *a, **k: False),
    ):
        yield


def quick_verdict(schema: Any, instance: Any, draft: Any, *, formats: bool = False) -> bool | None:
    try:
        return QuickValidator(schema, draft, formats=formats).is_valid(instance)
    except Unsupported:
        return None


# -- the meta-schema and the repository's schemas -------------------------------------------


def test_the_meta_schema_read_is_the_one_jsonschema_checks_against() -> None:
    assert draft7_meta_schema() == Draft7Validator.META_SCHEMA


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_schema_of_the_repository_is_told_a_valid_draft7_schema_when_it_is(
    path: Path,
) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    try:
        Draft7Validator.check_schema(schema)
        valid = True
    except SchemaError:
        valid = False
    verdict = quick_verdict(draft7_meta_schema(), schema, DRAFT7, formats=True)
    assert verdict in (None, valid)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.parent.name)
def test_the_repositorys_templates_are_told_valid_without_jsonschema(template: Path) -> None:
    """The verdicts a lint of a good template needs are all given here (else it would
    import jsonschema), and they are jsonschema's."""
    document = load_template(template)
    assert quick_verdict(template_schema(), document.data, DRAFT7) is True
    assert Draft7Validator(template_schema()).is_valid(document.data)
    for page in document.parameter_pages:
        assert surely_a_draft7_schema(page)
        Draft7Validator.check_schema(page)


# -- generated schemas and values -----------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.0, 1.0, 1.5, -2.0, 3.0]),
    st.sampled_from(["", "a", "ab", "abc", "1", "A1", "x-y", "true"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["a", "b", "c", "x1"]), inner, max_size=4),
    ),
    max_leaves=12,
)
TYPES = st.sampled_from(["string", "integer", "number", "boolean", "null", "array", "object"])
NAMES = st.sampled_from(["a", "b", "c", "x1"])


def _schemas(defs_key: str) -> st.SearchStrategy[Any]:
    leaf = st.one_of(
        st.booleans(),
        st.fixed_dictionaries({"type": st.one_of(TYPES, st.lists(TYPES, min_size=1, max_size=3))}),
        st.fixed_dictionaries({"enum": st.lists(SCALARS, min_size=1, max_size=4)}),
        st.fixed_dictionaries({"const": VALUES}),
        st.fixed_dictionaries({"minLength": st.integers(0, 3)}),
        st.fixed_dictionaries({"maxLength": st.integers(0, 3)}),
        st.fixed_dictionaries({"pattern": st.sampled_from(["^a", "b$", "[0-9]", "^[a-z-]+$"])}),
        st.fixed_dictionaries({"minimum": st.integers(-2, 2)}),
        st.fixed_dictionaries({"maximum": st.sampled_from([0, 1.5, 3])}),
        st.fixed_dictionaries({"exclusiveMinimum": st.integers(-2, 2)}),
        st.fixed_dictionaries({"exclusiveMaximum": st.integers(-2, 2)}),
        st.fixed_dictionaries({"multipleOf": st.sampled_from([1, 2, 0.5])}),
        st.fixed_dictionaries({"required": st.lists(NAMES, max_size=2, unique=True)}),
        st.fixed_dictionaries({"minItems": st.integers(0, 2), "maxItems": st.integers(1, 3)}),
        st.fixed_dictionaries({"minProperties": st.integers(0, 2)}),
        st.fixed_dictionaries({"maxProperties": st.integers(0, 2)}),
        st.fixed_dictionaries({"uniqueItems": st.booleans()}),
        st.fixed_dictionaries({"$ref": st.just(f"#/{defs_key}/d")}),
    )

    def compound(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.fixed_dictionaries({"properties": st.dictionaries(NAMES, inner, max_size=3)}),
            st.fixed_dictionaries(
                {
                    "properties": st.dictionaries(NAMES, inner, max_size=2),
                    "additionalProperties": st.one_of(st.booleans(), inner),
                }
            ),
            st.fixed_dictionaries(
                {
                    "patternProperties": st.fixed_dictionaries({"^x": inner}),
                    "additionalProperties": inner,
                }
            ),
            st.fixed_dictionaries({"propertyNames": inner}),
            st.fixed_dictionaries({"items": inner}),
            st.fixed_dictionaries({"contains": inner}),
            st.fixed_dictionaries({"allOf": st.lists(inner, min_size=1, max_size=3)}),
            st.fixed_dictionaries({"anyOf": st.lists(inner, min_size=1, max_size=3)}),
            st.fixed_dictionaries({"oneOf": st.lists(inner, min_size=1, max_size=3)}),
            st.fixed_dictionaries({"not": inner}),
            st.fixed_dictionaries({"if": inner, "then": inner, "else": inner}),
            st.fixed_dictionaries({"if": inner, "then": inner}),
            st.fixed_dictionaries({"type": TYPES, "$ref": st.just(f"#/{defs_key}/d")}),
            st.lists(inner, min_size=2, max_size=3).map(lambda parts: _merged(parts)),
        )

    return st.recursive(leaf, compound, max_leaves=8)


def _merged(parts: list[Any]) -> Any:
    merged: dict[str, Any] = {}
    for part in parts:
        if isinstance(part, dict):
            merged.update(part)
    return merged


def _draft7_extras(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.fixed_dictionaries({"items": st.lists(inner, max_size=2), "additionalItems": inner}),
        st.fixed_dictionaries(
            {"dependencies": st.dictionaries(NAMES, st.one_of(st.lists(NAMES, max_size=2), inner))}
        ),
    )


def _draft2020_extras(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.fixed_dictionaries({"prefixItems": st.lists(inner, max_size=2), "items": inner}),
        st.fixed_dictionaries(
            {"contains": inner, "minContains": st.integers(0, 2), "maxContains": st.integers(1, 3)}
        ),
        st.fixed_dictionaries({"dependentRequired": st.dictionaries(NAMES, st.lists(NAMES))}),
        st.fixed_dictionaries({"dependentSchemas": st.dictionaries(NAMES, inner, max_size=2)}),
    )


def _rooted(schema: st.SearchStrategy[Any], defs_key: str) -> st.SearchStrategy[Any]:
    return st.tuples(schema, schema).map(
        lambda pair: {"allOf": [pair[0]], defs_key: {"d": pair[1]}}
    )


DRAFT7_SCHEMAS = _rooted(
    st.one_of(_schemas("definitions"), _draft7_extras(_schemas("definitions"))), "definitions"
)
DRAFT2020_SCHEMAS = _rooted(
    st.one_of(_schemas("$defs"), _draft2020_extras(_schemas("$defs"))), "$defs"
)
QUICK = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


INSTANCES = st.lists(VALUES, min_size=1, max_size=8)


def _jsonschema_verdict(validator: Any, instance: Any, quick: bool) -> bool:
    """jsonschema's verdict, or ``quick``'s when jsonschema has none.

    A ``$ref`` loop can be cut short by the quick check (``allOf`` stops at its first failing
    part) while jsonschema walks every branch of a ``oneOf`` and recurses until Python stops
    it: jsonschema then gives no verdict to hold the quick one to. The product applies the
    quick check only to its own schemas (the Template schema, the draft-07 meta-schema, the
    actions' input schemas), none of which loops on a finite value.
    """
    try:
        return bool(validator.is_valid(instance))
    except RecursionError:
        return quick


@QUICK
@given(DRAFT7_SCHEMAS, INSTANCES)
def test_draft7_verdicts_are_jsonschemas(schema: Any, instances: list[Any]) -> None:
    for instance in instances:
        verdict = quick_verdict(schema, instance, DRAFT7)
        if verdict is not None:  # None: jsonschema decides (a $ref loop makes it recurse forever)
            assert verdict == _jsonschema_verdict(Draft7(schema), instance, verdict)


@QUICK
@given(DRAFT2020_SCHEMAS, INSTANCES)
def test_draft2020_verdicts_are_jsonschemas(schema: Any, instances: list[Any]) -> None:
    for instance in instances:
        verdict = quick_verdict(schema, instance, DRAFT202012)
        if verdict is not None:
            assert verdict == _jsonschema_verdict(Draft202012(schema), instance, verdict)


PAGE_PARTS = st.one_of(
    DRAFT7_SCHEMAS,
    VALUES,
    st.fixed_dictionaries({"type": st.sampled_from(["strin", "object", 3])}),
    st.fixed_dictionaries({"pattern": st.sampled_from(["(", "[a-", "^ok$", 5])}),
    st.fixed_dictionaries({"required": st.sampled_from([["a", "a"], "a", [1], []])}),
    st.fixed_dictionaries({"minLength": st.sampled_from([-1, 1.5, "2", 2, 2.0])}),
    st.fixed_dictionaries({"patternProperties": st.sampled_from([{"(": {}}, {"^a": 3}])}),
    st.fixed_dictionaries({"enum": st.sampled_from([[], [1, True], "a"])}),
)


@QUICK
@given(st.dictionaries(st.sampled_from(["title", "properties", "items", "x"]), PAGE_PARTS))
def test_parameter_page_verdicts_are_check_schemas(page: Any) -> None:
    try:
        Draft7Validator.check_schema(page)
        valid = True
    except SchemaError:
        valid = False
    assert quick_verdict(draft7_meta_schema(), page, DRAFT7, formats=True) in (None, valid)
    assert not surely_a_draft7_schema(page) or valid


# -- step inputs with placeholders ----------------------------------------------------------

ACTION_SCHEMAS = {
    path.name.removesuffix(".input.json"): json.loads(path.read_text(encoding="utf-8"))
    for path in sorted((data_dir("schemas") / "actions").glob("*.input.json"))
}
TEMPLATED = st.sampled_from(
    ["${{ parameters.p }}", "${{ parameters.e }}", "${{ parameters.n }}", "x ${{ steps.a.output }}"]
)


def _examples(name: str) -> list[Any]:
    """The inputs of the action's manifest examples: good inputs to start from."""
    manifest = read_manifest(data_dir("actions") / f"{name}.yaml")
    return [
        step["input"]
        for example in manifest.get("examples") or []
        for step in example["steps"]
        if isinstance(step.get("input"), dict)
    ]


LEAVES = st.one_of(TEMPLATED, SCALARS, st.sampled_from(["intelligent", "high", "PABC123", "reuse"]))


@st.composite
def _input_values(draw: st.DrawFn, name: str) -> Any:
    """An example input of the action with a few values templated, changed or dropped."""
    value = draw(st.sampled_from(_examples(name) or [{}]))
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from(list(_paths(value))))
        kind = draw(st.sampled_from(["template", "template", "leaf", "value", "drop", "add"]))
        if kind == "add" and isinstance(value, dict):
            key = draw(st.sampled_from(["unknownKey", "description", "urgency"]))
            value = {**value, key: draw(LEAVES)}
            continue
        new_value = draw(TEMPLATED if kind == "template" else LEAVES if kind == "leaf" else VALUES)
        value = _mutated(value, where, new_value, drop=kind == "drop")
    return value


KNOWN = parameter_values(
    {
        "p": {"type": "string"},
        "e": {"enum": ["high", "low", "bogus"]},
        "n": {"type": "integer"},
    }
)


@pytest.mark.parametrize("name", sorted(ACTION_SCHEMAS))
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_input_problems_are_the_same_without_jsonschema(name: str, data: st.DataObject) -> None:
    schema = ACTION_SCHEMAS[name]
    value = data.draw(_input_values(name))
    found = known_input_problems(schema, value, known=KNOWN)
    with jsonschema_only():
        assert found == known_input_problems(schema, value, known=KNOWN)


@pytest.mark.parametrize("action", sorted(BUILTIN_INPUT_SCHEMAS))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_builtin_input_problems_are_the_same_without_jsonschema(
    action: str, data: st.DataObject
) -> None:
    schema = BUILTIN_INPUT_SCHEMAS[action]
    names = st.sampled_from([*schema.get("properties", {}), "unknownKey"])
    value = data.draw(st.dictionaries(names, st.one_of(LEAVES, st.lists(LEAVES, max_size=2))))
    found = known_input_problems(schema, value, draft7=True, known=KNOWN)
    with jsonschema_only():
        assert found == known_input_problems(schema, value, draft7=True, known=KNOWN)


# -- whole lints ----------------------------------------------------------------------------


def _lint_both_ways(document: TemplateDocument, actions: dict[str, Any]) -> None:
    quick = lint_document(document, actions).as_dict()
    with jsonschema_only():
        assert quick == lint_document(document, actions).as_dict()


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.parent.name)
def test_a_lint_of_each_template_reports_the_same_without_jsonschema(
    template: Path, action_inputs: dict[str, Any]
) -> None:
    _lint_both_ways(load_template(template), action_inputs)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _mutated(data: Any, path: tuple[Any, ...], new: Any, drop: bool) -> Any:
    copied = copy.deepcopy(data)
    if not path:
        return new
    parent = copied
    for part in path[:-1]:
        parent = parent[part]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return copied


MUTATIONS = st.one_of(
    VALUES,
    TEMPLATED,
    st.sampled_from(
        [
            {"type": "strin"},
            {"type": "string", "pattern": "("},
            {"required": ["nope"], "properties": {}},
            "${{ parameters.nope }}",
            "${{ steps.nope.output }}",
            {"escalationPolicyId": "PABC123"},
            "pagerduty:service:create",
            "fetch:template",
        ]
    ),
)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.parent.name)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_lint_of_a_mutated_template_reports_the_same_without_jsonschema(
    template: Path, action_inputs: dict[str, Any], data: st.DataObject
) -> None:
    document = load_template(template)
    changed = document.data
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(list(_paths(changed))[1:]))
        changed = _mutated(changed, where, data.draw(MUTATIONS), data.draw(st.booleans()))
    mutated = TemplateDocument(
        data=changed if isinstance(changed, dict) else {"value": changed},
        source=document.source,
        base_dir=document.base_dir,
    )
    _lint_both_ways(mutated, action_inputs)


def test_the_lint_tests_texts_report_the_same_without_jsonschema(
    action_inputs: dict[str, Any],
) -> None:
    """Every template text of test_lint.py, good and broken, linted both ways."""
    from tests.templating import test_lint

    texts = [v for v in vars(test_lint).values() if isinstance(v, str) and "kind:" in v]
    assert len(texts) >= 3
    for text in texts:
        quick = lint_text(text, action_inputs).as_dict()
        with jsonschema_only():
            assert quick == lint_text(text, action_inputs).as_dict()
