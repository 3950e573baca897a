"""Errors carry what a template author needs (expression, offset, path) and no secrets."""

from __future__ import annotations

from typing import Any

import pytest

from pagerduty_actions.template_engine import (
    UNDEFINED,
    TemplateError,
    TemplateRenderer,
    TemplateRenderError,
    TemplateSyntaxError,
    UndefinedValueError,
    UnknownFilterError,
)


def test_unknown_filter_names_filter_and_expression(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    with pytest.raises(UnknownFilterError) as caught:
        renderer.render_value({"input": {"name": "id: ${{ parameters.name | slugify }}"}}, context)
    error = caught.value
    assert error.filter == "slugify"
    assert error.expression == "parameters.name | slugify"
    assert error.position == 4
    assert error.path == ("input", "name")
    assert error.details()["filter"] == "slugify"
    assert "slugify" in str(error)


def test_jinja_only_filters_are_unknown(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    for name in ("tojson", "map", "items", "random", "unique"):
        with pytest.raises(UnknownFilterError):
            renderer.render_value(f"${{{{ parameters.tags | {name} }}}}", context)


def test_syntax_error_points_at_the_broken_expression(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    text = "ok ${{ parameters.name }} then ${{ parameters.count + }}"
    with pytest.raises(TemplateSyntaxError) as caught:
        renderer.render_value(text, context)
    assert caught.value.position == text.index("${{ parameters.count")
    assert caught.value.expression == "parameters.count +"


def test_runtime_error_points_at_the_failing_expression(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    text = "${{ parameters.name }}-${{ parameters.missing.split('/') }}"
    with pytest.raises(TemplateRenderError) as caught:
        renderer.render_value(text, context)
    assert caught.value.expression == "parameters.missing.split('/')"
    assert caught.value.position == text.index("${{ parameters.missing")


def test_filter_failure_is_a_render_error(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    with pytest.raises(TemplateRenderError):
        renderer.render_value("${{ 'gitsomething.com?owner=a&repo=b' | parseRepoUrl }}", context)
    with pytest.raises(TemplateRenderError):
        renderer.render_value("${{ parameters.count | upper }}", context)
    with pytest.raises(TemplateRenderError):
        renderer.render_value("${{ parameters.tags | truncate(1, 2, 3, 4, 5) }}", context)


def test_error_text_never_contains_a_secret(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    context["secrets"]["repo"] = "ghp_secretrepohost"
    with pytest.raises(TemplateError) as caught:
        renderer.render_value("${{ (secrets.repo ~ '.example?owner=a') | parseRepoUrl }}", context)
    assert "ghp_secretrepohost" not in str(caught.value)
    assert "ghp_secretrepohost" not in repr(caught.value.details())


def test_strict_mode_reports_undefined_values(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    with pytest.raises(UndefinedValueError) as caught:
        renderer.render_value({"a": "${{ parameters.missing }}"}, context, strict=True)
    assert caught.value.path == ("a",)
    with pytest.raises(UndefinedValueError):
        renderer.render_value("name: ${{ parameters.nope }}", context, strict=True)
    # Defined-but-empty values and guarded lookups are fine in strict mode.
    assert renderer.render_value("${{ parameters.nothing }}", context, strict=True) is None
    assert (
        renderer.render_value("${{ parameters.nope | default('x') }}", context, strict=True) == "x"
    )


def test_lenient_mode_drops_instead(renderer: TemplateRenderer, context: dict[str, Any]) -> None:
    assert renderer.render_value("${{ parameters.missing }}", context) is UNDEFINED


def test_check_compiles_without_rendering(renderer: TemplateRenderer) -> None:
    renderer.check("${{ parameters.anything | upper }}")
    with pytest.raises(UnknownFilterError):
        renderer.check("${{ x | nope }}")


def test_renderer_repr_holds_no_context(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    renderer.render_value("${{ secrets.token }}", context)
    assert "s3cr3t" not in repr(renderer)
