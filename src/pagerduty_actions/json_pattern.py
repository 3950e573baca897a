"""JSON Schema's ``pattern`` read as ECMA-262 reads it, where Python's ``re`` reads it otherwise.

A schema's regular expressions are ECMA-262 ones (JSON Schema says so, and Backstage checks the
same schemas in JavaScript). jsonschema hands them to Python's ``re``, which differs from
ECMA-262 in one place our schemas meet: without the multi-line flag, ECMA's ``$`` matches only
at the end of the text, Python's also just before a final line break. So ``^[A-Z0-9]{2,20}$``
let ``"PABC\\n"`` through as a service id here while Backstage refused it, and the id went on
into a PagerDuty URL. :func:`python_regex` rewrites each ``$`` that is an anchor to ``\\Z``
(end of text only); ``json_validators``' classes use it for ``pattern`` and
``patternProperties``, and so must anything else that reads a schema's pattern. This module
imports nothing beyond the standard library (a template lint reads patterns without
jsonschema). Other differences (``\\d`` and ``\\w`` reach beyond ASCII in Python)
no schema of ours relies on: their patterns spell out their character classes.
"""

from __future__ import annotations

import re
from functools import lru_cache


def python_regex(pattern: str) -> str:
    """``pattern`` with every anchor ``$`` (not escaped, not in a class) made ``\\Z``.

    One pass over the text, so its cost is linear in the pattern's length.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            # A ``]`` right after ``[`` or ``[^`` is a literal in Python's reading.
            opened = pattern[i - 1] == "[" or (pattern[i - 1] == "^" and pattern[i - 2] == "[")
            if char == "]" and not opened:
                in_class = False
        elif char == "[":
            in_class = True
        elif char == "$":
            out.append(r"\Z")
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


@lru_cache(maxsize=512)
def compiled(pattern: str) -> re.Pattern[str]:
    """The compiled Python form of an ECMA-262 ``pattern`` (each schema's few, kept)."""
    return re.compile(python_regex(pattern))


def matches(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text``, as JSON Schema's ``pattern`` asks."""
    return compiled(pattern).search(text) is not None
