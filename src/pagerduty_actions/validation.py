"""JSON Schema validation that reports every error, each with a JSON path a person can follow.

One place for it because input, output and config validation must read the same way: a
template author fixing their step gets ``$.alertGrouping.config.timeout: 0 is less than the
minimum of 60`` for every problem at once, not one per attempt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from .errors import InputError
from .redaction import QUOTE_LIMIT, TEXT_LIMIT, clip

# Keywords that say nothing about the instance, so a branch carrying them is still presence-only.
_ANNOTATIONS = frozenset({"title", "description", "$comment"})
# One branch of a presence-only oneOf/anyOf: (fields it requires, fields it forbids).
Presence = tuple[list[str], list[str]]


def _json_path(error: ValidationError) -> str:
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _names(values: Any) -> list[str] | None:
    if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
        return list(values)
    return None


def _forbidden(negated: Any) -> list[str] | None:
    """Fields ``not`` forbids: ``{"required": [x]}`` or ``{"anyOf": [{"required": [x]}, ...]}``.

    ``not: {"required": [a, b]}`` only forbids a and b together, so it is not read as two
    forbidden fields; such branches keep jsonschema's own message.
    """
    if not isinstance(negated, dict) or set(negated) - _ANNOTATIONS - {"required", "anyOf"}:
        return None
    if "required" in negated and "anyOf" in negated:
        return None
    options = negated.get("anyOf", [negated])
    if not isinstance(options, list):
        return None
    out: list[str] = []
    for option in options:
        if not isinstance(option, dict) or set(option) - _ANNOTATIONS != {"required"}:
            return None
        names = _names(option["required"])
        if names is None or len(names) != 1:
            return None
        out += names
    return out


def _presence_branches(branches: Any) -> list[Presence] | None:
    """The branches as (required, forbidden) if each only says which fields must be present."""
    if not isinstance(branches, list) or len(branches) < 2:
        return None
    out: list[Presence] = []
    for branch in branches:
        if not isinstance(branch, dict) or set(branch) - _ANNOTATIONS - {"required", "not"}:
            return None
        required = _names(branch.get("required"))
        forbidden = _forbidden(branch["not"]) if "not" in branch else []
        if required is None or forbidden is None:
            return None
        out.append((required, forbidden))
    return out


def _join(words: Sequence[str], last: str) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _are(words: Sequence[str]) -> str:
    return "is" if len(words) == 1 else "are"


def _presence_message(error: ValidationError) -> str | None:
    """A message naming the fields for a oneOf/anyOf whose branches differ only by which
    fields are present (``give exactly one of A or B``); None for any other combinator.

    jsonschema's own message ("... is not valid under any of the given schemas") names no
    field, and each branch's errors (``'A' is a required property``) would each be wrong
    advice on its own.
    """
    branches = _presence_branches(error.validator_value)
    instance = error.instance
    if branches is None or not isinstance(instance, dict):
        return None
    requireds = [required for required, _ in branches]
    mentioned = list(
        dict.fromkeys(f for required, forbidden in branches for f in required + forbidden)
    )
    exclusive = error.validator == "oneOf" or all(
        set(forbidden)
        >= {f for other in requireds if other is not required for f in other} - set(required)
        for required, forbidden in branches
    )
    alternatives = [r[0] if len(r) == 1 else f"({_join(r, 'and')})" for r in requireds]
    rule = f"give {'exactly' if exclusive else 'at least'} one of {_join(alternatives, 'or')}"
    present = [f for f in mentioned if f in instance]
    if any(all(f in instance for f in required) for required in requireds):
        # Some branch has its fields, so the others' fields (or a forbidden one) are too many.
        several = "both" if len(requireds) == 2 else "several"
        return f"{rule}, not {several} ({_join(present, 'and')} {_are(present)} set)"
    if not present:
        return f"{rule} ({'neither' if len(requireds) == 2 else 'none'} is set)"
    return f"{rule} (only {_join(present, 'and')} {_are(present)} set)"


def _flatten(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """Replace an unhelpful oneOf/anyOf summary by a message naming the fields when its
    branches differ only by ``required`` (and ``not required``), else by the errors of its
    closest branch."""
    out: list[ValidationError] = []
    for error in errors:
        if error.validator in ("oneOf", "anyOf"):
            message = _presence_message(error)
            if message is not None:
                error.message = message
                out.append(error)
                continue
        if error.validator in ("oneOf", "anyOf") and error.context:
            by_branch: dict[Any, list[ValidationError]] = {}
            for sub in error.context:
                by_branch.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)
            # The branch with the deepest match and fewest errors is the one the caller meant.
            best = min(
                by_branch.values(),
                key=lambda errs: (-max(len(e.absolute_path) for e in errs), len(errs)),
            )
            if best and max(len(e.absolute_path) for e in best) > len(error.absolute_path):
                out.extend(_flatten(best))
                continue
        out.append(error)
    return out


def _quoted(value: Any) -> str:
    return clip(repr(value), QUOTE_LIMIT)


def _worded(error: ValidationError) -> str:
    """A ``pattern`` error says what the value should look like when the schema says so in
    ``x-pattern-hint``, instead of quoting the regular expression.

    A long rejected value is quoted cut short: jsonschema's messages begin with the whole
    value, which may be most of the body."""
    hint = error.schema.get("x-pattern-hint") if isinstance(error.schema, dict) else None
    if error.validator == "pattern" and isinstance(hint, str):
        return f"must be {hint}, not {_quoted(error.instance)}"
    message = error.message
    if len(message) > QUOTE_LIMIT:
        whole = repr(error.instance)
        if len(whole) > QUOTE_LIMIT and message.startswith(whole):
            message = _quoted(error.instance) + message[len(whole) :]
    return clip(message, TEXT_LIMIT // 4)  # an error's message quotes several of them


def describe_errors(validator: Draft202012Validator, instance: Any) -> list[dict[str, str]]:
    """All errors of ``instance``, sorted by path, as ``{"path", "message"}`` dicts."""
    errors = _flatten(validator.iter_errors(instance))
    described = [{"path": clip(_json_path(e), QUOTE_LIMIT), "message": _worded(e)} for e in errors]
    unique = {(d["path"], d["message"]): d for d in described}
    return sorted(unique.values(), key=lambda d: (d["path"], d["message"]))


def input_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """The validator of an action's input schema (formats checked)."""
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def check_action_input(validator: Draft202012Validator, action_id: str, payload: Any) -> None:
    """Raise the caller's :class:`InputError` listing every problem of an action's input.

    The registry and the dependency sync's ``POST /v2/sync`` both call this, so one input is
    refused with the same message and the same field paths whichever way it came in.
    """
    details = describe_errors(validator, payload)
    if details:
        summary = "; ".join(f"{d['path']}: {d['message']}" for d in details[:5])
        more = f" (and {len(details) - 5} more)" if len(details) > 5 else ""
        raise InputError(f"invalid input for {action_id}: {summary}{more}", details=details)
