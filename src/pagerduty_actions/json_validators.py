"""jsonschema's Draft 2020-12 and draft-07 validators with patterns read as ECMA-262 reads them.

Every place that validates a value against a JSON Schema builds its validator from these
classes, so ``"PABC\\n"`` fails ``^[A-Z0-9]{2,20}$`` here as it does in Backstage (see
``json_pattern``). ``check_schema`` and every other class method are jsonschema's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator, ValidationError, validators

from .json_pattern import matches


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, properties: dict[str, Any], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in properties.items():
        for key, value in instance.items():
            if matches(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


_KEYWORDS = {"pattern": _pattern, "patternProperties": _pattern_properties}

Draft202012: type[Draft202012Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, _KEYWORDS
)
Draft7: type[Draft7Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft7Validator, _KEYWORDS
)
