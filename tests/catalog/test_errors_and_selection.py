"""Which entity gets edited, and every way an edit is refused (nothing changed, fix named)."""

from __future__ import annotations

import pytest

from pagerduty_actions.catalog import (
    AmbiguousEntityError,
    CatalogError,
    CatalogYamlError,
    EntityInfo,
    EntityNotFoundError,
    EntityRef,
    InvalidEditError,
    InvalidEntityRefError,
    UnsupportedStructureError,
    list_entities,
    select_entity,
    set_annotations,
    set_depends_on,
)

THREE = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
---
# a comment-only document
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  namespace: shop
spec:
  type: service
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
---
just: a mapping without kind
"""

SECRET = "0123456789abcdef0123456789abcdef"


def test_list_entities_gives_kind_namespace_name_document_and_line() -> None:
    assert list_entities(THREE) == [
        EntityInfo("System", "default", "payments", 0, 1),
        EntityInfo("Component", "shop", "payments", 2, 8),
        EntityInfo("API", "default", "payments-api", 3, 16),
    ]


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("system:payments", "system:default/payments"),
        ("component:shop/payments", "component:shop/payments"),
        ("shop/payments", "component:shop/payments"),
        ("payments-api", "api:default/payments-api"),
        ("API:Default/Payments-API", "api:default/payments-api"),
        (EntityRef("component", "shop", "payments"), "component:shop/payments"),
        ({"kind": "api", "name": "payments-api"}, "api:default/payments-api"),
    ],
)
def test_select_by_ref(ref: object, expected: str) -> None:
    assert str(select_entity(THREE, ref)) == expected  # type: ignore[arg-type]


def test_several_entities_without_ref_is_ambiguous_and_lists_them() -> None:
    with pytest.raises(AmbiguousEntityError) as caught:
        select_entity(THREE)
    for ref in ("system:default/payments", "component:shop/payments", "api:default/payments-api"):
        assert ref in str(caught.value)
    assert "kind:namespace/name" in str(caught.value)


def test_a_name_shared_by_two_kinds_is_ambiguous() -> None:
    text = THREE.replace("namespace: shop\n", "").replace("Component", "Resource")
    with pytest.raises(AmbiguousEntityError) as caught:
        select_entity(text, "default/payments")
    assert caught.value.candidates == ["system:default/payments", "resource:default/payments"]


def test_default_kind_wins_when_it_matches_exactly() -> None:
    text = THREE.replace("namespace: shop\n", "")
    assert str(select_entity(text, "payments")) == "component:default/payments"


def test_entity_not_found_lists_the_entities_present() -> None:
    with pytest.raises(EntityNotFoundError) as caught:
        select_entity(THREE, "component:checkout")
    message = str(caught.value)
    assert "'component:checkout'" in message
    assert "component:shop/payments" in message
    assert "api:default/payments-api" in message


def test_a_file_without_entities() -> None:
    with pytest.raises(EntityNotFoundError, match="holds no entity"):
        select_entity("# nothing here\n---\nfoo: bar\n")


def test_bad_ref_is_rejected_before_reading_the_file() -> None:
    with pytest.raises(InvalidEntityRefError, match="more than one ':'"):
        set_annotations(THREE, "a:b:c", {"x": "y"})


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("kind: Component\nmetadata:\n  name: [x\n", 4, 1),
        ("kind: Component\nmetadata:\n  name: x\n   bad: indent\n", 4, 7),
        ("kind: Component\n\tmetadata: {}\n", 2, 1),
        ("kind: Component\nmetadata:\n  name: x\n  name: y\n", 4, 3),
        ("a: *nowhere\n", 1, 4),
    ],
)
def test_invalid_yaml_names_line_and_column(text: str, line: int, column: int) -> None:
    with pytest.raises(CatalogYamlError) as caught:
        list_entities(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert f"line {line}, column {column}" in str(caught.value)
    assert "Fix the YAML" in str(caught.value)


def test_yaml_error_messages_never_quote_values() -> None:
    text = f"kind: Component\nmetadata:\n  name: x\n  name: {SECRET}\n"
    with pytest.raises(CatalogYamlError) as caught:
        set_annotations(text, None, {"a": "b"})
    assert SECRET not in str(caught.value)
    assert "twice" in str(caught.value)


def test_unprintable_characters_are_a_yaml_error() -> None:
    with pytest.raises(CatalogYamlError, match="unacceptable character"):
        list_entities("kind: Component\x07\n")


BASE = """\
kind: Component
metadata:
  name: checkout
  annotations:
    a: &shared one
