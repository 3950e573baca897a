"""Whether a templated step input surely gets no ``action-input`` finding, told without
jsonschema.

``input_check`` validates an input whose ``${{ }}`` strings are placeholders and keeps only
the errors that stay true whatever they render to: an error about a placeholder, or about a
value holding one, is dropped unless it is structural (a required key missing, a key no
property has). This module walks the schema beside the input the way jsonschema would and
answers True only when every error jsonschema could report there would be dropped, or when
there is none: a value without placeholders must be valid (``quick_schema``'s exact verdict),
a placeholder passes everything, and a value holding one must have its required keys and no
unknown key, its children must pass in turn, and its ``oneOf``/``anyOf`` must hold (or every
branch pass: the error reporter may show a branch's errors instead). Anything else, and
anything ``quick_schema`` cannot tell, answers False: the caller then asks jsonschema, so the
findings are the ones it always gave.

The schemas walked are our actions' (the registry checks them against the meta-schema) and
the built-ins' of ``builtin_schemas``: valid schemas, on which jsonschema raises nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pagerduty_actions.json_pattern import matches
from pagerduty_actions.templating.quick_schema import (
    DRAFT7,
    DRAFT202012,
    QuickValidator,
    Unsupported,
    additional_keys,
)

#: Keywords whose errors are about the value they apply to (never a key or an item): when
#: that value holds a placeholder, the finding filter drops them.
_ABOUT_THE_VALUE = frozenset(
    [
        "type",
        "enum",
        "const",
        "not",
        "minProperties",
        "maxProperties",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "dependentRequired",
        "format",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]
)


def surely_no_problems(
    schema: dict[str, Any],
    inputs: Iterable[Any],
    *,
    draft7: bool,
    is_placeholder: Callable[[Any], bool],
) -> bool:
    """True only when none of ``inputs`` (the input with its placeholders, then each with
    a parameter's known value put in) would give ``input_check`` a problem to report."""
    try:
        walk = _Walk(QuickValidator(schema, DRAFT7 if draft7 else DRAFT202012), is_placeholder)
        return all(walk.quiet(schema, value) for value in inputs)
    except Unsupported:
        return False
    except Exception:  # whatever jsonschema would make of it, it is its answer to give
        return False


class _Walk:
    def __init__(self, validator: QuickValidator, is_placeholder: Callable[[Any], bool]) -> None:
        self._v = validator
        self._is_placeholder = is_placeholder

    def _holds(self, value: Any) -> bool:
        if self._is_placeholder(value):
            return True
        if isinstance(value, dict):
            return any(self._holds(item) for item in value.values())
        if isinstance(value, list):
            return any(self._holds(item) for item in value)
        return False

    def quiet(self, schema: Any, value: Any) -> bool:
        """Whether every error of ``value`` under ``schema`` (and of the branches its
        ``oneOf``/``anyOf`` errors carry) would be dropped, or there is none."""
        if self._is_placeholder(value):
            return True
        if not self._holds(value):
            return self._v.valid(schema, value)
        if schema is True or schema is False:
            return True  # `false`'s error is about this value
        if not isinstance(schema, dict):
            raise Unsupported("a schema that is neither an object nor a boolean")
        return all(
            self._keyword_quiet(key, keyword, schema, value)
            for key, keyword in self._v.keywords(schema)
        )

    def _keyword_quiet(self, key: str, keyword: Any, schema: dict[str, Any], value: Any) -> bool:
        if key in _ABOUT_THE_VALUE:
            return True
        if key in ("oneOf", "anyOf"):
            try:
                if self._v.keyword_valid(key, keyword, schema, value):
                    return True
            except Unsupported:
                pass
            return all(self.quiet(branch, value) for branch in keyword)
        if key in ("allOf", "$ref", "if", "dependencies", "dependentSchemas"):
            return self._same_value_quiet(key, keyword, schema, value)
        if isinstance(value, dict):
            return self._object_quiet(key, keyword, schema, value)
        if isinstance(value, list):
            return self._array_quiet(key, keyword, schema, value)
        return True  # object and array keywords skip other values

    def _same_value_quiet(self, key: str, keyword: Any, schema: dict[str, Any], value: Any) -> bool:
        """Keywords whose subschemas apply to this same value: their errors come as they are."""
        if key == "allOf":
            return all(self.quiet(sub, value) for sub in keyword)
        if key == "$ref":
            return self.quiet(self._v.resolve(keyword), value)
        if key == "if":
            branch = "then" if self._v.valid(keyword, value) else "else"
            return branch not in schema or self.quiet(schema[branch], value)
        if not isinstance(value, dict):
            return True
        return all(
            isinstance(dependency, list) or self.quiet(dependency, value)
            for name, dependency in keyword.items()
            if name in value
        )  # a list of names: its error ("a dependency of") is about this value

    def _object_quiet(self, key: str, keyword: Any, schema: dict[str, Any], value: Any) -> bool:
        if key == "required":
            return all(name in value for name in keyword)  # structural: always reported
        if key == "properties":
            return all(
                self.quiet(sub, value[name]) for name, sub in keyword.items() if name in value
            )
        if key == "patternProperties":
            return all(
                self.quiet(sub, item)
                for pattern, sub in keyword.items()
                for name, item in value.items()
                if matches(pattern, name)
            )
        if key == "additionalProperties":
            extra = additional_keys(schema, value)
            if isinstance(keyword, dict):
                return all(self.quiet(keyword, value[name]) for name in extra)
            return bool(keyword) or not extra  # structural: always reported
        if key == "propertyNames":
            return all(self._v.valid(keyword, name) for name in value)  # about a key
        return self._v.keyword_valid(key, keyword, schema, value) or _raise(key)

    def _array_quiet(
        self, key: str, keyword: Any, schema: dict[str, Any], value: list[Any]
    ) -> bool:
        if key == "prefixItems":
            return all(self.quiet(sub, item) for sub, item in zip(keyword, value, strict=False))
        if key == "items" and self._v.draft is DRAFT7:
            if isinstance(keyword, list):
                return all(self.quiet(sub, item) for sub, item in zip(keyword, value, strict=False))
            return all(self.quiet(keyword, item) for item in value)
        if key == "items":
            rest = value[len(schema.get("prefixItems", [])) :]
            return keyword is False or all(self.quiet(keyword, item) for item in rest)
        if key == "additionalItems":
            items = schema.get("items", {})
            if isinstance(items, dict) or not isinstance(keyword, dict):
                return True  # no check, or an error about this value
            return all(self.quiet(keyword, item) for item in value[len(items) :])
        return self._v.keyword_valid(key, keyword, schema, value) or _raise(key)


def _raise(key: str) -> bool:
    raise Unsupported(f"{key} on a value holding a placeholder")
