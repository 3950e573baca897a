"""Every row of backstage_cases.yaml: our render equals Backstage's known result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pagerduty_actions.template_engine import TemplateRenderer

CASES_FILE = Path(__file__).with_name("backstage_cases.yaml")
CASES: list[dict[str, Any]] = YAML(typ="safe", pure=True).load(
    CASES_FILE.read_text(encoding="utf-8")
)


def test_the_table_is_large_and_well_formed() -> None:
    assert len(CASES) >= 40
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names))
    for case in CASES:
        assert case.get("note"), case["name"]
        assert ("backstage" in case) != bool(case.get("dropped")), case["name"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_render_matches_backstage(
    case: dict[str, Any], renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    rendered = renderer.render_value({"value": case["template"]}, context)
    expected = {} if case.get("dropped") else {"value": case["backstage"]}
    assert rendered == expected
    if not case.get("dropped"):
        assert type(rendered["value"]) is type(case["backstage"])
