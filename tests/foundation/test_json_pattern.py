"""JSON Schema patterns read as ECMA-262 reads them: checked against Node's own RegExp.

Node runs the JavaScript engine Backstage checks the same schemas with, so its verdict on each
(pattern, text) pair is the reference; Python's ``re`` alone differs on a final line break.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pagerduty_actions.json_pattern import matches, python_regex
from pagerduty_actions.json_validators import Draft7, Draft202012

ROOT = Path(__file__).parents[2]


def schema_patterns() -> list[str]:
    """Every ``pattern`` and ``patternProperties`` key of the project's JSON Schemas."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.add(node["pattern"])
            props = node.get("patternProperties")
            if isinstance(props, dict):
                found.update(props)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((ROOT / "schemas").rglob("*.json")):
        walk(json.loads(path.read_text()))
    return sorted(found)


PATTERNS = schema_patterns()
# Patterns whose reading of ``$`` or of a class needs care, beside the schemas' own.
TRICKY = [r"a\$", r"[$]x$", r"[^\]$]+$", r"^(a|b)$|^c$", r"\\$", r"x[\]$]$"]
TEXTS = ["PABC", "PABC\n", "PABC\n\n", "\nPABC", "pabc", "P", "", "a$", "a$\n", "$", "x]", "c\n"]
TEXTS += ["pagerduty.com/service-id", "pagerduty.com/service-id\n", "5m", "5m\n", "a@b", "a@b\n"]
TEXTS += ["x" * 43 + "=", "x" * 43 + "=\n", "https://x", "sqlite:///x", "\\", "\\\n", "b", "b\n"]


def node_verdicts(pairs: list[tuple[str, str]]) -> list[bool]:
    script = (
        "const pairs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(pairs.map(([p, t]) => new RegExp(p, 'u').test(t))));"
    )
    node = shutil.which("node")
    assert node, "node is needed: the Backstage module's checks in `make test` use it too"
    done = subprocess.run(
        [node, "-e", script], input=json.dumps(pairs), capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_the_schemas_have_patterns_to_check() -> None:
    assert r"^[A-Z0-9]{2,20}$" in PATTERNS
    assert len(PATTERNS) >= 8


def test_every_pattern_reads_as_node_reads_it() -> None:
    pairs = [(p, t) for p in PATTERNS + TRICKY for t in TEXTS]
    expected = node_verdicts(pairs)
    got = [matches(p, t) for p, t in pairs]
    wrong = [pair for pair, e, g in zip(pairs, expected, got, strict=True) if e != g]
    assert wrong == []
    # and Python's own reading is the one that differs (what this module is for)
    assert re.search(r"^[A-Z0-9]{2,20}$", "PABC\n")
    assert not matches(r"^[A-Z0-9]{2,20}$", "PABC\n")


# Each example starts one Node process, so few examples of many texts each.
@settings(max_examples=12, deadline=None)
@given(st.lists(st.text(alphabet="AZ09az.$\n@/=-", max_size=8), min_size=1, max_size=60))
def test_drawn_texts_read_as_node_reads_them(texts: list[str]) -> None:
    pairs = [(p, t) for p in PATTERNS for t in texts]
    assert [matches(p, t) for p, t in pairs] == node_verdicts(pairs)


@pytest.mark.parametrize(
    ("ecma", "python"),
    [
        ("^a$", r"^a\Z"),
        (r"a\$", r"a\$"),
        ("[$]$", r"[$]\Z"),
        ("[^]$]$", r"[^]$]\Z"),
        (r"\\$", r"\\\Z"),
        ("(a$|b$)", r"(a\Z|b\Z)"),
    ],
)
def test_only_anchors_are_rewritten(ecma: str, python: str) -> None:
    assert python_regex(ecma) == python


@pytest.mark.parametrize("cls", [Draft202012, Draft7])
def test_validators_refuse_a_final_line_break_where_the_pattern_ends(cls: type) -> None:
    schema = {
        "type": "object",
        "properties": {"id": {"type": "string", "pattern": "^[A-Z0-9]{2,20}$"}},
        "patternProperties": {"^x-.+$": {"type": "integer"}},
    }
    validator = cls(schema)
    assert validator.is_valid({"id": "PABC", "x-a": 1})
    errors = [e.message for e in validator.iter_errors({"id": "PABC\n"})]
    assert errors == ["'PABC\\n' does not match '^[A-Z0-9]{2,20}$'"]
    # "x-a\n" is no pattern property key, so its value is not held to the integer schema
    assert validator.is_valid({"x-a\n": "text"})
    assert not validator.is_valid({"x-a": "text"})
