"""Entity refs: every form Backstage accepts, case-insensitive identity, and clear rejections."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pagerduty_actions.catalog import (
    EntityRef,
    InvalidEntityRefError,
    normalise_ref,
    parse_entity_ref,
    ref_of,
    split_entity_ref,
)
from pagerduty_actions.catalog.entity_ref import relation_spelling, resolve_relation, short_label


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


# -- the string forms the sync and the annotate action use ---------------------------------------


def test_normalised_is_lower_case_with_every_default_filled() -> None:
    assert normalise_ref("Checkout") == "component:default/checkout"
    assert normalise_ref("API:Shop/Orders") == "api:shop/orders"
    assert normalise_ref("db", default_namespace="Team") == "component:team/db"
    assert normalise_ref({"kind": "Group", "name": "Ops"}) == "group:default/ops"
    with pytest.raises(InvalidEntityRefError, match="more than one ':'"):
        normalise_ref("a:b:c")


@pytest.mark.parametrize(
    ("entity", "entry", "expected"),
    [
        ("component:default/a", "b", "component:default/b"),
        ("component:team/a", "b", "component:team/b"),
        ("component:team/a", "other/b", "component:other/b"),
        ("component:team/a", "resource:db", "resource:team/db"),
        ("component:team/a", "Resource:Other/DB", "resource:other/db"),
        ("component:default/a", "  Component:Default/Payments ", "component:default/payments"),
        ("component:default/a", "API:Shop/Orders", "api:shop/orders"),
    ],
)
def test_entries_resolve_as_backstage_resolves_relations(
    entity: str, entry: str, expected: str
) -> None:
    assert resolve_relation(entity, entry) == expected


names = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,6}", fullmatch=True)


@given(kind=st.sampled_from(["", "component:", "Component:", "RESOURCE:"]), ns=names, name=names)
def test_resolution_ignores_case_and_is_idempotent(kind: str, ns: str, name: str) -> None:
    entity = "component:home/a"
    resolved = resolve_relation(entity, f"{kind}{ns}/{name}")
    assert resolved == resolved.lower()
    assert resolve_relation(entity, resolved) == resolved
    assert resolve_relation(entity, f"{kind}{ns}/{name}".swapcase()) == resolved


def test_written_refs_are_the_shortest_form_resolving_back_to_the_target() -> None:
    assert relation_spelling("component:default/a", "component:default/b") == "component:b"
    assert relation_spelling("component:team/a", "component:team/b") == "component:b"
    assert relation_spelling("component:team/a", "component:default/b") == "component:default/b"
    for owner, target in [("component:team/a", "component:default/b"), ("api:x/a", "api:x/b")]:
        assert resolve_relation(owner, relation_spelling(owner, target)) == target


@pytest.mark.parametrize(
    ("ref", "label", "compact"),
    [
        ("Component:Default/Checkout", "checkout", "checkout"),
        ("component:Shop/checkout", "shop/checkout", "component:shop/checkout"),
        ("API:default/orders", "api:orders", "api:default/orders"),
        ("api:shop/orders", "api:shop/orders", "api:shop/orders"),
    ],
)
def test_the_two_short_forms_differ_only_outside_the_defaults(
    ref: str, label: str, compact: str
) -> None:
    """Messages drop whichever part is the default; a branch name and a title drop both or
    neither (their spellings are pinned by the annotate action's tests)."""
    parsed = parse_entity_ref(ref)
    assert short_label(parsed.normalised()) == label
    assert parsed.compact() == compact
