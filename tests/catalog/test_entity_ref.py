"""Entity refs: every form Backstage accepts, case-insensitive identity, and clear rejections."""

from __future__ import annotations

import pytest

from pagerduty_actions.catalog import (
    EntityRef,
    InvalidEntityRefError,
    parse_entity_ref,
    ref_of,
    split_entity_ref,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkout", ("component", "default", "checkout")),
        ("api:checkout", ("api", "default", "checkout")),
        ("shop/checkout", ("component", "shop", "checkout")),
        ("Resource:shop/checkout-db", ("Resource", "shop", "checkout-db")),
        ("  component:default/checkout  ", ("component", "default", "checkout")),
        ("group:team.a_b-c", ("group", "default", "team.a_b-c")),
    ],
)
def test_string_forms(text: str, expected: tuple[str, str, str]) -> None:
    ref = parse_entity_ref(text)
    assert (ref.kind, ref.namespace, ref.name) == expected


def test_defaults_are_used_only_for_missing_parts() -> None:
    assert parse_entity_ref("db", default_kind="resource", default_namespace="shop") == EntityRef(
        "resource", "shop", "db"
    )
    assert parse_entity_ref("api:x/db", default_kind="resource", default_namespace="shop") == (
        EntityRef("api", "x", "db")
    )


def test_object_form() -> None:
    assert parse_entity_ref({"kind": "API", "namespace": "shop", "name": "orders"}) == EntityRef(
        "api", "shop", "orders"
    )
    assert parse_entity_ref({"name": "orders"}) == EntityRef("component", "default", "orders")


def test_comparison_ignores_case_and_str_lowercases_kind() -> None:
    a = EntityRef("Component", "Default", "Checkout")
    b = parse_entity_ref("component:default/checkout")
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    assert str(a) == "component:Default/Checkout"
    assert a != EntityRef("api", "default", "checkout")
    assert a != "component:default/checkout"


def test_split_keeps_missing_parts_missing() -> None:
    assert split_entity_ref("checkout") == (None, None, "checkout")
    assert split_entity_ref("api:checkout") == ("api", None, "checkout")
    assert split_entity_ref("shop/checkout") == (None, "shop", "checkout")


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a:b:c", "more than one ':'"),
        ("a/b/c", "more than one '/'"),
        (":checkout", "kind is empty"),
        ("component:", "name is empty"),
        ("shop/", "name is empty"),
        ("/checkout", "namespace is empty"),
        ("9kind:checkout", "kind '9kind'"),
        ("check out", "name 'check out'"),
        ("component:check--out", "name"),
        ("x" * 64, "longer than 63"),
    ],
)
def test_bad_refs_name_the_text_and_the_form(bad: str, reason: str) -> None:
    with pytest.raises(InvalidEntityRefError) as caught:
        parse_entity_ref(bad)
    message = str(caught.value)
    assert repr(bad) in message
    assert reason in message
    assert "[kind:][namespace/]name" in message


@pytest.mark.parametrize(
    "bad",
    [{}, {"kind": "api"}, {"name": 3}, {"name": "x", "owner": "y"}, {"name": "a b"}],
)
def test_bad_object_refs(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidEntityRefError, match="Expected"):
        parse_entity_ref(bad)


def test_non_string_ref_is_rejected() -> None:
    with pytest.raises(InvalidEntityRefError, match="must be a string"):
        parse_entity_ref(42)  # type: ignore[arg-type]


def test_ref_of_a_parsed_entity() -> None:
    entity = {"kind": "Component", "metadata": {"name": "checkout", "namespace": "shop"}}
    assert ref_of(entity) == EntityRef("component", "shop", "checkout")
    assert ref_of({"kind": "API", "metadata": {"name": "orders"}}).namespace == "default"
    with pytest.raises(InvalidEntityRefError, match=r"metadata\.name"):
        ref_of({"kind": "Component", "metadata": {}})
    with pytest.raises(InvalidEntityRefError, match="namespace"):
        ref_of({"kind": "Component", "metadata": {"name": "x", "namespace": 3}})
