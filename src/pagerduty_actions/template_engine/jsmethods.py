"""Member lookup (``a.b``, ``a['b']``, ``a[0]``) the way Nunjucks does it, without Python.

Nunjucks resolves ``obj.name`` as a JavaScript property: an object key, an array index, a
string's ``length``, or a method such as ``name.split('/')`` that templates really use. Jinja2
would resolve Python attributes instead (``parameters.items`` would be a dict method), which
is both wrong for Backstage templates and the usual sandbox escape route. So lookups never
touch Python attributes: JSON objects give their keys, and a short list of JavaScript methods
is re-implemented here. Dunder names are refused outright.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jinja2.runtime import LoopContext

from pagerduty_actions.template_engine.errors import TemplateSecurityError
from pagerduty_actions.template_engine.jsvalues import (
    JS_WHITESPACE,
    UNDEFINED,
    JsFunction,
    array_join,
    is_nullish,
    is_number,
    is_undefined,
    number_to_string,
    strict_equals,
    to_number,
    to_string,
)
from pagerduty_actions.template_engine.limits import check_length, checked

_INDEX = re.compile(r"0|[1-9][0-9]{0,15}")
_LOOP_FIELDS = frozenset(
    {"index", "index0", "revindex", "revindex0", "first", "last", "length", "previtem", "nextitem"}
)


def refuse_private(name: str) -> None:
    if name.startswith("__"):
        raise TemplateSecurityError(f"access to '{name}' is not allowed in templates")


def property_key(key: Any) -> str:
    return key if isinstance(key, str) else to_string(key)


def member(obj: Any, key: Any) -> Any:
    """``obj[key]`` in JavaScript terms; undefined where JavaScript gives undefined."""
    name = property_key(key)
    refuse_private(name)
    if is_nullish(obj):
        return UNDEFINED
    if isinstance(obj, dict):
        return obj.get(name, UNDEFINED)
    if isinstance(obj, LoopContext):
        return getattr(obj, name) if name in _LOOP_FIELDS else UNDEFINED
    if isinstance(obj, list | tuple | str):
        if _INDEX.fullmatch(name):
            index = int(name)
            return obj[index] if index < len(obj) else UNDEFINED
        if name == "length":
            return len(obj)
        table = _STRING_METHODS if isinstance(obj, str) else _ARRAY_METHODS
        return _bind(table, obj, name)
    if is_number(obj) and not isinstance(obj, bool):
        return _bind(_NUMBER_METHODS, obj, name)
    if isinstance(obj, bool) and name == "toString":
        return JsFunction("toString", lambda: to_string(obj))
    return UNDEFINED


def _bind(table: dict[str, Callable[..., Any]], obj: Any, name: str) -> Any:
    method = table.get(name)
    if method is None:
        return UNDEFINED

    def bound(*args: Any) -> Any:
        return method(obj, *args)

    return JsFunction(name, bound)


def to_int(value: Any, default: int = 0) -> int:
    """JavaScript ``ToIntegerOrInfinity`` clipped to a Python int (undefined → default)."""
    if is_undefined(value):
        return default
    number = to_number(value)
    if math.isnan(number):
        return 0
    if math.isinf(number):
        return 2**62 if number > 0 else -(2**62)
    return int(number)


def _relative(index: int, size: int) -> int:
    return max(size + index, 0) if index < 0 else min(index, size)


def _slice(value: Any, start: Any = UNDEFINED, end: Any = UNDEFINED) -> Any:
    size = len(value)
    begin = _relative(to_int(start), size)
    finish = _relative(to_int(end, size), size)
    part = value[begin:finish] if finish > begin else value[:0]
    return list(part) if isinstance(part, tuple) else part


def _substring(text: str, start: Any = UNDEFINED, end: Any = UNDEFINED) -> str:
    size = len(text)
    a = min(max(to_int(start), 0), size)
    b = min(max(to_int(end, size), 0), size)
    return text[min(a, b) : max(a, b)]


def _split(text: str, separator: Any = UNDEFINED, limit: Any = UNDEFINED) -> list[str]:
    if is_undefined(separator):
        parts = [text]
    else:
        sep = to_string(separator)
        parts = list(text) if sep == "" else text.split(sep)
    if not is_undefined(limit):
        parts = parts[: max(to_int(limit), 0)]
    return parts


def _index_of(text: str, search: Any, start: Any = UNDEFINED) -> int:
    return text.find(to_string(search), max(to_int(start), 0))


def _pad(text: str, length: Any, fill: Any, *, at_start: bool) -> str:
    target = to_int(length)
    check_length(target)
    filler = " " if is_undefined(fill) else to_string(fill)
    if target <= len(text) or filler == "":
        return text
    need = target - len(text)
    padding = (filler * (need // len(filler) + 1))[:need]
    return padding + text if at_start else text + padding


def _repeat(text: str, count: Any) -> str:
    times = max(to_int(count), 0)
    check_length(len(text) * times)
    return text * times


def _replace(text: str, pattern: Any, replacement: Any, *, every: bool) -> str:
    old, new = to_string(pattern), to_string(replacement)
    if every:
        if old == "":
            check_length((len(text) + 1) * (len(new) + 1))
        return checked(text.replace(old, new))
    return checked(text.replace(old, new, 1))


def _char_at(text: str, index: Any = UNDEFINED) -> str:
    position = to_int(index)
    return text[position] if 0 <= position < len(text) else ""


def _at(value: Any, index: Any = UNDEFINED) -> Any:
    position = to_int(index)
    if position < 0:
        position += len(value)
    return value[position] if 0 <= position < len(value) else UNDEFINED


def _concat_array(items: Any, *others: Any) -> list[Any]:
    result = list(items)
    for other in others:
        if isinstance(other, list | tuple):
            result.extend(other)
        else:
            result.append(other)
        check_length(len(result), "list")
    return result


def _to_fixed(number: Any, digits: Any = UNDEFINED) -> str:
    places = min(max(to_int(digits), 0), 100)
    value = to_number(number)
    if not math.isfinite(value) or abs(value) >= 1e21:
        return number_to_string(value)
    quantum = Decimal(1).scaleb(-places)
    return f"{Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):f}"


_STRING_METHODS: dict[str, Callable[..., Any]] = {
    "toUpperCase": lambda s: s.upper(),
    "toLowerCase": lambda s: s.lower(),
    "trim": lambda s: s.strip(JS_WHITESPACE),
    "trimStart": lambda s: s.lstrip(JS_WHITESPACE),
    "trimEnd": lambda s: s.rstrip(JS_WHITESPACE),
    "split": _split,
    "replace": lambda s, a=UNDEFINED, b=UNDEFINED: _replace(s, a, b, every=False),
    "replaceAll": lambda s, a=UNDEFINED, b=UNDEFINED: _replace(s, a, b, every=True),
    "startsWith": lambda s, x=UNDEFINED, p=UNDEFINED: s.startswith(to_string(x), to_int(p)),
    "endsWith": lambda s, x=UNDEFINED: s.endswith(to_string(x)),
    "includes": lambda s, x=UNDEFINED: to_string(x) in s,
    "indexOf": _index_of,
    "lastIndexOf": lambda s, x=UNDEFINED: s.rfind(to_string(x)),
    "slice": _slice,
    "substring": _substring,
    "charAt": _char_at,
    "at": _at,
    "padStart": lambda s, n=UNDEFINED, f=UNDEFINED: _pad(s, n, f, at_start=True),
    "padEnd": lambda s, n=UNDEFINED, f=UNDEFINED: _pad(s, n, f, at_start=False),
    "repeat": _repeat,
    "concat": lambda s, *xs: checked(s + "".join(to_string(x) for x in xs)),
    "toString": lambda s: s,
}

_ARRAY_METHODS: dict[str, Callable[..., Any]] = {
    "join": lambda a, sep=UNDEFINED: array_join(a, "," if is_undefined(sep) else to_string(sep)),
    "includes": lambda a, x=UNDEFINED: any(strict_equals(i, x) for i in a),
    "indexOf": lambda a, x=UNDEFINED: next((n for n, i in enumerate(a) if strict_equals(i, x)), -1),
    "slice": _slice,
    "concat": _concat_array,
    "at": _at,
    "toString": lambda a: array_join(a, ","),
}

_NUMBER_METHODS: dict[str, Callable[..., Any]] = {
    "toFixed": _to_fixed,
    "toString": lambda n: number_to_string(n),
}
