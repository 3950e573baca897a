"""JavaScript value semantics over JSON-shaped Python values.

Backstage evaluates `${{ }}` with Nunjucks, i.e. with JavaScript's rules: `[]` is truthy,
`true` prints as ``true``, ``1.0`` prints as ``1``, ``"a" ~ null`` is ``"anull"``, ``"3" * 2``
is ``6``. Templates written against Backstage rely on these, so the engine routes every
operator, comparison and string conversion through the functions here instead of Python's.

Values are JSON data (dict, list, str, int, float, bool, None) plus ``JsUndefined`` for
JavaScript's ``undefined`` and ``JsFunction`` for a bound method such as ``name.split``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from jinja2 import ChainableUndefined
from markupsafe import Markup

from pagerduty_actions.template_engine.errors import TemplateRenderError, TemplateSecurityError
from pagerduty_actions.template_engine.limits import check_length, checked

MAX_SAFE_INTEGER = 2**53


class JsUndefined(ChainableUndefined):
    """JavaScript ``undefined``: looking into it gives undefined again, printing it gives ''."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = JsUndefined()


class JsFunction:
    """A callable the template may call: a JS-style method bound to a value, or a global."""

    __slots__ = ("func", "name")

    def __init__(self, name: str, func: Callable[..., Any]) -> None:
        self.name = name
        self.func = func

    def __call__(self, *args: Any) -> Any:
        return self.func(*args)

    def __repr__(self) -> str:
        return f"<function {self.name}>"


def is_undefined(value: Any) -> bool:
    return isinstance(value, ChainableUndefined) or value is UNDEFINED


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_nullish(value: Any) -> bool:
    return value is None or is_undefined(value)


def truthy(value: Any) -> bool:
    """JavaScript's ``!!value``: only false, 0, NaN, '', null and undefined are falsy."""
    if is_nullish(value) or value is False:
        return False
    if is_number(value):
        return not (value == 0 or (isinstance(value, float) and math.isnan(value)))
    if isinstance(value, str):
        return value != ""
    return True


def number_to_string(value: float) -> str:
    """``Number.prototype.toString()``: ``1.0`` is ``"1"``, ``1e-7`` is ``"1e-7"``."""
    if isinstance(value, int):
        if abs(value) <= MAX_SAFE_INTEGER:
            return str(value)
        try:
            value = float(value)
        except OverflowError:
            return "Infinity" if value > 0 else "-Infinity"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    dec = Decimal(repr(abs(value)))
    digits_tuple = dec.as_tuple()
    digits = "".join(str(d) for d in digits_tuple.digits).rstrip("0") or "0"
    exponent = int(digits_tuple.exponent)
    # value = 0.digits * 10**n
    n = len("".join(str(d) for d in digits_tuple.digits)) + exponent
    k = len(digits)
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        body = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


def to_string(value: Any) -> str:
    """JavaScript ``String(value)``, the conversion ``~`` and ``+`` use."""
    if isinstance(value, str):
        return str(value)
    if is_undefined(value):
        return "undefined"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if is_number(value):
        return number_to_string(value)
    if isinstance(value, list | tuple):
        return array_join(value, ",")
    if isinstance(value, JsFunction):
        return f"function {value.name}() {{ [native code] }}"
    return "[object Object]"


def array_join(items: list[Any] | tuple[Any, ...], separator: str) -> str:
    """``Array.prototype.join``: null and undefined items become ''."""
    parts: list[str] = []
    size = 0
    for item in items:
        part = "" if is_nullish(item) else to_string(item)
        size += len(part) + len(separator)
        check_length(size)
        parts.append(part)
    return separator.join(parts)


def output_string(value: Any) -> str:
    """What ``${{ value }}`` prints inside text: like ``String(value)`` but null/undefined → ''."""
    if is_nullish(value):
        return ""
    if isinstance(value, Markup):
        return str(value)
    return to_string(value)


JS_WHITESPACE = " \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"  # noqa: E501
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")
_RADIX = re.compile(r"0([xXoObB])([0-9a-fA-F]+)")


