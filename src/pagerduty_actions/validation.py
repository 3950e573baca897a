"""JSON Schema validation that reports every error, each with a JSON path a person can follow.

One place for it because input, output and config validation must read the same way: a
template author fixing their step gets ``$.alertGrouping.config.timeout: 0 is less than the
minimum of 60`` for every problem at once, not one per attempt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, cast
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from .errors import InputError
from .redaction import QUOTE_LIMIT, TEXT_LIMIT, clip
from .schema_checks import fast_validator, quick_is_valid
from .suggestions import closest

#: Draft 2020-12's format checks, plus ``uri``: jsonschema checks it only with an optional
#: package we do not install, so ``apiBaseUrl: not a url`` passed. An absolute URI here is a
#: scheme and something after it, with no white space.
FORMAT_CHECKER = FormatChecker()
FORMAT_CHECKER.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)


@FORMAT_CHECKER.checks("uri")
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    has_scheme = re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme) is not None
    return has_scheme and bool(parts.netloc or parts.path) and not re.search(r"\s", value)


# Keywords that say nothing about the instance, so a branch carrying them is still presence-only.
_ANNOTATIONS = frozenset({"title", "description", "$comment"})
# One branch of a presence-only oneOf/anyOf: (fields it requires, fields it forbids, and the
# value some required fields must have: ``{"const": v}`` or ``{"type": t}``).
Presence = tuple[list[str], list[str], dict[str, dict[str, Any]]]
# An error's place as path parts (``("alertGrouping", "type")``) and what to say there.
Located = tuple[tuple[str | int, ...], str]
# How many allowed values or known properties a message lists before saying how many more.
_LISTED = 20
_JSON_TYPES = {
    "string": "a string",
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a number",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


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


def _value_condition(schema: Any) -> dict[str, Any] | None:
    """A required field's value rule a presence message can word: one ``const`` or one JSON
    ``type`` (``{"remove": {"const": true}}``, ``{"integrationKey": {"type": "string"}}``)."""
    if not isinstance(schema, dict):
        return None
    rule = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
    if set(rule) == {"const"} or (set(rule) == {"type"} and rule["type"] in _JSON_TYPES):
        return rule
    return None


def _presence_branches(branches: Any) -> list[Presence] | None:
    """The branches as (required, forbidden, conditions) if each only says which fields must
    be present, and at most what constant or type a required field must have."""
    if not isinstance(branches, list) or len(branches) < 2:
        return None
    out: list[Presence] = []
    for branch in branches:
        if not isinstance(branch, dict) or set(branch) - _ANNOTATIONS - {
            "required",
            "not",
            "properties",
        }:
            return None
        required = _names(branch.get("required"))
        forbidden = _forbidden(branch["not"]) if "not" in branch else []
        if required is None or forbidden is None:
            return None
        properties = branch.get("properties", {})
        if not isinstance(properties, dict) or set(properties) - set(required):
            return None
        conditions: dict[str, dict[str, Any]] = {}
        for name, schema in properties.items():
            condition = _value_condition(schema)
            if condition is None:
                return None
            conditions[name] = condition
        out.append((required, forbidden, conditions))
    return out


def _join(words: Sequence[str], last: str) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _are(words: Sequence[str]) -> str:
    return "is" if len(words) == 1 else "are"


def _json_value(value: Any) -> str:
    """A value as a person reads it in JSON or YAML: ``'text'``, ``true``, ``null``, ``120``."""
    if isinstance(value, str):
        return _quoted(value)
    try:
        return clip(json.dumps(value), QUOTE_LIMIT)
    except (TypeError, ValueError):
        return _quoted(value)


def _meets(value: Any, condition: dict[str, Any]) -> bool:
    if "const" in condition:
        wanted = condition["const"]
        return type(value) is type(wanted) and bool(value == wanted)
    kind = condition["type"]
    checks = {
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
        "null": value is None,
    }
    return checks[kind]


def _alternative(required: list[str], conditions: dict[str, dict[str, Any]]) -> str:
    """One branch in words: ``serviceId``, ``remove: true``, ``integrationKey (a string)``."""
    words = []
    for name in required:
        condition = conditions.get(name)
        if condition is None:
            words.append(name)
        elif "const" in condition:
            words.append(f"{name}: {_json_value(condition['const'])}")
        else:
            words.append(f"{name} ({_JSON_TYPES[condition['type']]})")
    return words[0] if len(words) == 1 else f"({_join(words, 'and')})"


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
    requireds = [required for required, _, _ in branches]
    mentioned = list(
        dict.fromkeys(f for required, forbidden, _ in branches for f in required + forbidden)
    )
    exclusive = error.validator == "oneOf" or all(
        set(forbidden)
        >= {f for other in requireds if other is not required for f in other} - set(required)
        for required, forbidden, _ in branches
    )
    alternatives = [_alternative(required, conditions) for required, _, conditions in branches]
    rule = f"give {'exactly' if exclusive else 'at least'} one of {_join(alternatives, 'or')}"
    present = [f for f in mentioned if f in instance]
    if any(
        all(f in instance for f in required)
        and all(_meets(instance[f], condition) for f, condition in conditions.items())
        for required, _, conditions in branches
    ):
        # Some branch has its fields, so the others' fields (or a forbidden one) are too many.
        several = "both" if len(requireds) == 2 else "several"
        return f"{rule}, not {several} ({_join(present, 'and')} {_are(present)} set)"
    if not present:
        return f"{rule} ({'neither' if len(requireds) == 2 else 'none'} is set)"
    # A field set to a value its branch does not take is shown with that value.
    unmet = {
        f
        for _, _, conditions in branches
        for f, condition in conditions.items()
        if f in instance and not _meets(instance[f], condition)
    }
    shown = [f"{f}: {_json_value(instance[f])}" if f in unmet else f for f in present]
    return f"{rule} (only {_join(shown, 'and')} {_are(present)} set)"


def _constants_message(error: ValidationError) -> str | None:
    """For a oneOf/anyOf where every branch that takes the value's type is a list of
    constants (``oneOf: [{enum: [intelligent, time]}, {type: object, ...}]`` given a string),
    the message of one enum of all of them: the allowed values and the closest one."""
    branches = error.validator_value
    if not isinstance(branches, list) or not error.context:
        return None
    errors_of: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        errors_of.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
    values: list[Any] = []
    title: str | None = None
    for index, branch in enumerate(branches):
        found = errors_of.get(index)
        if not found:
            return None  # a branch the value meets: not a question of allowed constants
        if all(e.validator == "type" and not e.relative_path for e in found):
            continue  # the branch takes another type of value altogether
        if not isinstance(branch, dict) or set(branch) - _ANNOTATIONS - {"enum", "const"}:
            return None
        values += branch["enum"] if isinstance(branch.get("enum"), list) else []
        values += [branch["const"]] if "const" in branch else []
        title = title or (branch.get("title") if isinstance(branch.get("title"), str) else None)
    if not values:
        return None
    parent_title = error.schema.get("title") if isinstance(error.schema, dict) else None
    return _enum_message(error.instance, values, title or _text_or_none(parent_title))


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def _listed(values: Sequence[Any]) -> str:
    words = [_json_value(v) for v in values[:_LISTED]]
    more = f" and {len(values) - _LISTED} more" if len(values) > _LISTED else ""
    return ", ".join(words) + more


def _enum_message(instance: Any, values: Sequence[Any], title: str | None) -> str:
    """What was given, the closest allowed value and every allowed value: ``'inteligent' is
    not an alert grouping type; did you mean 'intelligent'? (allowed: 'intelligent', ...)``
    with the schema's ``title``, else ``'comit' is not one of 'pull-request', 'commit'; did
    you mean 'commit'?``."""
    allowed = _listed(_unique(values))
    meant = None
    if isinstance(instance, str):
        meant = closest(instance, [v for v in values if isinstance(v, str)])
    suggestion = f"; did you mean {_json_value(meant)}?" if meant and meant != instance else ""
    if title:
        given = f"{_json_value(instance)} is not {_article(title)} {title}"
        return f"{given}{suggestion} (allowed: {allowed})"
    return f"{_json_value(instance)} is not one of {allowed}{suggestion}"


def _unique(values: Sequence[Any]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for value in values:
        key = json.dumps(value, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _flatten(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """Replace an unhelpful oneOf/anyOf summary by a message naming the fields when its
    branches differ only by ``required`` (and ``not required``), by the allowed values when
    the branches that take the value's type are constants, else by the errors of its
    closest branch."""
    out: list[ValidationError] = []
    for error in errors:
        if error.validator in ("oneOf", "anyOf"):
            message = _presence_message(error) or _constants_message(error)
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
    """jsonschema's message, or ours where it does not say what is allowed.

    A ``pattern`` error says what the value should look like when the schema says so in
    ``x-pattern-hint``, instead of quoting the regular expression; an ``enum`` lists the
    allowed values (after the schema's ``title``, when it has one) and the closest of them;
    a ``const`` says the one value allowed. A long rejected value is quoted cut short:
    jsonschema's messages begin with the whole value, which may be most of the body."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    hint = schema.get("x-pattern-hint")
    if error.validator == "pattern" and isinstance(hint, str):
        return f"must be {hint}, not {_quoted(error.instance)}"
    if error.validator == "enum" and isinstance(error.validator_value, list):
        title = _text_or_none(schema.get("title"))
        return clip(_enum_message(error.instance, error.validator_value, title), TEXT_LIMIT // 4)
    if error.validator == "format" and error.validator_value == "uri":
        return f"must be an absolute URL such as https://example.com, not {_quoted(error.instance)}"
    if error.validator == "const":
        wanted, given = _json_value(error.validator_value), _json_value(error.instance)
        return f"must be {wanted}, not {given}"
    message = error.message
    if len(message) > QUOTE_LIMIT:
        whole = repr(error.instance)
        if len(whole) > QUOTE_LIMIT and message.startswith(whole):
            message = _quoted(error.instance) + message[len(whole) :]
    return clip(message, TEXT_LIMIT // 4)  # an error's message quotes several of them


def _unknown_properties(error: ValidationError) -> list[Located] | None:
    """``additionalProperties: false``: one error per unknown key, at the key's own path,
    listing the known properties and the closest of them (``'alertGroupin' is not a known
    property (...); did you mean 'alertGrouping'?``). None when the schema allows more."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if schema.get("additionalProperties") is not False or not isinstance(error.instance, dict):
        return None
    known = [str(k) for k in schema.get("properties") or {}]
    patterns = [p for p in schema.get("patternProperties") or {} if isinstance(p, str)]
    extra = [
        key
        for key in error.instance
        if key not in known and not any(_matches(pattern, str(key)) for pattern in patterns)
    ]
    if not extra or patterns:
        return None  # jsonschema's own words name the patterns a key must match
    place = tuple(error.absolute_path)
    listed = ", ".join(known[:_LISTED]) + (
        f" and {len(known) - _LISTED} more" if len(known) > _LISTED else ""
    )
    out: list[Located] = []
    for key in extra:
        meant = closest(str(key), known)
        text = f"{_json_value(key)} is not a known property"
        text += f"; did you mean {_json_value(meant)}?" if meant else ""
        text += f" (known: {listed})" if known else " (this object takes none)"
        out.append(((*place, key), text))
    return out


def _matches(pattern: str, key: str) -> bool:
    try:
        return re.search(pattern, key) is not None
    except re.error:
        return False


def _not_message(error: ValidationError) -> str | None:
    """``not: {required: [a, b]}`` (or an ``anyOf`` of such) in words: ``give a or b, not
    both``. "" when the value is not an object (the ``type`` error already says what is
    wrong, and "should not be valid under {...}" would only repeat the schema)."""
    negated = error.validator_value
    if not isinstance(negated, dict) or set(negated) - _ANNOTATIONS - {"required", "anyOf"}:
        return None
    options = negated.get("anyOf", [negated])
    if ("anyOf" in negated and "required" in negated) or not isinstance(options, list):
        return None
    groups: list[list[str]] = []
    for option in options:
        if not isinstance(option, dict) or set(option) - _ANNOTATIONS != {"required"}:
            return None
        names = _names(option["required"])
        if names is None:
            return None
        groups.append(names)
    if not isinstance(error.instance, dict):
        return ""
    clashes = [names for names in groups if all(n in error.instance for n in names)]
    words = [
        f"give {names[0]} or {names[1]}, not both"
        if len(names) == 2
        else f"{_join(names, 'and')} cannot be set together"
        for names in clashes
    ]
    return "; ".join(words) or None


def located_errors(validator: Any, instance: Any) -> list[tuple[Located, ValidationError]]:
    """Every error of ``instance``, worded, with its place as path parts, and the jsonschema
    error it came from (lint keeps or drops it by what it is about)."""
    out: list[tuple[Located, ValidationError]] = []
    for error in _flatten(validator.iter_errors(instance)):
        unknown = _unknown_properties(error) if error.validator == "additionalProperties" else None
        if unknown is not None:
            out += [(located, error) for located in unknown]
            continue
        message = _not_message(error) if error.validator == "not" else None
        if message == "":
            continue
        out.append(((tuple(error.absolute_path), message or _worded(error)), error))
    return out


def json_path(parts: Iterable[str | int]) -> str:
    """``("tags", 1)`` -> ``$.tags[1]``."""
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def describe_errors(validator: Draft202012Validator, instance: Any) -> list[dict[str, str]]:
    """All errors of ``instance``, sorted by path, as ``{"path", "message"}`` dicts."""
    described = [
        {"path": clip(json_path(parts), QUOTE_LIMIT), "message": message}
        for (parts, message), _ in located_errors(validator, instance)
    ]
    unique = {(d["path"], d["message"]): d for d in described}
    return sorted(unique.values(), key=lambda d: (d["path"], d["message"]))


def input_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """The validator of an action's input schema (formats checked): jsonschema's Draft 2020-12
    validator, extended to walk only into the parts of a value that hold an error
    (``schema_checks``; the same errors), built once per distinct schema."""
    return cast(Draft202012Validator, fast_validator(schema, Draft202012Validator.FORMAT_CHECKER))


def output_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """The validator of an action's output schema (formats not checked: the output is ours),
    built like :func:`input_validator`; :func:`quick_is_valid` answers a valid output by its
    compiled check alone, so a run's output costs no walk unless it breaks the schema."""
    return cast(Draft202012Validator, fast_validator(schema))


def check_action_input(validator: Draft202012Validator, action_id: str, payload: Any) -> None:
    """Raise the caller's :class:`InputError` listing every problem of an action's input.

    The registry and the dependency sync's ``POST /v2/sync`` both call this, so one input is
    refused with the same message and the same field paths whichever way it came in.
    """
    if quick_is_valid(validator, payload):
        return
    details = describe_errors(validator, payload)
    if details:
        summary = "; ".join(f"{d['path']}: {d['message']}" for d in details[:5])
        more = f" (and {len(details) - 5} more)" if len(details) > 5 else ""
        raise InputError(f"invalid input for {action_id}: {summary}{more}", details=details)
