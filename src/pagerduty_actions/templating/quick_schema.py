"""jsonschema's verdict on a value, without importing jsonschema, where it can be told exactly.

Importing jsonschema costs a lint more than half of its own work (``referencing``, attrs
classes, every meta-schema read from disk, the format libraries it finds installed), and a
template worth linting usually has nothing to report: its document fits the Template schema,
its parameter pages are valid draft-07 schemas, its inputs fit their actions. This module
answers only "would jsonschema find no error at all?"; whoever asks goes to jsonschema itself
for anything else, so every message a user reads is still jsonschema's (with our wording on
top), and a value with an error costs what it always cost.

The answer is exact or absent: :class:`QuickValidator` follows the keywords of draft-07 and
draft 2020-12 as jsonschema 4 applies them (``$ref`` hiding its siblings in draft-07, booleans
being neither integers nor numbers, ``1 == 1.0`` but ``1 != true`` in ``enum``/``const``, an
``integer`` being a float without a fraction too, keyword values that are not of their kind
making no check) and raises :class:`Unsupported` for anything it does not follow exactly: a
``$ref`` that is not a JSON pointer into the same document, an ``$id``/``$schema`` below the
root, ``unevaluated*``, dynamic references, a ``format`` other than ``regex`` when formats are
checked, ``uniqueItems`` over anything but strings or numbers, any exception on the way.
``tests/templating/test_quick_schema.py`` holds it to jsonschema on every schema and value the
repository has and on generated ones.
"""

from __future__ import annotations

import json
import numbers
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from pagerduty_actions.json_pattern import matches


class Unsupported(Exception):
    """The verdict cannot be told here exactly: ask jsonschema."""


@dataclass(frozen=True)
class Draft:
    """What one draft's validator applies: its keywords, its ``$schema`` URIs, its rules."""

    name: str
    uris: frozenset[str]
    keywords: frozenset[str]
    #: draft-07: a schema with ``$ref`` applies ``$ref`` alone.
    ref_hides_siblings: bool


_COMMON = frozenset(
    [
        "$ref",
        "additionalProperties",
        "allOf",
        "anyOf",
        "const",
        "contains",
        "enum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "format",
        "if",
        "items",
        "maxItems",
        "maxLength",
        "maxProperties",
        "maximum",
        "minItems",
        "minLength",
        "minProperties",
        "minimum",
        "multipleOf",
        "not",
        "oneOf",
        "pattern",
        "patternProperties",
        "properties",
        "propertyNames",
        "required",
        "type",
        "uniqueItems",
    ]
)

DRAFT7 = Draft(
    "draft7",
    frozenset(
        {"http://json-schema.org/draft-07/schema#", "http://json-schema.org/draft-07/schema"}
    ),
    _COMMON | {"additionalItems", "dependencies"},
    ref_hides_siblings=True,
)
DRAFT202012 = Draft(
    "draft2020-12",
    frozenset(
        {
            "https://json-schema.org/draft/2020-12/schema",
            "https://json-schema.org/draft/2020-12/schema#",
        }
    ),
    _COMMON
    | frozenset(
        [
            "$dynamicRef",
            "dependentRequired",
            "dependentSchemas",
            "prefixItems",
            "unevaluatedItems",
            "unevaluatedProperties",
        ]
    ),
    ref_hides_siblings=False,
)

_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_POINTER = re.compile(r"#(?:/[^/~%#]+)*\Z")


def is_type(instance: Any, name: str) -> bool:
    """jsonschema's draft-06-and-later type check (bool is no number; 1.0 is an integer)."""
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "string":
        return isinstance(instance, str)
    if name == "null":
        return instance is None
    if name == "boolean":
        return isinstance(instance, bool)
    if name == "number":
        return isinstance(instance, numbers.Number) and not isinstance(instance, bool)
    if name == "integer":
        if isinstance(instance, bool):
            return False
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    raise Unsupported(f"unknown type {name!r}")


