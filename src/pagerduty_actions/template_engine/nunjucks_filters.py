"""The filters Nunjucks ships, re-implemented with Nunjucks' (not Jinja2's) results.

Backstage templates are tested against Nunjucks, and the two libraries disagree on more than
names: ``truncate`` cuts at 255 with ``...`` and no leeway, ``title`` only splits on spaces,
``reverse`` works on strings, ``urlencode`` escapes ``/``, ``indent`` indents blank lines,
``int('12px')`` is 12, ``groupby`` returns an object, ``round(2.5)`` is 3. Every filter
here follows the Nunjucks source's behaviour on JSON values. ``random`` is left out on
purpose: a template must render the same way in lint, dry-run and the real run.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from functools import cmp_to_key
from typing import Any
from urllib.parse import quote

from pagerduty_actions.template_engine.errors import TemplateRenderError
from pagerduty_actions.template_engine.jsmethods import member, to_int
from pagerduty_actions.template_engine.jsvalues import (
    JS_WHITESPACE,
    UNDEFINED,
    array_join,
    binary_op,
    is_nullish,
    is_number,
    is_undefined,
    js_number,
    json_stringify,
    less_than,
    strict_equals,
    to_number,
    to_string,
    truthy,
)
from pagerduty_actions.template_engine.limits import MAX_RANGE_ITEMS, check_length, checked

Filter = Callable[..., Any]


def _normalize(value: Any, default: Any) -> Any:
    return default if is_nullish(value) or value is False else value


def _text(value: Any, filter_name: str) -> str:
    """A filter that calls a string method needs a string (JavaScript would throw)."""
    if isinstance(value, str):
        return value
    raise TemplateRenderError(f"filter '{filter_name}' expects a string")


def _sequence(value: Any, filter_name: str) -> list[Any] | str:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        return value
    raise TemplateRenderError(f"filter '{filter_name}' expects a list")


def _abs(value: Any) -> Any:
    return js_number(abs(to_number(value)))


def _batch(value: Any, linecount: Any = UNDEFINED, fill_with: Any = UNDEFINED) -> list[Any]:
    items = list(_sequence(value, "batch"))
    size = to_number(linecount)
    result: list[list[Any]] = []
    current: list[Any] = []
    for index, item in enumerate(items):
        if size == size and size != 0 and index % size == 0 and current:
            result.append(current)
            current = []
        current.append(item)
    if current:
        if truthy(fill_with) and size == size:
            check_length(int(size), "batch")
            current.extend([fill_with] * max(0, int(size) - len(current)))
        result.append(current)
    return result


def _capitalize(value: Any) -> str:
    text = _text(_normalize(value, ""), "capitalize").lower()
    return text[:1].upper() + text[1:]


def _center(value: Any, width: Any = UNDEFINED) -> str:
    text = _text(_normalize(value, ""), "center")
    target = to_int(width) or 80
    if len(text) >= target:
        return text
    check_length(target)
    spaces = target - len(text)
    before = spaces // 2
    return " " * before + text + " " * (spaces - before)


def _default(value: Any, default: Any = UNDEFINED, boolean: Any = False) -> Any:
    if truthy(boolean):
        return value if truthy(value) else default
    return default if is_undefined(value) else value


def _js_sort_key(case_sensitive: bool, getter: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def compare(a: Any, b: Any) -> int:
        x, y = getter(a), getter(b)
        if not case_sensitive and isinstance(x, str) and isinstance(y, str):
            x, y = x.lower(), y.lower()
        if less_than(x, y):
            return -1
        if less_than(y, x):
            return 1
        return 0

    return cmp_to_key(compare)


def _dictsort(value: Any, case_sensitive: Any = False, by: Any = UNDEFINED) -> list[list[Any]]:
    if not isinstance(value, dict):
        raise TemplateRenderError("dictsort filter: val must be an object")
    if is_undefined(by) or by == "key":
        index = 0
    elif by == "value":
        index = 1
    else:
        raise TemplateRenderError("dictsort filter: You can only sort by either key or value")
    pairs = [[key, item] for key, item in value.items()]

    def upper(item: Any) -> Any:
        return item.upper() if isinstance(item, str) and not truthy(case_sensitive) else item

    def compare(a: list[Any], b: list[Any]) -> int:
        x, y = upper(a[index]), upper(b[index])
        if less_than(y, x):
            return 1
        return 0 if strict_equals(x, y) else -1

    return sorted(pairs, key=cmp_to_key(compare))


def _dump(value: Any, spaces: Any = UNDEFINED) -> Any:
    return json_stringify(value, spaces)


def _escape(value: Any) -> str:
    return html.escape("" if is_nullish(value) else to_string(value), quote=True).replace(
        "&#x27;", "&#39;"
    )


def _safe(value: Any) -> str:
    return "" if is_nullish(value) else to_string(value)


def _first(value: Any) -> Any:
    if is_nullish(value):
        raise TemplateRenderError("filter 'first' got undefined")
    if isinstance(value, list | tuple | str):
        return value[0] if value else UNDEFINED
    return member(value, 0)


def _last(value: Any) -> Any:
    if is_nullish(value):
        raise TemplateRenderError("filter 'last' got undefined")
    if isinstance(value, list | tuple | str):
        return value[-1] if value else UNDEFINED
    return UNDEFINED


def _attr_getter(attribute: Any) -> Callable[[Any], Any]:
    """Nunjucks' ``getAttrGetter``: dotted paths through own properties."""
    if is_nullish(attribute) or attribute == "" or attribute is False or attribute == 0:
        parts: list[Any] = []
    elif isinstance(attribute, str):
        parts = attribute.split(".")
    else:
        parts = [attribute]

    def get(item: Any) -> Any:
        current = item
        for part in parts:
            if isinstance(current, dict | list | tuple | str) and not is_undefined(
                member(current, part)
            ):
                current = member(current, part)
            else:
                return UNDEFINED
        return current

    return get


