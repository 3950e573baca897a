"""``TemplateRenderer.check`` stops at parsing where compiling could refuse nothing more.

Lint used to compile every ``${{ }}`` string (generate Python code, have Python compile it)
and read its references from two more parses. It now parses once, checks the tree, and
compiles only a tree that ``compiler.compiles_once_checked`` does not vouch for. Each string
here must get what compiling gave it: no error, or the same error (class, message,
expression, position), and the same references and guarded step reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from tests.templating.test_property import TOKENS

from pagerduty_actions.template_engine import TemplateError, TemplateRenderer
from pagerduty_actions.template_engine.compiler import PARSE_ONLY_DEPTH, compiles_once_checked
from pagerduty_actions.template_engine.expressions import (
    guarded_step_keys,
    parse_tree,
    string_references,
    tree_guarded_step_keys,
    tree_references,
)
from pagerduty_actions.templating.template import load_template

ROOT = Path(__file__).resolve().parents[2]


def _outcome(run: Any) -> tuple[Any, ...] | None:
    try:
        run()
    except TemplateError as exc:
        return type(exc), exc.message, exc.expression, exc.position
    return None


def assert_checked_as_compiled(text: str) -> None:
    """The parse-only check and the compile that lint used to run agree on ``text``."""
    fast, compiled = TemplateRenderer(), TemplateRenderer()
    outcome = _outcome(lambda: fast.check(text))
    assert outcome == _outcome(lambda: compiled._compile_located(text))
    if outcome is None:
        tree = fast.checked_tree(text)
        assert tree_references(tree) == string_references(text)
        assert tree_guarded_step_keys(tree) == guarded_step_keys(text)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _corpus() -> list[str]:
    cases = YAML(typ="safe", pure=True).load(
        (Path(__file__).with_name("backstage_cases.yaml")).read_text(encoding="utf-8")
    )
    texts = [case["template"] for case in cases if isinstance(case.get("template"), str)]
    for template in sorted(ROOT.glob("templates/*/template.yaml")):
        texts += [s for s in _strings(load_template(template).data) if "${{" in s or "{%" in s]
    return sorted(set(texts))


EDGES = [
    "${{ x | default(a=1, a=2) }}",  # Python refuses a repeated keyword argument
    "${{ f(a=1, a=2) }}",
    "${{ x is divisibleby(a=1, a=1) }}",
    "${{ x | default(class=1) }}",  # a Python keyword as a name: Jinja2 works around it
    "${{ {a: 1, a: 2} }}",
    "{% for loop in [1] %}x{% endfor %}",  # only the code generator refuses this
    "{% for a, loop in [[1, 2]] %}x{% endfor %}",
    "{% set x = 1 %}${{ x }}",
    "{% if parameters.a %}${{ steps.a.output }}{% endif %}",
    "${{ " + "(" * 40 + "1" + ")" * 40 + " }}",
    "${{ " + " + ".join(["1"] * (PARSE_ONLY_DEPTH + 5)) + " }}",
    "${{ " + "x" + " | upper" * 99 + " }}",
    "${{ " + "x" + " | upper" * 101 + " }}",
    "${{ " + "a if " * 60 + "b" + " else c" * 60 + " }}",
    "${{ " + "[" * 60 + "1" + "]" * 60 + " }}",
    "{% for a in x %}" * 25 + "x" + "{% endfor %}" * 25,
    "${{ parameters.name | nosuchfilter }}",
    "${{ x.__class__ }}",
    "${{ x['__globals__'] }}",
    "${{ x is nosuchtest }}",
    "${{ x ",
    "a ${{ x }} b ${{ y | nope }}",
    "${{ range(3) | join(',') }}${{ loop }}",
    "{% macro m() %}{% endmacro %}",
    "${{ x }}\n",
    "x" * 100_001,
]


@pytest.mark.parametrize("text", _corpus() + EDGES, ids=lambda t: json.dumps(t[:40]))
def test_each_known_string_is_checked_as_compiling_checked_it(text: str) -> None:
    assert_checked_as_compiled(text)


def test_the_shipped_templates_need_no_compile() -> None:
    """The point of it: every expression of the shipped templates is vouched for by parsing."""
    renderer = TemplateRenderer()
    for text in _corpus():
        if "{%" not in text:
            tree = parse_tree(renderer._env, text)
            assert compiles_once_checked(tree), text


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(TOKENS, max_size=25).map("".join))
def test_token_soup_is_checked_as_compiling_checked_it(text: str) -> None:
    assert_checked_as_compiled(text)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(TOKENS, max_size=20).map(lambda tokens: "${{ " + " ".join(tokens) + " }}"))
def test_token_expressions_are_checked_as_compiling_checked_them(text: str) -> None:
    assert_checked_as_compiled(text)


KWARGS = st.lists(st.sampled_from(["a", "b", "if", "class", "None", "x_1"]), max_size=4)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["f", "x | default", "x is divisibleby", "range"]), KWARGS)
def test_calls_with_keyword_arguments_are_checked_as_compiling_checked_them(
    call: str, names: list[str]
) -> None:
    arguments = ", ".join(f"{name}=1" for name in names)
    assert_checked_as_compiled("${{ " + call + "(" + arguments + ") }}")