def to_number(value: Any) -> float:
    """JavaScript ``Number(value)``; NaN where JavaScript gives NaN."""
    if is_undefined(value):
        return math.nan
    if value is None or value is False:
        return 0.0
    if value is True:
        return 1.0
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, float):
        return value
    if isinstance(value, list | tuple):
        return to_number(to_string(value))
    if isinstance(value, str):
        text = value.strip(JS_WHITESPACE)
        if text == "":
            return 0.0
        if len(text) > 400:
            return math.nan
        if _DECIMAL.fullmatch(text):
            return float(text)
        if text in ("Infinity", "+Infinity"):
            return math.inf
        if text == "-Infinity":
            return -math.inf
        radix = _RADIX.fullmatch(text)
        if radix:
            base = {"x": 16, "o": 8, "b": 2}[radix.group(1).lower()]
            try:
                return float(int(radix.group(2), base))
            except (ValueError, OverflowError):
                return math.nan
        return math.nan
    return math.nan


def js_number(value: float) -> int | float:
    """Store an integral double as ``int`` (JavaScript has one number type; JSON prints 1)."""
    if math.isfinite(value) and value == int(value) and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    return value


def strict_equals(a: Any, b: Any) -> bool:
    """JavaScript ``===``."""
    if is_undefined(a) or is_undefined(b):
        return is_undefined(a) and is_undefined(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, list | dict | JsFunction) or isinstance(b, list | dict | JsFunction):
        return a is b
    return False


def _to_primitive(value: Any) -> Any:
    if isinstance(value, list | tuple | dict | JsFunction):
        return to_string(value)
    return value


def loose_equals(a: Any, b: Any) -> bool:
    """JavaScript ``==`` (Nunjucks compiles ``==`` to it): ``1 == "1"``, ``null == undefined``."""
    if is_nullish(a) or is_nullish(b):
        return is_nullish(a) and is_nullish(b)
    a_obj = isinstance(a, list | tuple | dict | JsFunction)
    b_obj = isinstance(b, list | tuple | dict | JsFunction)
    if a_obj and b_obj:
        return a is b
    a, b = _to_primitive(a), _to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return to_number(a) == to_number(b)


def less_than(a: Any, b: Any, *, or_equal: bool = False) -> bool:
    """JavaScript ``<`` / ``<=``: strings compare as strings, everything else as numbers."""
    a, b = _to_primitive(a), _to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a <= b if or_equal else a < b
    x, y = to_number(a), to_number(b)
    if math.isnan(x) or math.isnan(y):
        return False
    return x <= y if or_equal else x < y


def compare(op: str, a: Any, b: Any) -> bool:
    if op == "eq":
        return loose_equals(a, b)
    if op == "ne":
        return not loose_equals(a, b)
    if op == "lt":
        return less_than(a, b)
    if op == "lteq":
        return less_than(a, b, or_equal=True)
    if op == "gt":
        return less_than(b, a)
    if op == "gteq":
        return less_than(b, a, or_equal=True)
    if op == "in":
        return contains(b, a)
    if op == "notin":
        return not contains(b, a)
    raise TemplateRenderError(f"unsupported comparison '{op}'")


def contains(container: Any, key: Any) -> bool:
    """Nunjucks' ``in``: strict search in arrays, substring in strings, key in objects."""
    if isinstance(container, list | tuple):
        return any(strict_equals(item, key) for item in container)
    if isinstance(container, str):
        return to_string(key) in container
    if isinstance(container, dict):
        return to_string(key) in container
    raise TemplateRenderError(
        'cannot use the "in" operator on a value that is not a list, a string or an object'
    )


def concat(*parts: Any) -> str:
    """Nunjucks' ``~``: ``a + "" + b`` in JavaScript."""
    return checked("".join(to_string(part) for part in parts))


def _fmod(x: float, y: float) -> float:
    if math.isnan(x) or math.isnan(y) or math.isinf(x) or y == 0:
        return math.nan
    if math.isinf(y):
        return x
    return math.fmod(x, y)


def _divide(x: float, y: float) -> float:
    if y == 0:
        if x == 0 or math.isnan(x):
            return math.nan
        negative = (x < 0) != (math.copysign(1.0, y) < 0)
        return -math.inf if negative else math.inf
    return x / y


