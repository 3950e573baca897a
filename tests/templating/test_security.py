"""The sandbox refuses Python internals and unbounded work, with TemplateSecurityError."""

from __future__ import annotations

import time
from typing import Any

import pytest

from pagerduty_actions.template_engine import TemplateRenderer, TemplateSecurityError

REFUSED = [
    "${{ ''.__class__.__mro__ }}",
    "${{ cycler.__init__.__globals__ }}",
    "${{ parameters.__class__ }}",
    "${{ parameters['__class__'] }}",
    "${{ parameters[('__cla' ~ 'ss__')] }}",
    "${{ 'a' * 10**9 }}",
    "${{ ['a'] * 10**9 }}",
    "${{ range(10**9) }}",
    "${{ range(0, 10**9, 1) | length }}",
    "{% for a in range(5000) %}{% for b in range(5000) %}{% endfor %}{% endfor %}",
    "{% macro m() %}${{ m() }}{% endmacro %}${{ m() }}",
    "{% include 'other' %}",
    "{% extends 'base' %}",
    "{% for x in [1] recursive %}${{ loop(x) }}{% endfor %}",
    "${{ 'x' | center(10**9) }}",
    "${{ 'x'.padStart(10**9) }}",
    "${{ 'x'.repeat(10**9) }}",
    "${{ 'x' | indent(10**9) }}",
    "${{ 'ab' | replace('', 'x' | center(999999)) }}",
    "${{ '(' * 2 }}",
]


@pytest.mark.parametrize("template", REFUSED)
def test_refused(template: str, renderer: TemplateRenderer, context: dict[str, Any]) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateSecurityError) as caught:
        renderer.render_value(template, context)
    assert time.monotonic() - started < 2.0
    assert caught.value.message
    assert "Traceback" not in str(caught.value)


def test_python_methods_are_never_reachable(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    # Jinja2 would give dict.items / str.format; Nunjucks looks up JSON keys only.
    assert renderer.render_value({"k": "${{ parameters.items }}"}, context) == {}
    assert renderer.render_value({"k": "${{ parameters.name.format }}"}, context) == {}


def test_single_underscore_keys_are_plain_data(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    context["steps"]["hal"] = {"output": {"_links": {"self": "https://x"}}}
    assert renderer.render_value("${{ steps.hal.output._links.self }}", context) == "https://x"


def test_output_size_is_capped(renderer: TemplateRenderer, context: dict[str, Any]) -> None:
    big = "${{ 'x' | center(900000) }}"
    template = "{% for i in range(3) %}" + big + "{% endfor %}"
    with pytest.raises(TemplateSecurityError):
        renderer.render_value(template, context)


def test_huge_template_source_is_refused(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    with pytest.raises(TemplateSecurityError):
        renderer.render_value("${{ 1 }}" + "x" * 200_000, context)


def test_deep_nesting_is_refused_not_crashing(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    template = "${{ " + "(" * 5000 + "1" + ")" * 5000 + " }}"
    with pytest.raises(TemplateSecurityError):
        renderer.render_value(template, context)


def test_huge_powers_do_not_build_huge_integers(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    started = time.monotonic()
    assert renderer.render_value("${{ 10 ** 10 ** 10 ** 10 }}", context) is None
    assert time.monotonic() - started < 1.0


# -- the same sandbox with Jinja2's `{{ }}` (the annotate action's pull-request body) ---------

JINJA_STYLE = TemplateRenderer(jinja_style=True)


@pytest.mark.parametrize(
    "template", [t.replace("${{", "{{") for t in REFUSED if "${{" in t or "{%" in t]
)
def test_jinja_style_text_has_the_same_budgets(template: str, context: dict[str, Any]) -> None:
    with pytest.raises(TemplateSecurityError):
        JINJA_STYLE.render_text(template, context)


def test_jinja_style_text_keeps_the_dict_methods_jinja2_templates_use() -> None:
    data = {"annotations": {"a": "1", "b": "2"}, "shadow": {"items": "mine"}}
    text = (
        "{% for k, v in annotations.items() %}{{ k }}={{ v }};{% endfor %}"
        "{{ annotations.keys() | join(',') }}|{{ annotations.values() | join(',') }}|"
        "{{ shadow.items }}|{{ ''.__class__ is defined }}"
    )
    with pytest.raises(TemplateSecurityError):
        JINJA_STYLE.render_text(text, data)
    assert JINJA_STYLE.render_text(text.rsplit("|", 1)[0], data) == "a=1;b=2;a,b|1,2|mine"
    assert JINJA_STYLE.render_text("${{ annotations }}", data) == "$[object Object]"
