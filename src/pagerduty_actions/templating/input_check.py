"""Validate a step input against an action's schema before its templated parts are known.

A template's input mixes literals with `${{ }}` strings whose values exist only at run
time. Each templated string is replaced by a placeholder, the input is validated, and every
error about a placeholder (or a value holding one) is dropped; what remains is certain to
fail at run time: a misspelt key, a missing required key, a literal of the wrong type.

Where a templated value is exactly one parameter (``${{ parameters.urgency }}``), its
declaration says more: each ``enum`` value of the parameter is tried in its place, and its
declared ``type`` is compared with the type the action wants.

jsonschema is imported only for an input that may have a problem: ``input_quiet`` tells,
without it, the usual case of an input that surely has none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pagerduty_actions.templating.input_quiet import surely_no_problems

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

_MARKERS = ("${{", "{%")
#: Errors that stay true whatever the placeholders render to.
_STRUCTURAL = frozenset({"required", "additionalProperties", "unevaluatedProperties"})
_PARAMETER_REF = re.compile(
    r"^\$\{\{\s*parameters(?:\.([A-Za-z_$][\w$]*)|\[\s*(['\"])([^'\"]+)\2\s*\])\s*\}\}\Z"
)
_SAMPLES: dict[str, Any] = {
    "string": "sample",
    "integer": 1,
    "number": 1.5,
    "boolean": True,
    "array": [],
    "object": {},
}

Problem = tuple[tuple[str | int, ...], str]


class Templated:
    """Stands for a value only known at run time."""

    def __repr__(self) -> str:
        return "<templated>"


@dataclass(frozen=True)
class KnownValues:
    """What a templated value can be: a parameter's enum values, or a sample of its type."""

    label: str
    values: tuple[Any, ...]
    #: True for enum values (any error counts); False for a type sample (type errors only).
    exact: bool
    declared_type: str | None = None


def parameter_reference(text: Any) -> str | None:
    """``X`` when ``text`` is exactly ``${{ parameters.X }}`` (or ``parameters['X']``)."""
    if not isinstance(text, str):
        return None
    match = _PARAMETER_REF.match(text.strip())
    return (match.group(1) or match.group(3)) if match else None


def parameter_values(properties: Mapping[str, Any]) -> Callable[[str], KnownValues | None]:
    """``known`` for ``known_input_problems``: what ``${{ parameters.X }}`` can be."""

    def known(text: str) -> KnownValues | None:
        name = parameter_reference(text)
        prop = properties.get(name) if name is not None else None
        if not isinstance(prop, dict):
            return None
        label = f"parameters.{name}"
        if isinstance(prop.get("enum"), list) and prop["enum"]:
            return KnownValues(label, tuple(prop["enum"]), exact=True)
        declared = prop.get("type")
        if isinstance(declared, str) and declared in _SAMPLES:
            return KnownValues(label, (_SAMPLES[declared],), exact=False, declared_type=declared)
        return None

    return known


def with_placeholders(value: Any) -> Any:
    if isinstance(value, str):
        return Templated() if any(m in value for m in _MARKERS) else value
    if isinstance(value, dict):
        return {key: with_placeholders(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_placeholders(item) for item in value]
    return value


def known_input_problems(
    schema: dict[str, Any],
    value: Any,
    *,
    draft7: bool = False,
    known: Callable[[str], KnownValues | None] | None = None,
) -> list[Problem]:
    """``(path inside the input, message)`` for each certain problem of a templated input."""
    checked = with_placeholders(value)
    if isinstance(checked, Templated):
        return []
    knowns: list[tuple[tuple[str | int, ...], KnownValues]] = []
    if known is not None:
        for path, text in _templated_strings(value, ()):
            values = known(text)
            if values is not None:
                knowns.append((path, values))
    tried = [checked] + [
        _replace_at(checked, path, candidate)
        for path, values in knowns
        for candidate in values.values
    ]
    if surely_no_problems(schema, tried, draft7=draft7, is_placeholder=_is_templated):
        return []
    # Here only: importing jsonschema costs a lint more than the rest of its work.
    from pagerduty_actions.json_validators import Draft7, Draft202012
    from pagerduty_actions.validation import located_errors

    validator = (Draft7 if draft7 else Draft202012)(schema)
    problems: set[Problem] = set()
    # Worded as a run would word them (allowed values, the closest known key at its own path).
    for (where, message), error in located_errors(validator, checked):
        if _relevant(error):
            problems.add((where, message.replace("<templated>", "a templated value")))
    for path, values in knowns:
        problems.update(_problems_of_known(validator, checked, path, values))
    return sorted(problems, key=lambda p: (len(p[0]), str(p[0]), p[1]))


def _is_templated(value: Any) -> bool:
    return isinstance(value, Templated)


def _problems_of_known(
    validator: Any, checked: Any, path: tuple[str | int, ...], known: KnownValues
) -> Iterator[Problem]:
    from pagerduty_actions.validation import located_errors

    for candidate in known.values:
        substituted = _replace_at(checked, path, candidate)
        for (where, message), error in located_errors(validator, substituted):
            if where[: len(path)] != path or not _relevant(error):
                continue
            if known.exact:
                yield where, f"with {known.label} = {candidate!r}: {message}"
            elif error.validator == "type" and where == path:
                wanted = error.validator_value
                yield (
                    where,
                    f"{known.label} is declared as {known.declared_type}, "
                    f"but this input must be {wanted}",
                )


def _replace_at(value: Any, path: tuple[str | int, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace_at(v, rest, new) if k == head else v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_at(v, rest, new) if i == head else v for i, v in enumerate(value)]
    return value


def _templated_strings(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[Any, str]]:
    if isinstance(value, str) and any(m in value for m in _MARKERS):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _templated_strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _templated_strings(item, (*path, index))


def _holds_placeholder(value: Any) -> bool:
    if isinstance(value, Templated):
        return True
    if isinstance(value, dict):
        return any(_holds_placeholder(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_placeholder(v) for v in value)
    return False


def _relevant(error: ValidationError) -> bool:
    if isinstance(error.instance, Templated):
        return False
    if error.validator in _STRUCTURAL:
        return True
    return not _holds_placeholder(error.instance)
