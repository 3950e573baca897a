"""How a new key or value is written: plain when that is unambiguous, else double-quoted.

The rule, chosen to be predictable rather than minimal:

* Plain when the string starts with a letter, digit, ``_``, ``.`` or ``/``; uses only
  ASCII letters, digits, spaces and ``_ . / @ + = ~ - : ? & %`` (``:`` never followed by a space
  nor at the end); does not end with a space; and reads back as a string
  under both YAML 1.1 and YAML 1.2 (so ``yes``, ``off``, ``0123``, ``1_000``, ``2024-01-01``,
  ``.inf``, ``null`` and ``~`` are quoted: older and newer parsers would disagree on them).
  Flow indicators (``, [ ] { }``) and ``#`` always need quotes, so one rule fits block and
  flow context alike.
* Otherwise double-quoted, with ``\\``, ``"``, line breaks, tabs and every non-printable
  character escaped.
* A value that replaces a quoted value keeps that value's quote style (single quotes turn
  into double quotes only when the new text cannot be single-quoted).
"""

from __future__ import annotations

import re

from ._yaml_tree import resolves_to_str

_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./@+=~:?&% -]*\Z")  # \Z: $ allows a final newline
_NAMED_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _printable(ch: str) -> bool:
    code = ord(ch)
    return (
        ch in "\t\n"
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    )


def can_be_plain(value: str) -> bool:
    """True when ``value`` may be written without quotes (see the module rule)."""
    if not _PLAIN.match(value) or value.endswith((" ", ":")) or ": " in value:
        return False
    return resolves_to_str(value)


def double_quoted(value: str) -> str:
    out = []
    for ch in value:
        if ch in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[ch])
        elif _printable(ch) and ch not in "\u2028\u2029\x85":
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def single_quoted(value: str) -> str | None:
    """``value`` in single quotes, or None when it holds a character those cannot carry."""
    if any(ch in "\n\r\u2028\u2029\x85" or not _printable(ch) for ch in value):
        return None
    return "'" + value.replace("'", "''") + "'"


def render_scalar(value: str, *, keep_style: str | None = None) -> str:
    """``value`` as YAML text, by the module rule; ``keep_style`` is the replaced value's style."""
    if keep_style == "'":
        quoted = single_quoted(value)
        if quoted is not None:
            return quoted
        return double_quoted(value)
    if keep_style == '"':
        return double_quoted(value)
    if can_be_plain(value):
        return value
    return double_quoted(value)
