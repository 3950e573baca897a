"""Parse a request's JSON body within fixed limits: the one parser of every JSON route.

``json.loads`` alone turns some bodies into 500s: nesting about a thousand levels deep raises
RecursionError (and a few hundred levels would break the recursive code downstream), a
5,000-digit number hits Python's limit on int conversion (ValueError), and a ``\\ud800``
escape gives a lone surrogate that breaks the first encode (the database, a log line, a git
file). Each is refused here, before a route sees the body, as a 400 naming where in the body
it is. The checks are linear in the body's size; the slower work of finding a problem's path
only runs once a problem is known to be there.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any, NoReturn

from ..errors import InputError
from ..redaction import QUOTE_LIMIT, clip

MAX_DEPTH = 64
MAX_DIGITS = 32
_DEPTH_FIX = f"request bodies may nest at most {MAX_DEPTH} levels"

# A JSON string, or an unterminated one running to the end (the parser reports that); it
# cannot fail once started at a quote, so scanning for strings is linear.
_STRING = r'"(?:[^"\\]++|\\.?)*+(?:"|\Z)'
_STRINGS = re.compile(_STRING, re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]++")
_TOKENS = re.compile(_STRING + r"|[\[\]{},:]", re.DOTALL)
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# Where a lone surrogate can come from: a \uD800-\uDFFF escape, or its UTF-8 bytes (let
# through by the decoding, as json.loads does, so the error can name the field).
_MAY_HOLD_SURROGATE = re.compile("[\ud800-\udfff]|\\\\u[dD][89a-fA-F]")
# Text in which no number can be refused: no run of more than MAX_DIGITS digits (an integer
# part, a fraction), no exponent of three digits or more (so every float is below 1e132,
# finite), no NaN or Infinity. It parses with json.loads' own int and float: the same values.
_MAY_REFUSE = re.compile(rf"\d{{{MAX_DIGITS + 1}}}|[eE][+-]?\d{{3}}|NaN|Infinity")
_LONE_SURROGATE = (
    "holds a lone UTF-16 surrogate, which is not a character; send valid Unicode text "
    "(characters outside the BMP as a \\uD83D\\uDE00-style pair)"
)


class _Refused:
    """Stands in the parsed body for a number we refuse, so the walk can name its path."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


def parse_json_body(raw: bytes) -> Any:
    """The body's JSON value, or an InputError naming the path of what is refused."""
    try:
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    except UnicodeDecodeError as exc:
        raise InputError(f"the request body is not valid UTF-8 (byte {exc.start})") from None
    if _too_deep(text):
        _refuse(_deep_path(text), f"nested more than {MAX_DEPTH} levels deep; {_DEPTH_FIX}")
    refused: list[_Refused] = []

    def refuse(problem: str) -> _Refused:
        refused.append(_Refused(problem))
        return refused[-1]

    try:
        if _MAY_REFUSE.search(text) is None:  # json.loads' own numbers are ours: no callbacks
            value = json.loads(text)
        else:
            value = json.loads(
                text,
                parse_int=lambda s: _int(s, refuse),
                parse_float=lambda s: _float(s, refuse),
                parse_constant=lambda s: refuse(f"{s} is not a JSON number; send a finite number"),
            )
    except json.JSONDecodeError as exc:
        where = f" at line {exc.lineno}, column {exc.colno}"
        raise InputError(f"the request body is not valid JSON{where}") from None
    if refused or _MAY_HOLD_SURROGATE.search(text):
        found = _first_problem(value, ["$"])
        if found is not None:
            _refuse(*found)
    return value


def _refuse(path: str, problem: str) -> NoReturn:
    path = clip(path, QUOTE_LIMIT)
    raise InputError(f"{path}: {problem}", details=[{"path": path, "message": problem}])


def _int(text: str, refuse: Callable[[str], _Refused]) -> int | _Refused:
    digits = len(text) - text.startswith("-")
    if digits > MAX_DIGITS:
        return refuse(
            f"a number of {digits} digits; numbers may have at most {MAX_DIGITS} digits "
            "(send a long id as a string)"
        )
    return int(text)


def _float(text: str, refuse: Callable[[str], _Refused]) -> float | _Refused:
    number = float(text)
    if not math.isfinite(number):
        return refuse(
            f"the number {clip(text, QUOTE_LIMIT)} is too large to represent; send a finite number"
        )
    return number


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than MAX_DEPTH (C-speed scans only)."""
    if text.count("{") + text.count("[") <= MAX_DEPTH:
        return False  # no more openings in all than the limit (most bodies): no scan needed
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    if len(brackets) <= MAX_DEPTH:
        return False
    return max(accumulate(map(_STEP.__getitem__, brackets))) > MAX_DEPTH


def _deep_path(text: str) -> str:
    """The path of the first container opened deeper than MAX_DEPTH, as far as the text says.

    Follows keys and indexes piece by piece; only run once ``_too_deep`` found one.
    """
    # Per open container: [is an object, current key or index, expecting a key].
    stack: list[list[Any]] = []
    for match in _TOKENS.finditer(text):
        piece = match.group()
        if piece in ("[", "{"):
            if len(stack) == MAX_DEPTH:
                return _render(["$", *(part for _, part, _ in stack)])
            stack.append([piece == "{", None if piece == "{" else 0, piece == "{"])
        elif piece in ("]", "}"):
            if stack:
                stack.pop()
        elif not stack:
            continue
        elif piece == ",":
            if stack[-1][0]:
                stack[-1][2] = True
            else:
                stack[-1][1] += 1
        elif piece == ":":
            stack[-1][2] = False
        elif stack[-1][0] and stack[-1][2]:
            stack[-1][1] = _key(piece)
    return "$"


def _key(piece: str) -> str:
    try:
        key = json.loads(piece)
    except json.JSONDecodeError:
        return piece.strip('"')
    return key if isinstance(key, str) else piece


def _render(parts: list[Any]) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part is None:
            path += ".?"
        else:
            # A key with a lone surrogate is shown escaped, so the path itself can be encoded.
            text = str(part).encode("utf-8", "backslashreplace").decode("utf-8")
            path += text if not path else f".{text}"
    return path


def _lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _first_problem(value: Any, parts: list[Any]) -> tuple[str, str] | None:
    """(path, problem) of the first refused number or lone surrogate in ``value``."""
    if isinstance(value, _Refused):
        return _render(parts), value.problem
    if isinstance(value, str):
        return (_render(parts), _LONE_SURROGATE) if _lone_surrogate(value) else None
    items: Any = ()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    for part, item in items:
        parts.append(part)
        if isinstance(part, str) and _lone_surrogate(part):
            return _render(parts), f"the key {_LONE_SURROGATE}"
        found = _first_problem(item, parts)
        if found is not None:
            return found
        parts.pop()
    return None
