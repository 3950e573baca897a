"""Step ``if:`` and ``each:`` as Backstage's runner evaluates them."""

from __future__ import annotations

from typing import Any

import pytest

from pagerduty_actions.template_engine import TemplateRenderer, TemplateRenderError

CONDITIONS = [
    (False, False, "literal false skips"),
    (True, True, "literal true runs"),
    (0, True, "only `false` and strings are tested: a literal 0 runs"),
    (None, True, "a literal null runs"),
    ("${{ parameters.enabled }}", True, "true"),
    ("${{ parameters.disabled }}", False, "false"),
    ("${{ parameters.missing }}", False, "undefined"),
    ("${{ parameters.nothing }}", False, "null"),
    ("${{ parameters.empty }}", False, "empty string"),
    ("${{ parameters.nested.zero }}", False, "zero"),
    ("${{ [] }}", False, "isTruthy treats an empty array as false"),
    ("${{ parameters.tags }}", True, "non-empty array"),
    ("${{ {} }}", True, "an empty object is truthy in JavaScript"),
    ("false", True, "the string 'false' is truthy"),
    ("${{ 'false' }}", True, "still a non-empty string"),
    ("${{ parameters.count > 2 }}", True, "comparison"),
    ("${{ not parameters.enabled }}", False, "not"),
    ("${{ parameters.name == 'payments' and parameters.count }}", True, "and returns 3"),
]


@pytest.mark.parametrize(
    ("value", "runs"), [c[:2] for c in CONDITIONS], ids=[c[2] for c in CONDITIONS]
)
def test_condition(
    value: Any, runs: bool, renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    assert renderer.render_condition(value, context) is runs


def test_each_over_a_list_uses_string_keys(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    assert renderer.each_items("${{ parameters.tags }}", context) == [
        {"key": "0", "value": "api"},
        {"key": "1", "value": "payments"},
    ]


def test_each_over_an_object_and_a_literal_list(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    assert renderer.each_items("${{ parameters.nested.escalation }}", context) == [
        {"key": "id", "value": "P123"}
    ]
    assert renderer.each_items(["${{ parameters.name }}", 2], context) == [
        {"key": "0", "value": "payments"},
        {"key": "1", "value": 2},
    ]


def test_each_of_an_empty_list_runs_nothing(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    assert renderer.each_items("${{ [] }}", context) == []


def test_each_that_resolves_to_nothing_is_an_error(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    with pytest.raises(TemplateRenderError):
        renderer.each_items("${{ parameters.missing }}", context)


def test_each_item_renders_step_input(renderer: TemplateRenderer, context: dict[str, Any]) -> None:
    rendered = []
    for item in renderer.each_items("${{ parameters.tags }}", context):
        step_context = {**context, "each": item}
        rendered.append(renderer.render_value({"tag": "${{ each.value | upper }}"}, step_context))
    assert rendered == [{"tag": "API"}, {"tag": "PAYMENTS"}]
