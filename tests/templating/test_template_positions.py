"""A template that libyaml reads as ruamel does is read by libyaml (``fast_yaml``): its data
and the line and column of every key, item and value must be what ruamel's round-trip
loader gives, since every lint finding points there. Checked on every YAML file of the
repository and on texts holding each shape whose marks could differ."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pagerduty_actions.templating import template
from pagerduty_actions.templating.template import TemplateDocument, TemplateLoadError

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted(
    path
    for folder in ("templates", "actions", "tests", "e2e/backstage/templates")
    for pattern in ("*.yaml", "*.yml")
    for path in (ROOT / folder).rglob(pattern)
    if "node_modules" not in path.parts
)
HEAD = "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: x}\n"
SHAPES = {
    "empty items": HEAD + "spec:\n  b: ''\n  c: ~\n  d:\n    - \n    -\n  e: [1, ]\n",
    "flow": HEAD + "spec: {steps: [{id: a, input: {x: [1, 2, {y: z}]}}], owner: 'me'}\n",
    "block scalars": HEAD + "spec:\n  a: |\n    line ${{ parameters.x }}\n  b: >-\n    folded\n"
    '    text\n  c: "quoted\n    on two"\n',
    "keys": HEAD + "spec:\n  'quoted key': 2\n  \"dq\": 3\n  ? explicit\n  : value\n",
    "aliases": HEAD + "spec:\n  a: &x {k: [1, 2]}\n  b: *x\n  c: [*x, *x]\n",
    "comments": "# top\n" + HEAD + "spec: # here\n  # between\n  a: 1 # after\n  b:\n"
    "  # before an item\n  - 2\n",
    "indentless and nested lists": HEAD + "spec:\n  steps:\n  - id: a\n    each:\n    - - 1\n"
    "      - 2\n    - [3]\n",
    "crlf": HEAD.replace("\n", "\r\n") + "spec:\r\n  a: 1\r\n  b:\r\n    - x\r\n",
    "byte order mark": "\ufeff" + HEAD + "spec: {a: 1}\n",
    "unicode": HEAD + "spec:\n  é: 'ünïcödé 😀'\n  b: [😀, x]\n  c: 😀 ${{ user }}\n",
    "documents": "---\n" + HEAD + "spec: {a: 1}\n---\n\n...\n",
    "two documents": "kind: Component\n---\n" + HEAD + "spec:\n  a: 1\n",
    "not a mapping": "- a\n- b\n",
    "scalar document": "just text\n",
}


def both_ways(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object, bool]:
    """(libyaml's reading, ruamel's reading, whether libyaml took the text)."""

    def read(parse: Callable[..., TemplateDocument]) -> object:
        try:
            doc = parse(text, source="t.yaml")
        except TemplateLoadError as exc:
            return ("refused", exc.message, exc.line, exc.column)
        assert isinstance(doc, TemplateDocument)
        return doc.data, doc.lines, doc.columns, doc.value_starts

    fast = read(template.parse_template)
    reference = read(template.parse_template_with_ruamel)
    return fast, reference, _took(text)


def _took(text: str) -> bool:
    """Whether the fast reader read ``text`` (positions included)."""
    calls: list[bool] = []
    original = template._collect_node_positions

    def spy(*args: object) -> bool:
        calls.append(original(*args))  # type: ignore[arg-type]
        return calls[-1]

    template._collect_node_positions = spy  # type: ignore[assignment]
    try:
        template.parse_template(text)
    except TemplateLoadError:
        pass
    finally:
        template._collect_node_positions = original
    # the outermost call (the root) is the last to return; a text refused before any
    # position was read (not a mapping) was still read by the fast reader
    read_fast = template._fast_documents(text) is not None
    return read_fast and (not calls or calls[-1])


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_repository_file_reads_alike(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, reference, _ = both_ways(path.read_text(encoding="utf-8"), monkeypatch)
    assert fast == reference


@pytest.mark.parametrize("name", SHAPES)
def test_each_shape_reads_alike(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, reference, took = both_ways(SHAPES[name], monkeypatch)
    assert fast == reference
    assert took  # the fast reader did read it: the comparison is not ruamel against itself


def test_the_shipped_templates_take_the_fast_reader() -> None:
    for path in sorted((ROOT / "templates").glob("*/template.yaml")):
        assert template._fast_documents(path.read_text(encoding="utf-8")) is not None


@pytest.mark.parametrize(
    "text",
    [
        HEAD + "spec:\n  a:\n  b: 1\n",
        HEAD + "spec:\n\ta: 1\n",
        HEAD + "spec: {a: yes}\n",
        HEAD + "spec: {a: 1}\u2028\n",
    ],
    ids=["empty value", "tab", "yaml 1.1 word", "yaml 1.1 line break"],
)
def test_texts_read_differently_go_to_ruamel(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, reference, took = both_ways(text, monkeypatch)
    assert not took and fast == reference
