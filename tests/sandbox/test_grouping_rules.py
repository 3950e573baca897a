"""Alert grouping validation rules, per type, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pagerduty_actions.sandbox.grouping import (
    MAX_SERVICES_PER_SETTING,
    normalised_config,
    validate_config,
    validate_services,
)


@pytest.mark.parametrize(
    ("kind", "config"),
    [
        ("time", {"timeout": 60}),
        ("time", {"timeout": 86400}),
        ("time", {}),
        ("time", {"timeout": None}),
        ("intelligent", {"time_window": 300, "iag_fields": ["summary", "source"]}),
        ("intelligent", None),
        ("content_based", {"aggregate": "all", "fields": ["summary"], "time_window": 3600}),
        ("content_based", {"aggregate": "any", "fields": ["source"], "time_window": 86400}),
        ("content_based_intelligent", {"aggregate": "any", "fields": ["summary"]}),
        ("intelligent", {"time_window": 600, "recommended_time_window": 900}),
    ],
)
def test_valid_configs_pass(kind: str, config: dict[str, Any] | None) -> None:
    assert validate_config(kind, config) == []


@pytest.mark.parametrize(
    ("kind", "config", "fragment"),
    [
        ("time", {"timeout": 0}, "must not be 0"),
        ("time", {"timeout": 30}, "between 60 and 86400"),
        ("time", {"timeout": 300, "time_window": 300}, "time_window is not allowed"),
        ("time", {"timeout": "300"}, "integer"),
        ("intelligent", {"time_window": 0}, "must not be 0"),
        ("intelligent", {"time_window": 86400}, "between 300 and 3600"),
        ("intelligent", {"aggregate": "any"}, "aggregate is not allowed"),
        ("content_based", {"fields": ["summary"]}, "aggregate"),
        ("content_based", {"aggregate": "any"}, "fields is required"),
        ("content_based", {"aggregate": "any", "fields": []}, "must not be empty"),
        ("content_based", {"aggregate": "all", "fields": ["x"], "time_window": 7200}, "86400"),
        (
            "content_based_intelligent",
            {"aggregate": "all", "fields": ["x"], "time_window": 86400},
            "between 300 and 3600",
        ),
        ("content_based", {"aggregate": "all", "fields": ["x"], "timeout": 60}, "not allowed"),
        ("unknown", {}, "type must be one of"),
        ("time", [], "config must be an object"),
        ("time", {"timeout": True}, "integer"),
    ],
)
def test_invalid_configs_are_explained(kind: str, config: Any, fragment: str) -> None:
    errors = validate_config(kind, config)
    assert any(fragment in error for error in errors), errors


def test_services_are_bounded() -> None:
    refs = [{"id": f"P{i:06d}"} for i in range(MAX_SERVICES_PER_SETTING)]
    assert validate_services("time", refs) == []
    too_many = [*refs, {"id": "PEXTRA1"}]
    assert "at most 250" in validate_services("time", too_many)[0]
    assert validate_services("time", []) != []
    assert validate_services("time", [{"id": "PA"}, {"id": "PA"}]) == ["services must not repeat"]


def test_content_based_intelligent_takes_one_service() -> None:
    assert validate_services("content_based_intelligent", [{"id": "PA"}]) == []
    assert validate_services("content_based_intelligent", [{"id": "PA"}, {"id": "PB"}]) != []


def test_normalised_config_fills_defaults_and_drops_read_only_keys() -> None:
    assert normalised_config("intelligent", {"recommended_time_window": 5}) == {
        "iag_fields": ["summary"]
    }
    assert normalised_config("time", {"timeout": 120}) == {"timeout": 120}
