"""Validate a step input against an action's schema before its templated parts are known.

A template's input mixes literals with `${{ }}` strings whose values exist only at run
time. Each templated string is replaced by a placeholder, the input is validated, and every
error about a placeholder (or a value holding one) is dropped; what remains is certain to
fail at run time: a misspelt key, a missing required key, a literal of the wrong type.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.exceptions import ValidationError

_MARKERS = ("${{", "{%")
#: Errors that stay true whatever the placeholders render to.
_STRUCTURAL = frozenset({"required", "additionalProperties", "unevaluatedProperties"})


class Templated:
    """Stands for a value only known at run time."""

    def __repr__(self) -> str:
        return "<templated>"


def with_placeholders(value: Any) -> Any:
    if isinstance(value, str):
        return Templated() if any(m in value for m in _MARKERS) else value
    if isinstance(value, dict):
        return {key: with_placeholders(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_placeholders(item) for item in value]
    return value


def _holds_placeholder(value: Any) -> bool:
    if isinstance(value, Templated):
        return True
    if isinstance(value, dict):
        return any(_holds_placeholder(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_placeholder(v) for v in value)
    return False


def known_input_problems(
    schema: dict[str, Any], value: Any, *, draft7: bool = False
) -> list[tuple[tuple[str | int, ...], str]]:
    """``(path inside the input, message)`` for each certain problem of a templated input."""
    checked = with_placeholders(value)
    if isinstance(checked, Templated):
        return []
    validator_class = Draft7Validator if draft7 else Draft202012Validator
    validator = validator_class(schema)
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for error in validator.iter_errors(checked):
        if _relevant(error):
            problems.append(
                (
                    tuple(error.absolute_path),
                    error.message.replace("<templated>", "a templated value"),
                )
            )
    return sorted(set(problems), key=lambda p: (len(p[0]), str(p[0]), p[1]))


def _relevant(error: ValidationError) -> bool:
    if isinstance(error.instance, Templated):
        return False
    if error.validator in _STRUCTURAL:
        return True
    return not _holds_placeholder(error.instance)
