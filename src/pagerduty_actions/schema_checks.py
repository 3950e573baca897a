"""A JSON Schema validator that walks only into the parts of a value that hold an error.

jsonschema builds a validator (``evolve``: an attrs object, a resolver, a class lookup) for
every subschema it enters: each property present, each ``oneOf``/``anyOf`` branch, and again
for ``not``, ``if`` and the branches after a ``oneOf``'s first match, whether or not an error
can come out. On an action's input that is most of a refused request's validation time.

Here each subschema of a schema is compiled once into a plain yes/no function with the same
verdict as jsonschema's ``is_valid`` on it. The validator is jsonschema's own Draft 2020-12
validator with its applicators (``properties``, ``items``, ``allOf``, ``anyOf``, ``oneOf``,
``not``, ``if``, ``$ref``) replaced by versions that skip a subschema whose check passes and
otherwise do what jsonschema does (its own keyword function, or the same loop with the same
``descend`` calls): the errors, their order, paths, messages and contexts are jsonschema's.
``tests/foundation/test_schema_checks.py`` compares both walks on every shipped schema.

A keyword the compiler does not know (``contains``, ``unevaluatedProperties``, ...), a
``$ref`` that is not a JSON pointer into the same document, or a document that moves its base
(``$id``, anchors) leaves that part to jsonschema: it is checked by jsonschema's ``is_valid``
and walked as before.
"""

from __future__ import annotations

import json
import numbers
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from .json_pattern import compiled, matches
from .json_validators import Draft202012

Check = Callable[[Any], bool]
Errors = Iterator[ValidationError]
_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_BASE = Draft202012Validator
# jsonschema's own keyword functions, for every case the walk does not short-cut.
_JSONSCHEMA = dict(Draft202012.VALIDATORS)  # patterns read as ECMA-262 (json_pattern)
# Keywords that move a document's base or name a place in it: a document holding any of them
# is left to jsonschema entirely (its references would resolve against another base).
_MOVES_BASE = frozenset({"$id", "$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveRef"})


def _is_integer(x: Any) -> bool:
    return not isinstance(x, bool) and (
        isinstance(x, int) or (isinstance(x, float) and x.is_integer())
    )


def _is_number(x: Any) -> bool:
    return not isinstance(x, bool) and isinstance(x, numbers.Number)


#: Draft 2020-12's type checker, as functions (``test_schema_checks`` compares them with it).
TYPE_TESTS: dict[str, Check] = {
    "array": lambda x: isinstance(x, list),
    "boolean": lambda x: isinstance(x, bool),
    "integer": _is_integer,
    "null": lambda x: x is None,
    "number": _is_number,
    "object": lambda x: isinstance(x, dict),
    "string": lambda x: isinstance(x, str),
}

# (id of a subschema, id of the format checker) -> (the subschema, its check). Entries are
# added when a validator is built (``fast_validator``) and never removed: ``_BUILT`` shares
# one validator between equal schemas, so their number stays that of distinct schemas.
_CHECKS: dict[tuple[int, int], tuple[Any, Check]] = {}
# The same key for a subschema holding a local ``$ref`` -> (it, the check of what it names).
_REF_TARGETS: dict[tuple[int, int], tuple[Any, Check]] = {}
_CONTESTED: set[tuple[int, int]] = set()
_BUILT: dict[tuple[str, int], tuple[FormatChecker | None, Any]] = {}


def _yes(_: Any) -> bool:
    return True


def _no(_: Any) -> bool:
    return False


def _known(validator: Any, schema: Any) -> Check | None:
    """The compiled check of ``schema`` under ``validator``'s format checker, if any."""
    entry = _CHECKS.get((id(schema), id(validator.format_checker)))
    return entry[1] if entry is not None and entry[0] is schema else None