def _power(x: float, y: float) -> float:
    if math.isnan(y) or (abs(x) == 1 and math.isinf(y)):
        return math.nan
    if x == 0 and y < 0:
        return math.inf
    try:
        return math.pow(x, y)
    except OverflowError:
        return math.inf if x > 0 or y % 2 == 0 else -math.inf
    except ValueError:
        return math.nan


def _floor(value: float) -> float:
    return float(math.floor(value)) if math.isfinite(value) else value


def binary_op(op: str, left: Any, right: Any) -> Any:
    """One of ``+ - * / // % **`` with JavaScript semantics (numbers are doubles)."""
    if op == "+":
        lp, rp = _to_primitive(left), _to_primitive(right)
        if isinstance(lp, str) or isinstance(rp, str):
            check_length(len(to_string(lp)) + len(to_string(rp)))
            return to_string(lp) + to_string(rp)
        return js_number(to_number(lp) + to_number(rp))
    x, y = to_number(left), to_number(right)
    if op == "*":
        _refuse_repetition(left, right, x, y)
        return js_number(x * y)
    if op == "-":
        return js_number(x - y)
    if op == "/":
        return js_number(_divide(x, y))
    if op == "//":
        return js_number(_floor(_divide(x, y)))
    if op == "%":
        return js_number(_fmod(x, y))
    if op == "**":
        return js_number(_power(x, y))
    raise TemplateRenderError(f"unsupported operator '{op}'")


def _refuse_repetition(left: Any, right: Any, x: float, y: float) -> None:
    for operand, number in ((left, x), (right, y)):
        if isinstance(operand, str | list | tuple) and math.isnan(number):
            raise TemplateSecurityError(
                "string or list repetition with '*' is refused "
                "(Nunjucks would compute NaN; use a filter instead)"
            )


def unary_op(op: str, value: Any) -> Any:
    number = to_number(value)
    return js_number(-number if op == "-" else number)


def to_json_data(value: Any) -> Any:
    """What ``JSON.parse(JSON.stringify(value))`` gives; ``UNDEFINED`` if it gives nothing."""
    if is_undefined(value) or isinstance(value, JsFunction):
        return UNDEFINED
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, str):
        return value
    if is_number(value):
        if isinstance(value, int) and abs(value) <= MAX_SAFE_INTEGER:
            return value
        number = to_number(value)
        return js_number(number) if math.isfinite(number) else None
    if isinstance(value, list | tuple):
        out = []
        for item in value:
            converted = to_json_data(item)
            out.append(None if is_undefined(converted) else converted)
        return out
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            converted = to_json_data(item)
            if not is_undefined(converted):
                result[to_string(key)] = converted
        return result
    return None


def json_stringify(value: Any, indent: Any = UNDEFINED) -> str | JsUndefined:
    """``JSON.stringify(value, null, indent)``: compact by default, JavaScript number format."""
    gap = ""
    if is_number(indent):
        gap = " " * max(0, min(10, int(to_number(indent))))
    elif isinstance(indent, str):
        gap = indent[:10]
    data = to_json_data(value)
    if is_undefined(data):
        return UNDEFINED
    parts: list[str] = []
    _stringify_into(data, gap, "", parts, [0])
    return "".join(parts)


def _stringify_into(value: Any, gap: str, current: str, out: list[str], size: list[int]) -> None:
    def emit(text: str) -> None:
        size[0] += len(text)
        check_length(size[0], "dump output")
        out.append(text)

    if value is None:
        emit("null")
    elif value is True:
        emit("true")
    elif value is False:
        emit("false")
    elif isinstance(value, str):
        emit(json.dumps(value, ensure_ascii=False))
    elif is_number(value):
        emit(number_to_string(value))
    elif isinstance(value, list):
        if not value:
            emit("[]")
            return
        inner = current + gap
        emit("[")
        for index, item in enumerate(value):
            if index:
                emit(",")
            if gap:
                emit("\n" + inner)
            _stringify_into(item, gap, inner, out, size)
        if gap:
            emit("\n" + current)
        emit("]")
    elif isinstance(value, dict):
        if not value:
            emit("{}")
            return
        inner = current + gap
        emit("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                emit(",")
            if gap:
                emit("\n" + inner)
            emit(json.dumps(key, ensure_ascii=False) + (": " if gap else ":"))
            _stringify_into(item, gap, inner, out, size)
        if gap:
            emit("\n" + current)
        emit("}")
