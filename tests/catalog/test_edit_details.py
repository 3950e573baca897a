"""Smaller behaviours of the edits that the golden corpus does not pin down one by one."""

from __future__ import annotations

from pagerduty_actions.catalog import set_annotations, set_depends_on, unified_diff

ANCHORED = """\
kind: Component
metadata:
  name: checkout
  annotations:
    github.com/project-slug: &slug acme/checkout
    backstage.io/source-location: *slug
spec:
  owner: *slug
"""


def test_an_alias_value_is_replaced_and_the_anchor_kept_for_other_users() -> None:
    result = set_annotations(ANCHORED, "checkout", {"backstage.io/source-location": "url:x"})
    assert result.text == ANCHORED.replace("source-location: *slug", "source-location: url:x")


def test_an_empty_value_is_filled_on_its_own_line() -> None:
    text = "kind: Component\nmetadata:\n  name: x\n  annotations:\n    a:\n    b: c\n"
    result = set_annotations(text, "x", {"a": "v"})
    assert result.text == text.replace("    a:\n", "    a: v\n")


def test_an_empty_list_item_is_dropped_like_any_other() -> None:
    text = "kind: Component\nmetadata:\n  name: x\nspec:\n  dependsOn:\n  -\n  - component:y\n"
    result = set_depends_on(text, "x", ["component:z"])
    assert (
        result.text
        == "kind: Component\nmetadata:\n  name: x\nspec:\n  dependsOn:\n  - component:z\n"
    )


def test_a_value_of_another_type_is_rewritten_as_a_string() -> None:
    text = "kind: Component\nmetadata:\n  name: x\n  annotations:\n    port: 8080 # http\n"
    result = set_annotations(text, "x", {"port": "8080"})
    assert result.changed
    assert result.text.endswith('    port: "8080" # http\n')


def test_dependency_refs_default_to_the_entitys_namespace() -> None:
    text = (
        "kind: Component\nmetadata:\n  name: x\n  namespace: shop\n"
        "spec:\n  dependsOn: [component:cart]\n"
    )
    assert not set_depends_on(text, "shop/x", ["component:shop/cart"]).changed
    moved = set_depends_on(text, "shop/x", ["component:default/cart"])
    assert moved.text.endswith("dependsOn: [component:default/cart]\n")


def test_duplicate_dependencies_are_written_once() -> None:
    text = "kind: Component\nmetadata:\n  name: x\nspec:\n  type: service\n"
    result = set_depends_on(text, "x", ["component:a", "Component:A", "component:default/a"])
    assert result.text.endswith("  dependsOn:\n    - component:a\n")


def test_diff_is_git_style_with_the_given_path_and_newline_marker() -> None:
    text = "kind: Component\nmetadata:\n  name: x"
    result = set_annotations(text, "x", {"a": "b"}, path="svc/catalog-info.yaml")
    assert result.diff == (
        "--- a/svc/catalog-info.yaml\n"
        "+++ b/svc/catalog-info.yaml\n"
        "@@ -1,3 +1,5 @@\n"
        " kind: Component\n"
        " metadata:\n"
        "-  name: x\n"
        "\\ No newline at end of file\n"
        "+  name: x\n"
        "+  annotations:\n"
        "+    a: b\n"
        "\\ No newline at end of file\n"
    )
    assert unified_diff("same\n", "same\n") == ""


def test_unchanged_result_is_the_very_same_text_including_bom_and_crlf() -> None:
    text = "\ufeffkind: Component\r\nmetadata:\r\n  name: x\r\n  annotations: {a: b}\r\n"
    result = set_annotations(text, "x", {"a": "b"}, ["missing"])
    assert result.changed is False
    assert result.text is text
    changed = set_annotations(text, "x", {"c": "d"})
    assert changed.text == text.replace("{a: b}", "{a: b, c: d}")