class _Compiler:
    """Compiles the subschemas of one document for one validator (its format checker)."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.key = id(root.format_checker)
        self.done: dict[int, Check] = {}
        self.built: list[tuple[Any, Check]] = []
        self.refs: list[tuple[Any, Check]] = []

    def publish(self) -> None:
        """Make this document's checks known to the walk. A subschema object another document
        shares, holding a ``$ref`` (which may name something else there), gets no check."""
        for table, entries in ((_CHECKS, self.built), (_REF_TARGETS, self.refs)):
            for schema, check in entries:
                key = (id(schema), self.key)
                other = table.get(key)
                if other is not None and other[0] is schema and other[1] is not check:
                    if _holds_ref(schema):
                        _CONTESTED.add(key)
                    continue
                table[key] = (schema, check)
                if isinstance(schema, dict) and _is_leaf(schema):
                    _LEAVES.add(id(schema))
        for key in _CONTESTED:
            _CHECKS.pop(key, None)
            _REF_TARGETS.pop(key, None)

    def check(self, schema: Any) -> Check:
        found = self.done.get(id(schema))
        if found is not None:
            return found
        cell: list[Check] = []
        self.done[id(schema)] = lambda x: cell[0](x)  # a $ref cycle reaches it before it is built
        compiled = self._compile(schema)
        cell.append(compiled)
        self.done[id(schema)] = compiled
        self.built.append((schema, compiled))
        return compiled

    def _compile(self, schema: Any) -> Check:
        if schema is True:
            return _yes
        if schema is False:
            return _no
        if not isinstance(schema, dict) or schema.get("$schema", _DRAFT) != _DRAFT:
            return self._jsonschema(schema)
        parts: list[Check] = []
        for keyword, value in schema.items():
            if keyword not in _BASE.VALIDATORS:
                continue  # an annotation, $defs, then/else (read by "if"): no verdict of its own
            make = _KEYWORDS.get(keyword)
            part = make(self, value, schema) if make is not None else None
            if part is None:
                return self._jsonschema(schema)
            parts.append(part)
        if not parts:
            return _yes
        if len(parts) == 1:
            return parts[0]

        def every(x: Any) -> bool:
            for part in parts:  # noqa: SIM110 - no generator per call: the hot path
                if not part(x):
                    return False
            return True

        return every

    def _jsonschema(self, schema: Any) -> Check:
        """jsonschema's own verdict, for what the compiler does not read."""
        return bool_check(self.root.evolve(schema=schema).is_valid)

    def delegate(self, keyword: str, value: Any, schema: dict[str, Any]) -> Check:
        """A keyword that looks at the value alone, decided by jsonschema's own function."""
        function, root = _BASE.VALIDATORS[keyword], self.root

        def test(x: Any) -> bool:
            for _ in function(root, value, x, schema) or ():
                return False
            return True

        return test

    def resolve(self, ref: Any) -> Any:
        """The subschema a ``#/json/pointer`` reference names in this document, or None."""
        if not isinstance(ref, str) or not ref.startswith("#"):
            return None
        target: Any = self.root.schema
        pointer = unquote(ref[1:])
        if not pointer:
            return target
        if not pointer.startswith("/"):
            return None  # a plain-name fragment: an anchor
        for token in pointer[1:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and token in target:
                target = target[token]
            elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                target = target[int(token)]
            else:
                return None
        return target


def bool_check(function: Callable[[Any], Any]) -> Check:
    return lambda x: bool(function(x))


# -- one compiler per keyword: a check, or None to leave the whole subschema to jsonschema --------


def _type(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(n in TYPE_TESTS for n in names):
        return None
    tests = [TYPE_TESTS[n] for n in names]
    return tests[0] if len(tests) == 1 else (lambda x: any(t(x) for t in tests))


def _required(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    if not isinstance(value, list):
        return None
    names = list(value)

    def test(x: Any) -> bool:
        if isinstance(x, dict):
            for name in names:
                if name not in x:
                    return False
        return True

    return test


def _properties(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    if not isinstance(value, dict):
        return None
    checks = {name: c.check(sub) for name, sub in value.items()}

    def test(x: Any) -> bool:
        if isinstance(x, dict):
            for name, item in x.items():
                check = checks.get(name)
                if check is not None and not check(item):
                    return False
        return True

    return test


def _additional(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    known = schema.get("properties", {})
    patterns = "|".join(schema.get("patternProperties", {}))
    each = c.check(value) if isinstance(value, dict) else None
    refuse = each is None and not value

    def test(x: Any) -> bool:
        if not isinstance(x, dict):
            return True
        for name in x:
            if name in known or (patterns and re.search(patterns, name)):
                continue
            if refuse or (each is not None and not each(x[name])):
                return False
        return True

    return test


def _pattern_properties(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    if not isinstance(value, dict):
        return None
    pairs = [(pattern, c.check(sub)) for pattern, sub in value.items()]

    def test(x: Any) -> bool:
        if isinstance(x, dict):
            for pattern, check in pairs:
                for name, item in x.items():
                    if matches(pattern, name) and not check(item):
                        return False
        return True

    return test


def _property_names(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    check = c.check(value)
    return lambda x: not isinstance(x, dict) or all(check(name) for name in x)


def _items_check(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    prefix = len(schema.get("prefixItems", []))
    if value is False:
        return lambda x: not isinstance(x, list) or len(x) <= prefix
    check = c.check(value)
    return lambda x: not isinstance(x, list) or all(check(item) for item in x[prefix:])


def _prefix_items(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    if not isinstance(value, list):
        return None
    checks = [c.check(sub) for sub in value]
    return lambda x: not isinstance(x, list) or all(k(i) for i, k in zip(x, checks, strict=False))


def _dependent_schemas(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    if not isinstance(value, dict):
        return None
    pairs = [(name, c.check(sub)) for name, sub in value.items()]
    return lambda x: not isinstance(x, dict) or all(k(x) for n, k in pairs if n in x)


def _all_of(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    if not isinstance(value, list):
        return None
    checks = [c.check(sub) for sub in value]
    return lambda x: all(check(x) for check in checks)


def _any_of_check(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    if not isinstance(value, list):
        return None
    checks = [c.check(sub) for sub in value]
    return lambda x: any(check(x) for check in checks)


def _one_of_check(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    if not isinstance(value, list):
        return None
    checks = [c.check(sub) for sub in value]

    def test(x: Any) -> bool:
        found = False
        for check in checks:
            if check(x):
                if found:
                    return False
                found = True
        return found

    return test


def _not_check(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    check = c.check(value)
    return lambda x: not check(x)


def _if_check(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    condition = c.check(value)
    then = c.check(schema["then"]) if "then" in schema else _yes
    otherwise = c.check(schema["else"]) if "else" in schema else _yes
    return lambda x: then(x) if condition(x) else otherwise(x)


def _ref_check(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    target = c.resolve(value)
    if target is None:
        return None
    check = c.check(target)
    c.refs.append((schema, check))
    return check


def _length(bound: str) -> Callable[[_Compiler, Any, dict[str, Any]], Check | None]:
    """minLength/maxLength/minItems/...: a size bound on one JSON type, as jsonschema reads it."""
    kind = {"Length": str, "Items": list, "Properties": dict}[bound[3:]]
    below = bound.startswith("min")

    def make(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        if below:
            return lambda x: not (isinstance(x, kind) and len(x) < value)
        return lambda x: not (isinstance(x, kind) and len(x) > value)

    return make


def _number_bound(compare: Callable[[Any, Any], bool]) -> Callable[..., Check | None]:
    def make(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
        if not _is_number(value):
            return None
        return lambda x: not (_is_number(x) and compare(x, value))

    return make


def _pattern(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    try:
        search = compiled(value).search
    except (TypeError, re.error):
        return None
    return lambda x: not isinstance(x, str) or search(x) is not None


def _enum(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    if not isinstance(value, list):
        return None
    general = c.delegate("enum", value, schema)
    words = frozenset(v for v in value if type(v) is str)
    # A string equals only a string (jsonschema's ``equal`` compares them with ==).
    return lambda x: x in words if type(x) is str else general(x)


def _const(c: _Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    general = c.delegate("const", value, schema)
    if type(value) is str:
        return lambda x: x == value if type(x) is str else general(x)
    return general


def _delegated(keyword: str) -> Callable[[_Compiler, Any, dict[str, Any]], Check | None]:
    return lambda c, value, schema: c.delegate(keyword, value, schema)


_KEYWORDS: dict[str, Callable[[_Compiler, Any, dict[str, Any]], Check | None]] = {
    "type": _type,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional,
    "patternProperties": _pattern_properties,
    "propertyNames": _property_names,
    "items": _items_check,
    "prefixItems": _prefix_items,
    "dependentSchemas": _dependent_schemas,
    "allOf": _all_of,
    "anyOf": _any_of_check,
    "oneOf": _one_of_check,
    "not": _not_check,
    "if": _if_check,
    "$ref": _ref_check,
    "minLength": _length("minLength"),
    "maxLength": _length("maxLength"),
    "minItems": _length("minItems"),
    "maxItems": _length("maxItems"),
    "minProperties": _length("minProperties"),
    "maxProperties": _length("maxProperties"),
    "minimum": _number_bound(lambda x, v: x < v),
    "maximum": _number_bound(lambda x, v: x > v),
    "exclusiveMinimum": _number_bound(lambda x, v: x <= v),
    "exclusiveMaximum": _number_bound(lambda x, v: x >= v),
    "pattern": _pattern,
    "enum": _enum,
    "const": _const,
    "format": _delegated("format"),
    "uniqueItems": _delegated("uniqueItems"),
    "multipleOf": _delegated("multipleOf"),
    "dependentRequired": _delegated("dependentRequired"),
}


# -- the walk: jsonschema's applicators, skipping what a check passes ------------------------------

# Keywords whose jsonschema function reads only the value, the type checker and the format
# checker: a subschema of nothing else is walked with the validator at hand, as ``descend``
# would walk it with a validator built for it.
_LEAF_KEYWORDS = frozenset(
    {
        "type", "enum", "const", "minLength", "maxLength", "pattern", "format",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minItems", "maxItems", "uniqueItems", "required", "minProperties", "maxProperties",
        "dependentRequired",
    }
)  # fmt: skip
_LEAVES: set[int] = set()  # ids of subschemas (in _CHECKS) holding only leaf keywords


def _descend(
    validator: Any, instance: Any, schema: Any, path: Any = None, schema_path: Any = None
) -> Errors:
    """``validator.descend``, without building a validator for a leaf subschema: the loop of
    jsonschema's ``descend`` over the subschema's keywords, run with ``validator``."""
    if id(schema) not in _LEAVES or _known(validator, schema) is None:
        yield from validator.descend(instance, schema, path=path, schema_path=schema_path)
        return
    for keyword, value in schema.items():
        function = validator.VALIDATORS.get(keyword)
        if function is None:
            continue
        for error in function(validator, value, instance, schema) or ():
            error._set(
                validator=keyword,
                validator_value=value,
                instance=instance,
                schema=schema,
                type_checker=validator.TYPE_CHECKER,
            )
            error.schema_path.appendleft(keyword)
            if path is not None:
                error.path.appendleft(path)
            if schema_path is not None:
                error.schema_path.appendleft(schema_path)
            yield error


def _walk_properties(validator: Any, properties: Any, instance: Any, schema: Any) -> Errors:
    if not validator.is_type(instance, "object"):
        return
    for name, sub in properties.items():
        if name in instance:
            check = _known(validator, sub)
            if check is not None and check(instance[name]):
                continue
            yield from _descend(validator, instance[name], sub, path=name, schema_path=name)


def _walk_items(validator: Any, items: Any, instance: Any, schema: Any) -> Errors:
    check = _known(validator, items)
    if items is False or check is None or not validator.is_type(instance, "array"):
        yield from _JSONSCHEMA["items"](validator, items, instance, schema)
        return
    for index in range(len(schema.get("prefixItems", [])), len(instance)):
        if not check(instance[index]):
            yield from _descend(validator, instance[index], items, path=index)


def _walk_all_of(validator: Any, all_of: Any, instance: Any, schema: Any) -> Errors:
    for index, sub in enumerate(all_of):
        check = _known(validator, sub)
        if check is None or not check(instance):
            yield from validator.descend(instance, sub, schema_path=index)


def _walk_any_of(validator: Any, any_of: Any, instance: Any, schema: Any) -> Errors:
    checks = [_known(validator, sub) for sub in any_of]
    if None in checks or not any(check(instance) for check in checks if check is not None):
        yield from _JSONSCHEMA["anyOf"](validator, any_of, instance, schema)


def _walk_one_of(validator: Any, one_of: Any, instance: Any, schema: Any) -> Errors:
    checks = [_known(validator, sub) for sub in one_of]
    passed = [check is not None and check(instance) for check in checks]
    if None in checks or passed.count(True) != 1:
        yield from _JSONSCHEMA["oneOf"](validator, one_of, instance, schema)  # its errors


def _walk_not(validator: Any, not_schema: Any, instance: Any, schema: Any) -> Errors:
    check = _known(validator, not_schema)
    if check is None or check(instance):
        yield from _JSONSCHEMA["not"](validator, not_schema, instance, schema)


def _walk_if(validator: Any, if_schema: Any, instance: Any, schema: Any) -> Errors:
    check = _known(validator, if_schema)
    if check is None:
        yield from _JSONSCHEMA["if"](validator, if_schema, instance, schema)
        return
    branch = "then" if check(instance) else "else"
    if branch in schema:
        then = _known(validator, schema[branch])
        if then is None or not then(instance):
            yield from validator.descend(instance, schema[branch], schema_path=branch)


def _walk_ref(validator: Any, ref: Any, instance: Any, schema: Any) -> Errors:
    entry = _REF_TARGETS.get((id(schema), id(validator.format_checker)))
    if entry is not None and entry[0] is schema and entry[1](instance):
        return
    yield from _JSONSCHEMA["$ref"](validator, ref, instance, schema)


@cache
def _validator_class() -> Any:
    """jsonschema's Draft 2020-12 validator with the walk above (built on first use: a
    template lint imports this module and validates no action input)."""
    return validators.extend(  # type: ignore[no-untyped-call]
        Draft202012,
        {
            "properties": _walk_properties,
            "items": _walk_items,
            "allOf": _walk_all_of,
            "anyOf": _walk_any_of,
            "oneOf": _walk_one_of,
            "not": _walk_not,
            "if": _walk_if,
            "$ref": _walk_ref,
        },
    )


def fast_validator(schema: Any, format_checker: FormatChecker | None = None) -> Any:
    """A Draft 2020-12 validator of ``schema`` giving jsonschema's errors, built once per
    distinct schema (and format checker): validators hold no state of a validation."""
    try:
        text = json.dumps(schema)  # key order kept: it orders the errors
    except (TypeError, ValueError):
        text = None
    key = (text, id(format_checker)) if text is not None else None
    if key is not None and key in _BUILT and _BUILT[key][0] is format_checker:
        return _BUILT[key][1]
    validator = _validator_class()(schema, format_checker=format_checker)
    if not _moves_base(schema):
        compiler = _Compiler(validator)
        compiler.check(schema)
        compiler.publish()
    if key is not None:
        _BUILT[key] = (format_checker, validator)
    return validator


def quick_is_valid(validator: Any, instance: Any) -> bool:
    """``validator.is_valid(instance)``, by the compiled check when there is one."""
    check = _known(validator, validator.schema)
    return check(instance) if check is not None else bool(validator.is_valid(instance))


def _is_leaf(schema: dict[str, Any]) -> bool:
    return schema.get("$schema", _DRAFT) == _DRAFT and all(
        k in _LEAF_KEYWORDS for k in schema if k in _BASE.VALIDATORS
    )


def _holds_ref(schema: Any) -> bool:
    if isinstance(schema, dict):
        return "$ref" in schema or any(map(_holds_ref, schema.values()))
    if isinstance(schema, list):
        return any(map(_holds_ref, schema))
    return False


def _moves_base(schema: Any) -> bool:
    if isinstance(schema, dict):
        return any(k in _MOVES_BASE for k in schema) or any(map(_moves_base, schema.values()))
    if isinstance(schema, list):
        return any(map(_moves_base, schema))
    return False