def same(one: Any, two: Any) -> bool:
    """jsonschema's equality for ``enum``/``const``: true and 1 differ, 1 and 1.0 do not,
    sequences and mappings compare item by item under the same rule."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(same(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(k in two and same(v, two[k]) for k, v in one.items())
    if isinstance(one, bool) or isinstance(two, bool):
        return False  # `one is two` failed: two different booleans, or a boolean and another
    return bool(one == two)


def _unique(items: list[Any]) -> bool:
    """``uniqueItems`` where its answer is plain: all strings, or all numbers (no NaN)."""
    if all(isinstance(item, str) for item in items):
        return len(set(items)) == len(items)
    if all(
        isinstance(item, int | float) and not isinstance(item, bool) and item == item
        for item in items
    ):
        return len(set(items)) == len(items)
    raise Unsupported("uniqueItems over values other than strings or numbers")


class QuickValidator:
    """Tells whether jsonschema's validator of ``draft`` for ``root`` finds no error.

    ``formats``: whether ``format`` is checked (``check_schema`` checks it; a validator built
    without a format checker does not). Only ``regex`` is followed; any other checked format
    is :class:`Unsupported`, as what jsonschema checks there depends on what is installed.
    """

    def __init__(self, root: Any, draft: Draft, *, formats: bool = False) -> None:
        self.root = root
        self.draft = draft
        self.formats = formats
        if isinstance(root, dict):
            declared = root.get("$schema")
            if declared is not None and declared not in draft.uris:
                raise Unsupported("the root's $schema is another draft")

    # -- the answer ----------------------------------------------------------------------

    def is_valid(self, instance: Any) -> bool:
        """True when jsonschema finds no error; False when it finds one. Raises
        :class:`Unsupported` when that cannot be told here."""
        try:
            return self.valid(self.root, instance)
        except Unsupported:
            raise
        except Exception as exc:  # a regex that does not compile, a bad keyword value
            raise Unsupported(f"{type(exc).__name__} on the way") from exc

    def surely_valid(self, instance: Any) -> bool:
        """True only when jsonschema surely finds no error (False: ask jsonschema)."""
        try:
            return self.is_valid(instance)
        except Unsupported:
            return False

    # -- the keywords ----------------------------------------------------------------------

    def keywords(self, schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        """The keywords of ``schema`` its draft applies, in order; the rest is annotation."""
        if "$schema" in schema and schema is not self.root:
            raise Unsupported("$schema below the root")
        if ("$id" in schema and schema is not self.root) or "$dynamicAnchor" in schema:
            raise Unsupported("a new base URI or dynamic anchor below the root")
        ref = schema.get("$ref")
        if ref is not None and self.draft.ref_hides_siblings:
            yield "$ref", ref
            return
        for key, value in schema.items():
            if key in self.draft.keywords:
                yield key, value

    def valid(self, schema: Any, instance: Any) -> bool:
        """Whether ``instance`` has no error under ``schema`` (a subschema of the root)."""
        if schema is True:
            return True
        if schema is False:
            return False
        if not isinstance(schema, dict):
            raise Unsupported("a schema that is neither an object nor a boolean")
        return all(
            self.keyword_valid(key, value, schema, instance) for key, value in self.keywords(schema)
        )

    def resolve(self, ref: Any) -> Any:
        """The subschema a ``#/a/b`` reference names in the root document."""
        if not isinstance(ref, str) or not _POINTER.match(ref):
            raise Unsupported(f"reference {ref!r}")
        target = self.root
        for part in ref[2:].split("/") if len(ref) > 1 else ():
            if isinstance(target, dict) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                raise Unsupported(f"reference {ref!r} names nothing")
            if isinstance(target, dict) and ("$id" in target or "$schema" in target):
                raise Unsupported(f"reference {ref!r} enters another resource")
        return target

    def keyword_valid(self, key: str, value: Any, schema: dict[str, Any], instance: Any) -> bool:
        check = _CHECKS.get(key)
        if check is None:
            raise Unsupported(f"keyword {key!r}")
        return check(self, value, schema, instance)


# Each check: (validator, the keyword's value, the schema holding it, instance) -> no error.


def _type(v: QuickValidator, types: Any, schema: Any, instance: Any) -> bool:
    names = [types] if isinstance(types, str) else types
    if not isinstance(names, list) or not all(n in _TYPES for n in names):
        raise Unsupported("type")
    return any(is_type(instance, name) for name in names)


def _enum(v: QuickValidator, values: Any, schema: Any, instance: Any) -> bool:
    if not isinstance(values, list):
        raise Unsupported("enum that is not a list")
    return any(same(each, instance) for each in values)


def _const(v: QuickValidator, value: Any, schema: Any, instance: Any) -> bool:
    return same(instance, value)


def _ref(v: QuickValidator, ref: Any, schema: Any, instance: Any) -> bool:
    return v.valid(v.resolve(ref), instance)


def _dynamic(v: QuickValidator, value: Any, schema: Any, instance: Any) -> bool:
    raise Unsupported("dynamic and unevaluated keywords")