def _groupby(value: Any, attribute: Any = UNDEFINED) -> dict[str, list[Any]]:
    getter = _attr_getter(attribute)
    groups: dict[str, list[Any]] = {}
    for item in _sequence(value, "groupby"):
        groups.setdefault(to_string(getter(item)), []).append(item)
    return groups


def _indent(value: Any, width: Any = UNDEFINED, indent_first: Any = False) -> str:
    text = _text(_normalize(value, ""), "indent")
    if text == "":
        return ""
    size = to_int(width) or 4
    lines = text.split("\n")
    check_length(len(text) + max(size, 0) * len(lines))
    pad = " " * max(size, 0)
    return "\n".join(
        line if index == 0 and not truthy(indent_first) else pad + line
        for index, line in enumerate(lines)
    )


def _join(value: Any, delimiter: Any = UNDEFINED, attribute: Any = UNDEFINED) -> str:
    separator = to_string(delimiter) if truthy(delimiter) else ""
    if not isinstance(value, list | tuple):
        raise TemplateRenderError("filter 'join' expects a list")
    items = [member(item, attribute) for item in value] if truthy(attribute) else list(value)
    return array_join(items, separator)


def _length(value: Any) -> Any:
    item = _normalize(value, "")
    if isinstance(item, dict):
        return len(item)
    if isinstance(item, list | tuple | str):
        return len(item)
    return UNDEFINED


def _list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return list(value)
    if isinstance(value, dict):
        return [{"key": key, "value": item} for key, item in value.items()]
    if isinstance(value, list | tuple):
        return list(value)
    raise TemplateRenderError("list filter: type not iterable")


def _lower(value: Any) -> str:
    return _text(_normalize(value, ""), "lower").lower()


def _upper(value: Any) -> str:
    return _text(_normalize(value, ""), "upper").upper()


def _nl2br(value: Any) -> str:
    if is_nullish(value):
        return ""
    return checked(re.sub(r"\r\n|\n", "<br />\n", _text(value, "nl2br")))


def _select_or_reject(expected: bool) -> Filter:
    def apply(value: Any, test_name: Any = "truthy", argument: Any = UNDEFINED) -> list[Any]:
        from pagerduty_actions.template_engine.nunjucks_tests import NUNJUCKS_TESTS

        name = "truthy" if is_undefined(test_name) else to_string(test_name)
        test = NUNJUCKS_TESTS.get(name)
        if test is None:
            raise TemplateRenderError(f"unknown test '{name}'")
        items = list(value) if isinstance(value, list | tuple | str) else []
        if is_nullish(value):
            raise TemplateRenderError("filter 'select'/'reject' got undefined")
        return [item for item in items if test(item, argument) is expected]

    return apply


