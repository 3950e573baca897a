"""docs/templates.md stays in step with the comparison cases and the lint checks."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from pagerduty_actions.templating.lint_checks import LINT_CHECKS

HERE = Path(__file__).parent
SOURCES = Path(__file__).resolve().parents[2] / "src" / "pagerduty_actions" / "templating"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_cases_doc", HERE / "render_cases_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_templates_md_is_current() -> None:
    module = generator()
    current = module.DOC.read_text(encoding="utf-8")
    assert module.render(current) == current, "run: python tests/templating/render_cases_doc.py"


def test_the_table_has_at_least_forty_rows() -> None:
    text = generator().DOC.read_text(encoding="utf-8")
    table = text.split("<!-- generated:cases -->", 1)[1].split("<!-- end:cases -->", 1)[0]
    rows = [line for line in table.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(rows) >= 40


def test_every_code_the_linter_reports_is_documented() -> None:
    reported: set[str] = set()
    for path in SOURCES.glob("lint*.py"):
        text = path.read_text(encoding="utf-8")
        reported.update(re.findall(r'(?:add|_add)\(\s*"([a-z-]+)"', text))
        reported.update(re.findall(r'code = "([a-z-]+)"', text))
        reported.update(re.findall(r'"([a-z-]+)" if exc\.message', text))
    assert reported, "the pattern no longer finds the lint calls"
    assert reported == set(LINT_CHECKS), reported ^ set(LINT_CHECKS)
    assert len(LINT_CHECKS) >= 10