def _properties(v: QuickValidator, properties: Any, schema: Any, instance: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    if not isinstance(properties, dict):
        raise Unsupported("properties")
    return all(v.valid(sub, instance[name]) for name, sub in properties.items() if name in instance)


def _pattern_properties(v: QuickValidator, patterns: Any, schema: Any, instance: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(
        v.valid(sub, value)
        for pattern, sub in patterns.items()
        for key, value in instance.items()
        if matches(pattern, key)
    )


def additional_keys(schema: dict[str, Any], instance: dict[str, Any]) -> list[str]:
    """The keys ``additionalProperties`` applies to: neither in ``properties`` nor matched
    by a ``patternProperties`` pattern (jsonschema searches them joined by ``|``)."""
    properties = schema.get("properties", {})
    joined = "|".join(schema.get("patternProperties", {}))
    return [
        key for key in instance if key not in properties and not (joined and re.search(joined, key))
    ]


def _additional_properties(v: QuickValidator, extra: Any, schema: Any, instance: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    keys = additional_keys(schema, instance)
    if isinstance(extra, dict):
        return all(v.valid(extra, instance[key]) for key in keys)
    return bool(extra) or not keys


def _property_names(v: QuickValidator, names: Any, schema: Any, instance: Any) -> bool:
    return not isinstance(instance, dict) or all(v.valid(names, key) for key in instance)


def _required(v: QuickValidator, names: Any, schema: Any, instance: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    if not isinstance(names, list):
        raise Unsupported("required that is not a list")
    return all(name in instance for name in names)


def _dependencies(v: QuickValidator, dependencies: Any, schema: Any, instance: Any) -> bool:
    """draft-07's ``dependencies``: a list of names each present key requires, or a schema."""
    if not isinstance(instance, dict):
        return True
    for name, dependency in dependencies.items():
        if name not in instance:
            continue
        if isinstance(dependency, list):
            if not all(each in instance for each in dependency):
                return False
        elif not v.valid(dependency, instance):
            return False
    return True


def _dependent_required(v: QuickValidator, dependencies: Any, schema: Any, instance: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(
        each in instance
        for name, dependency in dependencies.items()
        if name in instance
        for each in dependency
    )


def _dependent_schemas(v: QuickValidator, dependencies: Any, schema: Any, instance: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(v.valid(sub, instance) for name, sub in dependencies.items() if name in instance)


def _min_properties(v: QuickValidator, limit: Any, schema: Any, instance: Any) -> bool:
    return not isinstance(instance, dict) or not len(instance) < limit


def _max_properties(v: QuickValidator, limit: Any, schema: Any, instance: Any) -> bool:
    return not isinstance(instance, dict) or not len(instance) > limit


def _items(v: QuickValidator, items: Any, schema: Any, instance: Any) -> bool:
    if not isinstance(instance, list):
        return True
    if v.draft.ref_hides_siblings:  # draft-07: a list of schemas, or one for every item
        if isinstance(items, list):
            return all(v.valid(sub, item) for sub, item in zip(items, instance, strict=False))
        return all(v.valid(items, item) for item in instance)
    prefix = len(schema.get("prefixItems", []))
    rest = instance[prefix:]
    if items is False:
        return not rest
    if not isinstance(items, dict | bool):
        raise Unsupported("items")
    return all(v.valid(items, item) for item in rest)


def _prefix_items(v: QuickValidator, prefix: Any, schema: Any, instance: Any) -> bool:
    if not isinstance(instance, list):
        return True
    return all(v.valid(sub, item) for sub, item in zip(prefix, instance, strict=False))


def _additional_items(v: QuickValidator, extra: Any, schema: Any, instance: Any) -> bool:
    """draft-07: only when ``items`` is a list (absent counts as a list of none)."""
    items = schema.get("items", {})
    if not isinstance(instance, list) or isinstance(items, dict):
        return True
    if not isinstance(items, list):
        raise Unsupported("additionalItems beside items that is neither a list nor an object")
    rest = instance[len(items) :]
    if isinstance(extra, dict):
        return all(v.valid(extra, item) for item in rest)
    return bool(extra) or not rest


def _contains(v: QuickValidator, contains: Any, schema: Any, instance: Any) -> bool:
    if not isinstance(instance, list):
        return True
    matches = sum(1 for item in instance if v.valid(contains, item))
    if v.draft.ref_hides_siblings:  # draft-07: at least one
        return matches > 0
    least = schema.get("minContains", 1)
    most = schema.get("maxContains", len(instance))
    return bool(least <= matches <= most)


def _min_items(v: QuickValidator, limit: Any, schema: Any, instance: Any) -> bool:
    return not isinstance(instance, list) or not len(instance) < limit


def _max_items(v: QuickValidator, limit: Any, schema: Any, instance: Any) -> bool:
    return not isinstance(instance, list) or not len(instance) > limit


def _unique_items(v: QuickValidator, unique: Any, schema: Any, instance: Any) -> bool:
    return not unique or not isinstance(instance, list) or _unique(instance)


def _pattern(v: QuickValidator, pattern: Any, schema: Any, instance: Any) -> bool:
    return not isinstance(instance, str) or matches(pattern, instance)


def _min_length(v: QuickValidator, limit: Any, schema: Any, instance: Any) -> bool:
    return not isinstance(instance, str) or not len(instance) < limit


def _max_length(v: QuickValidator, limit: Any, schema: Any, instance: Any) -> bool:
    return not isinstance(instance, str) or not len(instance) > limit


def _format(v: QuickValidator, name: Any, schema: Any, instance: Any) -> bool:
    if not v.formats:
        return True
    if name != "regex":
        raise Unsupported(f"format {name!r}")
    if not isinstance(instance, str):
        return True
    try:
        re.compile(instance)
    except re.error:
        return False
    return True


def _number(instance: Any) -> bool:
    return isinstance(instance, numbers.Number) and not isinstance(instance, bool)


def _minimum(v: QuickValidator, limit: Any, schema: Any, instance: Any) -> bool:
    return not _number(instance) or not instance < limit


def _maximum(v: QuickValidator, limit: Any, schema: Any, instance: Any) -> bool:
    return not _number(instance) or not instance > limit


def _exclusive_minimum(v: QuickValidator, limit: Any, schema: Any, instance: Any) -> bool:
    return not _number(instance) or not instance <= limit


def _exclusive_maximum(v: QuickValidator, limit: Any, schema: Any, instance: Any) -> bool:
    return not _number(instance) or not instance >= limit


def _multiple_of(v: QuickValidator, factor: Any, schema: Any, instance: Any) -> bool:
    if not _number(instance):
        return True
    if isinstance(factor, float):
        quotient = instance / factor
        return bool(int(quotient) == quotient)  # OverflowError: Unsupported (jsonschema
        # then takes exact fractions)
    return not instance % factor


def _all_of(v: QuickValidator, schemas: Any, schema: Any, instance: Any) -> bool:
    return all(v.valid(sub, instance) for sub in schemas)


def _any_of(v: QuickValidator, schemas: Any, schema: Any, instance: Any) -> bool:
    return any(v.valid(sub, instance) for sub in schemas)


def _one_of(v: QuickValidator, schemas: Any, schema: Any, instance: Any) -> bool:
    return sum(1 for sub in schemas if v.valid(sub, instance)) == 1


def _not(v: QuickValidator, negated: Any, schema: Any, instance: Any) -> bool:
    return not v.valid(negated, instance)


def _if(v: QuickValidator, condition: Any, schema: Any, instance: Any) -> bool:
    branch = "then" if v.valid(condition, instance) else "else"
    return branch not in schema or v.valid(schema[branch], instance)


_CHECKS = {
    "$ref": _ref,
    "$dynamicRef": _dynamic,
    "unevaluatedItems": _dynamic,
    "unevaluatedProperties": _dynamic,
    "type": _type,
    "enum": _enum,
    "const": _const,
    "properties": _properties,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    "propertyNames": _property_names,
    "required": _required,
    "dependencies": _dependencies,
    "dependentRequired": _dependent_required,
    "dependentSchemas": _dependent_schemas,
    "minProperties": _min_properties,
    "maxProperties": _max_properties,
    "items": _items,
    "prefixItems": _prefix_items,
    "additionalItems": _additional_items,
    "contains": _contains,
    "minItems": _min_items,
    "maxItems": _max_items,
    "uniqueItems": _unique_items,
    "pattern": _pattern,
    "minLength": _min_length,
    "maxLength": _max_length,
    "format": _format,
    "minimum": _minimum,
    "maximum": _maximum,
    "exclusiveMinimum": _exclusive_minimum,
    "exclusiveMaximum": _exclusive_maximum,
    "multipleOf": _multiple_of,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "if": _if,
}


@lru_cache(maxsize=1)
def draft7_meta_schema() -> dict[str, Any] | None:
    """The draft-07 meta-schema jsonschema checks schemas against, read from the file its
    ``jsonschema_specifications`` package ships (found, not imported: importing it reads
    every meta-schema); None when that file is not where it is looked for."""
    spec = find_spec("jsonschema_specifications")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "schemas" / "draft7" / "metaschema.json"
        if path.is_file():
            loaded = json.loads(path.read_text(encoding="utf-8"))
            return loaded if isinstance(loaded, dict) else None
    return None


def surely_a_draft7_schema(schema: Any) -> bool:
    """True only when ``Draft7Validator.check_schema(schema)`` surely raises nothing."""
    meta = draft7_meta_schema()
    if meta is None:
        return False
    try:
        return QuickValidator(meta, DRAFT7, formats=True).surely_valid(schema)
    except Unsupported:
        return False
