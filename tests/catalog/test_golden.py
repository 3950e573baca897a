"""Golden corpus: each odd catalog file, edited, must equal its reviewed expectation byte for byte.

The cases come from what broke for users of other YAML actions (user report 5): comments,
multi-document files, a leading ``---``, CRLF, flow style, anchors, a missing final newline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pagerduty_actions.catalog import EditResult

Runner = Callable[[str, dict[str, Any]], EditResult]
Loader = Callable[[Path], tuple[bytes, bytes, dict[str, Any]]]


def test_corpus_is_large_enough() -> None:
    cases = [p for p in (Path(__file__).parent / "golden").iterdir() if p.is_dir()]
    assert len(cases) >= 20
    for case in cases:
        assert {"input.yaml", "expected.yaml", "edit.json"} <= {p.name for p in case.iterdir()}


def test_edit_gives_expected_bytes(golden_case: Path, golden_loader: Loader, edit_runner: Runner):
    raw_input, raw_expected, edit = golden_loader(golden_case)
    result = edit_runner(raw_input.decode("utf-8"), edit)
    assert result.text.encode("utf-8") == raw_expected
    assert result.changed == (raw_input != raw_expected)
    assert bool(result.diff) == result.changed


def test_edit_is_idempotent(golden_case: Path, golden_loader: Loader, edit_runner: Runner):
    _, raw_expected, edit = golden_loader(golden_case)
    again = edit_runner(raw_expected.decode("utf-8"), edit)
    assert again.changed is False
    assert again.text.encode("utf-8") == raw_expected
    assert again.diff == ""


def test_diff_names_only_changed_lines(golden_case: Path, golden_loader: Loader, edit_runner):
    raw_input, raw_expected, edit = golden_loader(golden_case)
    result = edit_runner(raw_input.decode("utf-8"), edit)
    if not result.changed:
        assert result.diff == ""
        return
    old_lines = set(raw_input.decode("utf-8").split("\n"))
    new_lines = set(raw_expected.decode("utf-8").split("\n"))
    removed = {line[1:] for line in result.diff.splitlines() if line.startswith("-")}
    added = {line[1:] for line in result.diff.splitlines() if line.startswith("+")}
    removed.discard("-- a/catalog-info.yaml")
    added.discard("++ b/catalog-info.yaml")
    assert result.diff.startswith("--- a/catalog-info.yaml\n+++ b/catalog-info.yaml\n")
    assert {r.rstrip("\r") for r in removed} <= {o.rstrip("\r") for o in old_lines}
    assert {a.rstrip("\r") for a in added} <= {n.rstrip("\r") for n in new_lines}
