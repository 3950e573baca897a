"""find_expressions and references: what the linter reads from a template."""

from __future__ import annotations

import pytest

from pagerduty_actions.template_engine import TemplateSyntaxError, find_expressions, references
from pagerduty_actions.template_engine.expressions import iter_spans


def test_find_expressions_walks_dicts_and_lists_in_order() -> None:
    step_input = {
        "name": "${{ parameters.name }}",
        "body": {"ids": ["x", "${{ steps['create-svc'].output.id }} and ${{ each.value }}"]},
        "n": 5,
    }
    assert find_expressions(step_input) == [
        (("name",), "parameters.name"),
        (("body", "ids", 1), "steps['create-svc'].output.id"),
        (("body", "ids", 1), "each.value"),
    ]


def test_spans_skip_braces_inside_strings_and_literals() -> None:
    text = "a ${{ {'k': '}}'} | dump }} b"
    (span,) = list(iter_spans(text))
    assert span.expression == "{'k': '}}'} | dump"
    assert text[span.start : span.end] == "${{ {'k': '}}'} | dump }}"
    assert span.terminated


def test_unterminated_span_is_reported() -> None:
    (span,) = list(iter_spans("x ${{ parameters.name"))
    assert not span.terminated


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("parameters.name", {("parameters", "name")}),
        ("parameters['repo-url'] | parseRepoUrl", {("parameters", "repo-url")}),
        ("steps['create-svc'].output.id", {("steps", "create-svc")}),
        ("steps.fetch.output.body.output.serviceId", {("steps", "fetch")}),
        (
            "parameters.a if steps.s.output.ok else parameters.b",
            {("parameters", "a"), ("parameters", "b"), ("steps", "s")},
        ),
        ("parameters | dump", {("parameters", "")}),
        ("parameters[parameters.key]", {("parameters", ""), ("parameters", "key")}),
        ("each.value ~ user.ref", {("each", "value"), ("user", "ref")}),
        ("range(3) | join(',')", set()),
        ("'literal'", set()),
    ],
)
def test_references(expression: str, expected: set[tuple[str, str]]) -> None:
    assert references(expression) == expected


def test_references_of_bad_syntax() -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        references("parameters.name +")
    assert caught.value.expression == "parameters.name +"


def test_string_references_skip_loop_variables() -> None:
    from pagerduty_actions.template_engine import string_references

    text = "{% for t in parameters.tags %}${{ t }}-${{ steps.a.output.x }}{% endfor %}"
    assert string_references(text) == {("parameters", "tags"), ("steps", "a")}
