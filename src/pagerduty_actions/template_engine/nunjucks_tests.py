"""The ``is`` tests Nunjucks knows (``x is defined``, ``n is odd``, ``v is null``...).

Jinja2's own tests use Python truthiness and names Nunjucks lacks (``is true``); a template
must behave as in Backstage, so this table replaces Jinja2's completely.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pagerduty_actions.template_engine.errors import TemplateRenderError
from pagerduty_actions.template_engine.jsvalues import (
    UNDEFINED,
    JsFunction,
    binary_op,
    is_number,
    is_undefined,
    less_than,
    strict_equals,
    truthy,
)

Test = Callable[..., bool]


def _string_method(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TemplateRenderError(f"test '{name}' expects a string")
    return value


def _modulo_is(value: Any, divisor: Any, expected: int) -> bool:
    result = binary_op("%", value, divisor)
    return is_number(result) and result == expected


def _divisibleby(value: Any, divisor: Any = UNDEFINED) -> bool:
    return _modulo_is(value, divisor, 0)


NUNJUCKS_TESTS: dict[str, Test] = {
    "callable": lambda value, *_: isinstance(value, JsFunction),
    "defined": lambda value, *_: not is_undefined(value),
    "undefined": lambda value, *_: is_undefined(value),
    "divisibleby": _divisibleby,
    "escaped": lambda value, *_: False,
    "equalto": lambda a, b=UNDEFINED: strict_equals(a, b),
    "eq": lambda a, b=UNDEFINED: strict_equals(a, b),
    "sameas": lambda a, b=UNDEFINED: strict_equals(a, b),
    "ne": lambda a, b=UNDEFINED: not strict_equals(a, b),
    "even": lambda value, *_: _modulo_is(value, 2, 0),
    "odd": lambda value, *_: _modulo_is(value, 2, 1),
    "falsy": lambda value, *_: not truthy(value),
    "truthy": lambda value, *_: truthy(value),
    "ge": lambda a, b=UNDEFINED: less_than(b, a, or_equal=True),
    "gt": lambda a, b=UNDEFINED: less_than(b, a),
    "greaterthan": lambda a, b=UNDEFINED: less_than(b, a),
    "le": lambda a, b=UNDEFINED: less_than(a, b, or_equal=True),
    "lt": lambda a, b=UNDEFINED: less_than(a, b),
    "lessthan": lambda a, b=UNDEFINED: less_than(a, b),
    "lower": lambda value, *_: _string_method(value, "lower").lower() == value,
    "upper": lambda value, *_: _string_method(value, "upper").upper() == value,
    "null": lambda value, *_: value is None,
    # `x is none` parses in Nunjucks as the test named after the literal null.
    "none": lambda value, *_: value is None,
    "number": lambda value, *_: is_number(value),
    "string": lambda value, *_: isinstance(value, str),
    "iterable": lambda value, *_: isinstance(value, list | tuple | str),
    "mapping": lambda value, *_: isinstance(value, dict),
}
