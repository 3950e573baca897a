"""JavaScript number printing, equality and arithmetic that the engine relies on."""

from __future__ import annotations

import math

import pytest

from pagerduty_actions.template_engine.jsvalues import (
    UNDEFINED,
    binary_op,
    json_stringify,
    loose_equals,
    number_to_string,
    to_number,
)


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1.0, "1"),
        (0.5, "0.5"),
        (-0.0, "0"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (123456789.125, "123456789.125"),
        (math.nan, "NaN"),
        (-math.inf, "-Infinity"),
        (2**60, "1152921504606847000"),  # JavaScript prints 17 significant digits
    ],
)
def test_number_to_string(number: float, text: str) -> None:
    assert number_to_string(number) == text


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, "1", True),
        (None, UNDEFINED, True),
        (0, "", True),
        (True, 1, True),
        ("a", "b", False),
        ([1], "1", True),
        (None, 0, False),
    ],
)
def test_loose_equals(a: object, b: object, equal: bool) -> None:
    assert loose_equals(a, b) is equal


def test_arithmetic_follows_javascript() -> None:
    assert binary_op("+", "a", 1) == "a1"
    assert binary_op("+", 1, True) == 2
    assert binary_op("%", -7, 3) == -1
    assert binary_op("//", 7, 2) == 3
    assert binary_op("/", 1, 0) == math.inf
    assert math.isnan(binary_op("-", "x", 1))
    assert to_number(" 0x1F ") == 31


def test_json_stringify() -> None:
    assert (
        json_stringify({"a": [1, 2.0, None, UNDEFINED], "b": UNDEFINED}) == '{"a":[1,2,null,null]}'
    )
    assert json_stringify(UNDEFINED) is UNDEFINED
    assert json_stringify({}, 2) == "{}"
    assert json_stringify("é\n") == '"é\\n"'
