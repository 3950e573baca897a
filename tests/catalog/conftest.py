"""Fixtures for the catalog tests: the golden corpus and a runner for its ``edit.json`` files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pagerduty_actions.catalog import EditResult, set_annotations, set_depends_on

GOLDEN = Path(__file__).parent / "golden"


def golden_cases() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if (p / "edit.json").is_file())


def run_edit(text: str, edit: dict[str, Any]) -> EditResult:
    """Run one ``edit.json`` description against ``text``."""
    if edit["function"] == "set_annotations":
        return set_annotations(
            text, edit.get("entity_ref"), edit.get("set", {}), edit.get("remove", [])
        )
    if edit["function"] == "set_depends_on":
        return set_depends_on(text, edit.get("entity_ref"), edit["depends_on"])
    raise AssertionError(f"unknown function in edit.json: {edit['function']}")


@pytest.fixture
def edit_runner() -> Callable[[str, dict[str, Any]], EditResult]:
    return run_edit


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "golden_case" in metafunc.fixturenames:
        cases = golden_cases()
        metafunc.parametrize("golden_case", cases, ids=[c.name for c in cases])


def load_case(case: Path) -> tuple[bytes, bytes, dict[str, Any]]:
    edit = json.loads((case / "edit.json").read_text(encoding="utf-8"))
    return (case / "input.yaml").read_bytes(), (case / "expected.yaml").read_bytes(), edit


@pytest.fixture
def golden_loader() -> Callable[[Path], tuple[bytes, bytes, dict[str, Any]]]:
    return load_case
