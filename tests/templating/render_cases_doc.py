"""Regenerate the generated parts of docs/templates.md: the comparison table and lint checks.

The table comes from ``backstage_cases.yaml`` (each row is also a test in
``test_backstage_cases.py``), the check list from ``LINT_CHECKS``; ``test_templates_doc.py``
fails when the file is stale. Run ``python tests/templating/render_cases_doc.py`` to update.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from pagerduty_actions.templating.lint_checks import LINT_CHECKS

HERE = Path(__file__).resolve().parent
CASES = HERE / "backstage_cases.yaml"
DOC = HERE.parent.parent / "docs" / "templates.md"
SECTIONS = ("cases", "lint-checks")


def _code(text: str) -> str:
    """A Markdown code span holding ``text`` whatever backticks it has; pipes escaped."""
    if not text:
        return "*empty string*"
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") or fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|").replace("\n", "\\n")


def _result(case: dict[str, Any]) -> str:
    if case.get("dropped"):
        return "*key dropped*"
    return _code(json.dumps(case["backstage"], ensure_ascii=False))


def cases_table() -> str:
    cases: list[dict[str, Any]] = YAML(typ="safe", pure=True).load(CASES.read_text("utf-8"))
    lines = [
        "| # | Value in the template | Backstage's result (and ours) | Why it matters |",
        "|---|---|---|---|",
    ]
    for number, case in enumerate(cases, 1):
        note = " ".join(str(case["note"]).split()).replace("|", "\\|")
        template = case["template"]
        if not isinstance(template, str):
            template = json.dumps(template, ensure_ascii=False)
        lines.append(f"| {number} | {_code(template)} | {_result(case)} | {note} |")
    return "\n".join(lines)


def lint_checks() -> str:
    lines = ["| Code | Severity | What it finds |", "|---|---|---|"]
    for code, (severity, text) in LINT_CHECKS.items():
        lines.append(f"| `{code}` | {severity} | {text} |")
    return "\n".join(lines)


def render(document: str) -> str:
    """``document`` with every generated section replaced by its current content."""
    for name, content in zip(SECTIONS, (cases_table(), lint_checks()), strict=True):
        start, end = f"<!-- generated:{name} -->", f"<!-- end:{name} -->"
        head, found, rest = document.partition(start)
        if not found:
            raise ValueError(f"{DOC} has no {start} marker")
        _, found, tail = rest.partition(end)
        if not found:
            raise ValueError(f"{DOC} has no {end} marker")
        document = f"{head}{start}\n{content}\n{end}{tail}"
    return document


def main(argv: list[str]) -> int:
    current = DOC.read_text(encoding="utf-8")
    updated = render(current)
    if "--check" in argv:
        if updated != current:
            print(f"{DOC} is stale; run python {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
