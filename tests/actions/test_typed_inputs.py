"""Each action's typed input (the TypedDict its ``run`` takes as ``payload``) says what its JSON
input schema says: the same fields, the same required ones, the same types and enum values,
nested objects and array items included. So a handler is type-checked against the input it
really gets, and a schema change without the matching ``Input`` change (or the other way
round) fails here. The services each ``run`` names are given, of the types it names."""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Callable
from typing import (
    Any,
    Literal,
    NotRequired,
    Required,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

import pytest
from flask import Flask

from pagerduty_actions.handlers import HANDLERS, service_create
from pagerduty_actions.registry import PROVIDERS, Registry

Shape = frozenset[tuple[Any, ...]]
SPECS = {s.id: s for s in Registry.load().specs()}
_TYPED = ("type", "enum", "const", "$ref", "oneOf", "anyOf")


def literal(value: Any) -> tuple[Any, ...]:
    # bool is an int in Python: keep True and 1 apart
    return ("null",) if value is None else ("literal", type(value).__name__, value)


def schema_shape(schema: dict[str, Any], root: dict[str, Any]) -> Shape:
    """What values ``schema`` allows, as a set of atoms; constraint-only branches of
    oneOf/anyOf (``required``, ``not``) say nothing about types and are left out."""
    if "$ref" in schema:
        return schema_shape(root["$defs"][schema["$ref"].rpartition("/")[2]], root)
    if "const" in schema:
        return frozenset({literal(schema["const"])})
    if "enum" in schema:
        return frozenset(literal(v) for v in schema["enum"])
    if "type" not in schema:
        branches = schema.get("oneOf") or schema.get("anyOf") or []
        typed = [b for b in branches if any(k in b for k in _TYPED)]
        assert typed, f"no type in {schema}"
        return frozenset().union(*(schema_shape(b, root) for b in typed))
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    atoms: set[tuple[Any, ...]] = set()
    for kind in kinds:
        if kind == "array":
            atoms.add(("array", schema_shape(schema["items"], root)))
        elif kind == "object" and "properties" in schema:
            required = set(schema.get("required", []))
            fields = tuple(
                sorted(
                    (name, name in required, schema_shape(sub, root))
                    for name, sub in schema["properties"].items()
                )
            )
            atoms.add(("object", fields))
        elif kind == "object":
            extra = schema.get("additionalProperties")
            value = schema_shape(extra, root) if isinstance(extra, dict) else ANY
            atoms.add(("map", value))
        else:
            atoms.add((kind,))
    return frozenset(atoms)


ANY: Shape = frozenset({("any",)})
_SCALARS = {str: "string", int: "integer", bool: "boolean", float: "number"}


def python_shape(hint: Any) -> Shape:
    """The same atoms for a Python type hint."""
    if hint is Any:
        return ANY
    if hint is type(None):
        return frozenset({("null",)})
    if hint in _SCALARS:
        return frozenset({(_SCALARS[hint],)})
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return frozenset().union(*(python_shape(a) for a in get_args(hint)))
    if origin is Literal:
        return frozenset(literal(v) for v in get_args(hint))
    if origin is list:
        return frozenset({("array", python_shape(get_args(hint)[0]))})
    if origin is dict:
        return frozenset({("map", python_shape(get_args(hint)[1]))})
    if is_typeddict(hint):
        fields = tuple(sorted(_typeddict_fields(hint)))
        return frozenset({("object", fields)})
    raise AssertionError(f"no JSON shape for {hint!r}")


def _typeddict_fields(hint: Any) -> list[tuple[str, bool, Shape]]:
    """(name, required, shape) of each field. Read from the hints with their Required /
    NotRequired marks: under ``from __future__ import annotations`` Python 3.11 cannot see
    those marks when it makes the class, so ``__required_keys__`` is wrong there."""
    fields = []
    for name, sub in get_type_hints(hint, include_extras=True).items():
        required = bool(hint.__total__)
        if get_origin(sub) in (Required, NotRequired):
            required, sub = get_origin(sub) is Required, get_args(sub)[0]
        fields.append((name, required, python_shape(sub)))
    return fields


@pytest.mark.parametrize("module", HANDLERS, ids=lambda m: m.__name__.rpartition(".")[2])
def test_the_typed_input_is_the_input_schema(module: Any) -> None:
    typed = get_type_hints(module.run)["payload"]
    assert is_typeddict(typed), f"{module.__name__}.run's payload must be a TypedDict"
    schema = SPECS[module.ACTION_ID].input_schema
    assert python_shape(typed) == schema_shape(schema, schema)


def test_a_drift_is_caught() -> None:
    """The comparison sees an enum value, a required flag and a nested type change."""
    schema = SPECS["pagerduty:service:create"].input_schema
    mutations: list[Callable[[dict[str, Any]], None]] = [
        lambda s: s["properties"]["urgency"]["enum"].append("medium"),
        lambda s: s["required"].append("description"),
        lambda s: s["properties"]["autoPauseNotifications"]["properties"]["enabled"].update(
            type="string"
        ),
        lambda s: s["properties"].pop("alertCreation"),
    ]
    typed = python_shape(service_create.ServiceCreateInput)
    assert typed == schema_shape(schema, schema)
    for mutate in mutations:
        changed = copy.deepcopy(schema)
        mutate(changed)
        assert typed != schema_shape(changed, changed)


@pytest.mark.parametrize("module", HANDLERS, ids=lambda m: m.__name__.rpartition(".")[2])
def test_each_run_is_given_the_services_it_names_of_the_types_it_names(
    module: Any, app: Flask
) -> None:
    services = app.extensions["pagerduty_actions"].services
    hints = get_type_hints(module.run)
    needs = SPECS[module.ACTION_ID].needs
    assert needs, f"{module.__name__}.run names no service"
    for name in needs:
        given, wanted = PROVIDERS[name](services), hints[name]
        if isinstance(wanted, type) and not getattr(wanted, "_is_protocol", False):
            assert isinstance(given, wanted), (name, type(given), wanted)
        else:
            assert callable(given), name
