"""The quoting rule for new keys and values: plain only when every YAML reader agrees."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from pagerduty_actions.catalog._yaml_scalar import render_scalar


def _load(text: str) -> object:
    return YAML(typ="safe", pure=True).load(text)


@pytest.mark.parametrize(
    "plain",
    [
        "PABC123",
        "main",
        "acme/checkout",
        "dir:.",
        "https://x.example.com/a?b=c&d=%20",
        "Team Alpha",
        "v1.2.3",
        "a-b_c",
    ],
)
def test_unambiguous_strings_stay_plain(plain: str) -> None:
    assert render_scalar(plain) == plain


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("yes", '"yes"'),
        ("off", '"off"'),
        ("true", '"true"'),
        ("null", '"null"'),
        ("~", '"~"'),
        ("", '""'),
        ("0123", '"0123"'),
        ("1_000", '"1_000"'),
        ("12:30", '"12:30"'),
        ("2024-01-01", '"2024-01-01"'),
        (".inf", '".inf"'),
        ("a: b", '"a: b"'),
        ("x #y", '"x #y"'),
        ("ends:", '"ends:"'),
        ("- item", '"- item"'),
        ("@handle", '"@handle"'),
        ("*star", '"*star"'),
        ("a,b", '"a,b"'),
        ("trailing ", '"trailing "'),
        ('say "hi"\\', '"say \\"hi\\"\\\\"'),
        ("line\nbreak\ttab", '"line\\nbreak\\ttab"'),
        ("final newline\n", '"final newline\\n"'),
        ("bell\x07", '"bell\\x07"'),
        ("caf\u00e9", '"caf\u00e9"'),
    ],
)
def test_ambiguous_strings_are_double_quoted(value: str, rendered: str) -> None:
    assert render_scalar(value) == rendered


def test_a_replaced_quoted_value_keeps_its_quotes() -> None:
    assert render_scalar("main", keep_style="'") == "'main'"
    assert render_scalar("it's", keep_style="'") == "'it''s'"
    assert render_scalar("two\nlines", keep_style="'") == '"two\\nlines"'
    assert render_scalar("main", keep_style='"') == '"main"'


TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufeff"))


@settings(max_examples=300, deadline=None)
@given(value=TEXT, keep=st.sampled_from([None, "'", '"']))
def test_every_string_reads_back_unchanged_in_block_flow_and_yaml_1_1(
    value: str, keep: str | None
) -> None:
    rendered = render_scalar(value, keep_style=keep)
    assert _load(f"k: {rendered}\n") == {"k": value}
    assert _load(f"{{k: {rendered}, z: [{rendered}]}}\n") == {"k": value, "z": [value]}
    assert _load(f"%YAML 1.1\n---\nk: {rendered}\n") == {"k": value}
    assert _load(f"{rendered}: k\n") == {value: "k"}