def _select_attr(expected: bool) -> Filter:
    def apply(value: Any, attribute: Any = UNDEFINED) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise TemplateRenderError("filter 'selectattr'/'rejectattr' expects a list")
        return [item for item in value if truthy(member(item, attribute)) is expected]

    return apply


def _replace(value: Any, old: Any = UNDEFINED, new: Any = UNDEFINED, count: Any = UNDEFINED) -> Any:
    limit = -1 if is_undefined(count) else to_int(count)
    if is_number(old):
        old = to_string(old)
    elif not isinstance(old, str):
        return value
    if is_number(value):
        value = to_string(value)
    if not isinstance(value, str):
        return value
    replacement = to_string(new)
    if old == "":
        check_length((len(value) + 1) * (len(replacement) + 1))
        return replacement + replacement.join(value) + replacement
    if limit == 0 or old not in value:
        return value
    if limit < 0:
        check_length(len(value) // len(old) * len(replacement) + len(value))
        return checked(value.replace(old, replacement))
    return checked(value.replace(old, replacement, limit))


def _reverse(value: Any) -> Any:
    if isinstance(value, str):
        return value[::-1]
    if isinstance(value, list | tuple):
        return list(reversed(value))
    return []


def _js_round(number: float) -> float:
    return math.floor(number + 0.5) if math.isfinite(number) else number


def _round(value: Any, precision: Any = UNDEFINED, method: Any = UNDEFINED) -> Any:
    factor = 10.0 ** min(max(to_int(precision), -300), 300)
    rounder: Callable[[float], float] = _js_round
    if method == "ceil":
        rounder = _safe_rounder(math.ceil)
    elif method == "floor":
        rounder = _safe_rounder(math.floor)
    number = to_number(value) * factor
    return js_number(rounder(number) / factor)


def _safe_rounder(func: Callable[[float], int]) -> Callable[[float], float]:
    def apply(number: float) -> float:
        return float(func(number)) if math.isfinite(number) else number

    return apply


def _slice(value: Any, slices: Any = UNDEFINED, fill_with: Any = UNDEFINED) -> list[list[Any]]:
    items = list(_sequence(value, "slice"))
    count = to_int(slices)
    if count > MAX_RANGE_ITEMS:
        raise TemplateRenderError(f"filter 'slice' takes at most {MAX_RANGE_ITEMS} slices")
    if count <= 0:
        return []
    size, extra = divmod(len(items), count)
    result: list[list[Any]] = []
    offset = 0
    for index in range(count):
        start = offset + index * size
        if index < extra:
            offset += 1
        end = offset + (index + 1) * size
        part = items[start:end]
        if truthy(fill_with) and index >= extra:
            part.append(fill_with)
        result.append(part)
    return result


def _sum(value: Any, attribute: Any = UNDEFINED, start: Any = 0) -> Any:
    items = _sequence(value, "sum")
    if truthy(attribute):
        items = [member(item, attribute) for item in items]
    total: Any = 0
    for item in items:
        total = binary_op("+", total, item)
    return binary_op("+", start, total)


def _sort(
    value: Any,
    reverse: Any = False,
    case_sensitive: Any = False,
    attribute: Any = UNDEFINED,
) -> list[Any]:
    items = list(_sequence(value, "sort"))
    getter = _attr_getter(attribute) if truthy(attribute) else (lambda item: item)
    return sorted(items, key=_js_sort_key(truthy(case_sensitive), getter), reverse=truthy(reverse))


def _string(value: Any) -> str:
    if is_nullish(value):
        raise TemplateRenderError("filter 'string' got undefined or null")
    return to_string(value)


_TAGS = re.compile(r"</?([a-z][a-z0-9]*)\b[^>]*>|<!--[\s\S]*?-->", re.IGNORECASE)


def _striptags(value: Any, preserve_linebreaks: Any = False) -> str:
    text = _text(_normalize(value, ""), "striptags")
    stripped = _TAGS.sub("", text).strip(JS_WHITESPACE)
    if truthy(preserve_linebreaks):
        stripped = re.sub(r"^ +| +$", "", stripped, flags=re.MULTILINE)
        stripped = re.sub(r" +", " ", stripped)
        stripped = stripped.replace("\r\n", "\n")
        return re.sub(r"\n\n\n+", "\n\n", stripped)
    return re.sub(r"\s+", " ", stripped)


def _title(value: Any) -> str:
    text = _text(_normalize(value, ""), "title")
    return " ".join(_capitalize(word) for word in text.split(" "))


def _trim(value: Any) -> str:
    return _text(value, "trim").strip(JS_WHITESPACE)


def _truncate(
    value: Any, length: Any = UNDEFINED, killwords: Any = False, end: Any = UNDEFINED
) -> str:
    text = _text(_normalize(value, ""), "truncate")
    limit = to_int(length) or 255
    if len(text) <= limit:
        return text
    if truthy(killwords):
        text = text[: max(limit, 0)]
    else:
        cut = text.rfind(" ", 0, max(limit, 0) + 1)
        text = text[: limit if cut == -1 else cut]
    return text + ("..." if is_nullish(end) else to_string(end))


def encode_uri_component(value: Any) -> str:
    """JavaScript ``encodeURIComponent``: keeps ``A-Z a-z 0-9 - _ . ! ~ * ' ( )``."""
    return quote(to_string(value), safe="-_.!~*'()")


def _urlencode(value: Any) -> str:
    if isinstance(value, str):
        return encode_uri_component(value)
    if isinstance(value, list | tuple):
        pairs = [
            (member(item, 0), member(item, 1))
            if isinstance(item, list | tuple | str)
            else (UNDEFINED, UNDEFINED)
            for item in value
        ]
    elif isinstance(value, dict):
        pairs = list(value.items())
    else:
        pairs = []
    return "&".join(f"{encode_uri_component(k)}={encode_uri_component(v)}" for k, v in pairs)


def _wordcount(value: Any) -> Any:
    text = _normalize(value, "")
    if not isinstance(text, str) or text == "":
        return None
    words = re.findall(r"[A-Za-z0-9_]+", text)
    return len(words) if words else None


_FLOAT_PREFIX = re.compile(r"[+-]?(?:Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")
_INT_PREFIX = re.compile(r"[+-]?\d+")


def _float(value: Any, default: Any = UNDEFINED) -> Any:
    match = _FLOAT_PREFIX.match(to_string(value).lstrip(JS_WHITESPACE))
    if not match:
        return default
    text = match.group(0)
    if text.endswith("Infinity"):
        return -math.inf if text.startswith("-") else math.inf
    return js_number(float(text))


def _int(value: Any, default: Any = UNDEFINED) -> Any:
    match = _INT_PREFIX.match(to_string(value).lstrip(JS_WHITESPACE)[:400])
    if not match:
        return default
    return js_number(to_number(match.group(0)))


NUNJUCKS_FILTERS: dict[str, Filter] = {
    "abs": _abs,
    "batch": _batch,
    "capitalize": _capitalize,
    "center": _center,
    "default": _default,
    "d": _default,
    "dictsort": _dictsort,
    "dump": _dump,
    "escape": _escape,
    "e": _escape,
    "forceescape": _escape,
    "safe": _safe,
    "first": _first,
    "last": _last,
    "groupby": _groupby,
    "indent": _indent,
    "join": _join,
    "length": _length,
    "list": _list,
    "lower": _lower,
    "upper": _upper,
    "nl2br": _nl2br,
    "select": _select_or_reject(True),
    "reject": _select_or_reject(False),
    "selectattr": _select_attr(True),
    "rejectattr": _select_attr(False),
    "replace": _replace,
    "reverse": _reverse,
    "round": _round,
    "slice": _slice,
    "sum": _sum,
    "sort": _sort,
    "string": _string,
    "striptags": _striptags,
    "title": _title,
    "trim": _trim,
    "truncate": _truncate,
    "urlencode": _urlencode,
    "wordcount": _wordcount,
    "float": _float,
    "int": _int,
}
