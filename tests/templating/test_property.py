"""Whatever text a template holds, rendering raises only TemplateError subclasses."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pagerduty_actions.template_engine import TemplateError, TemplateRenderer

RENDERER = TemplateRenderer()
CONTEXT: dict[str, Any] = {
    "parameters": {"name": "svc", "n": 3, "tags": ["a", "b"], "o": {"k": None}},
    "steps": {"s-1": {"output": {"id": "P1"}}},
}


def _assert_json_or_template_error(value: Any) -> None:
    """A render either gives JSON data (what an action receives) or a TemplateError."""
    try:
        rendered = RENDERER.render_value(value, CONTEXT)
    except TemplateError as exc:
        assert exc.message
        return
    json.dumps(rendered, allow_nan=False)


TOKENS = st.sampled_from(
    [
        "${{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        " ",
        "parameters",
        ".",
        "name",
        "tags",
        "[",
        "]",
        "(",
        ")",
        "{",
        "}",
        "'",
        '"',
        "|",
        "dump",
        "upper",
        "truncate",
        "join",
        "parseRepoUrl",
        "~",
        "+",
        "-",
        "*",
        "/",
        "**",
        "%",
        "==",
        "<",
        "and",
        "or",
        "not",
        "if",
        "else",
        "for",
        "in",
        "endfor",
        "endif",
        "set",
        "=",
        "0",
        "1",
        "9999999",
        "1.5",
        "null",
        "true",
        "range",
        "loop",
        ",",
        ":",
        "steps",
        "['s-1']",
        "output",
        "__class__",
        "x",
        "is",
        "defined",
        "length",
        "split",
        "\n",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=25).map("".join))
def test_token_soup_raises_only_template_errors(text: str) -> None:
    _assert_json_or_template_error({"v": text})


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_random_text_inside_an_expression(text: str) -> None:
    _assert_json_or_template_error({"v": "${{ " + text + " }}"})


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="${%#"), max_size=80))
def test_text_without_markers_is_returned_unchanged(text: str) -> None:
    rendered = RENDERER.render_value({"v": text}, CONTEXT)
    assert rendered == ({} if text == "" else {"v": text})