spec:
  owner: *shared
"""


@pytest.mark.parametrize(
    ("text", "edit", "problem"),
    [
        (
            "x: &m {name: x}\nkind: Component\nmetadata: *m\n",
            ("x", {"a": "b"}),
            "metadata is an alias",
        ),
        (
            "kind: Component\nmetadata:\n  name: x\n  annotations: nope\n",
            ("x", {"a": "b"}),
            "annotations is a single value, not a mapping",
        ),
        (
            "kind: Component\nmetadata:\n  name: x\n  annotations: [a, b]\n",
            ("x", {"a": "b"}),
            "annotations is a list, not a mapping",
        ),
        (BASE, ("checkout", {"a": "two"}), "change more than the intended field"),
        (BASE, ("checkout", {}, ["a"]), "would not be valid YAML"),
        (
            "b: &b {x: y}\nkind: Component\nmetadata:\n  name: x\n  annotations:\n    <<: *b\n",
            ("x", {"a": "b"}),
            "merge key",
        ),
        (
            "kind: Component\nmetadata:\n  name: x\n  annotations:\n    a: {nested: map}\n",
            ("x", {"a": "b"}),
            "holds a mapping or list",
        ),
    ],
)
def test_unsupported_structures_are_refused(
    text: str, edit: tuple[object, ...], problem: str
) -> None:
    with pytest.raises(UnsupportedStructureError) as caught:
        set_annotations(text, *edit)  # type: ignore[arg-type]
    assert problem in str(caught.value)
    assert "by hand" in str(caught.value)


def test_dependson_that_is_not_a_list_is_refused() -> None:
    text = "kind: Component\nmetadata: {name: x}\nspec:\n  dependsOn: component:y\n"
    with pytest.raises(UnsupportedStructureError, match="not a list"):
        set_depends_on(text, "x", ["component:z"])


def test_bad_dependency_ref_is_rejected() -> None:
    text = "kind: Component\nmetadata: {name: x}\nspec: {}\n"
    with pytest.raises(InvalidEntityRefError, match="component:a b"):
        set_depends_on(text, "x", ["component:a b"])
    with pytest.raises(InvalidEditError, match="not one string"):
        set_depends_on(text, "x", "component:y")


@pytest.mark.parametrize(
    ("to_set", "remove", "problem"),
    [
        ({"a": "1"}, ["a"], "both set and removed"),
        ({"a": 1}, [], "must be a string"),
        ({"": "x"}, [], "non-empty strings"),
        ({}, [None], "non-empty strings"),
    ],
)
def test_contradictory_edits_are_refused(
    to_set: dict[str, object], remove: list[object], problem: str
) -> None:
    with pytest.raises(InvalidEditError, match=problem):
        set_annotations(BASE, "checkout", to_set, remove)  # type: ignore[arg-type]


def test_every_error_is_a_catalog_error() -> None:
    for error in (
        CatalogYamlError,
        EntityNotFoundError,
        AmbiguousEntityError,
        InvalidEntityRefError,
        UnsupportedStructureError,
        InvalidEditError,
    ):
        assert issubclass(error, CatalogError)


def test_result_repr_hides_text_and_diff_which_may_hold_a_key() -> None:
    result = set_annotations(BASE, "checkout", {"pagerduty.com/integration-key": SECRET})
    assert result.changed
    assert SECRET in result.text
    assert SECRET not in repr(result)
    assert repr(result) == "EditResult(changed=True, entity_ref='component:default/checkout')"


def test_refusal_messages_never_quote_values() -> None:
    text = BASE.replace("one", SECRET)
    with pytest.raises(UnsupportedStructureError) as caught:
        set_annotations(text, "checkout", {"a": "other"})
    assert SECRET not in str(caught.value)
