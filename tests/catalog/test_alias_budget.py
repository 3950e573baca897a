"""YAML aliases are counted before anything expands them (#19.2): a few anchors and ``<<:``
merge keys edit as before, with a minimal diff; a file whose aliases stand for more than
``MAX_ALIAS_NODES`` nodes is refused at once, naming the line, for edits and for the sync's
reading of catalog files alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from pagerduty_actions.catalog import (
    CatalogBudgetError,
    set_annotations,
    set_depends_on,
)
from pagerduty_actions.catalog.files import CatalogFileError, load_catalog_files
from pagerduty_actions.yaml_budget import (
    MAX_ALIAS_NODES,
    MAX_YAML_DEPTH,
    YamlBudgetError,
    check_yaml_budget,
    within_budget,
)

MERGED = """\
# the payments components
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  labels: &labels {tier: gold, region: eu}
  annotations:
    github.com/project-slug: &slug acme/payments
spec:
  <<: &defaults
    type: service
    lifecycle: production
    owner: team-payments
  dependsOn: [component:ledger]
  x-refunds:
    labels: *labels
    slug: *slug
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: refunds
  labels: &labels {tier: gold}
spec:
  <<: &defaults
    type: service
    owner: team-payments
  owner: team-refunds
  system: *defaults
"""


def laughs(levels: int, indent: str = "  ") -> str:
    """Nine lists of nine aliases to the list before (9^levels strings)."""
    lines = [f"{indent}l0: &l0 [lol]"]
    for level in range(1, levels + 1):
        lines.append(f"{indent}l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


BOMB = "kind: Component\nmetadata:\n  name: bomb\nspec:\n" + laughs(10)


def test_a_file_with_a_few_anchors_and_merge_keys_is_annotated_with_a_minimal_diff() -> None:
    result = set_annotations(MERGED, "refunds", {"pagerduty.com/service-id": "P123ABC"})
    assert result.changed
    assert result.text == MERGED.replace(
        "  name: refunds\n  labels: &labels {tier: gold}\n",
        "  name: refunds\n  labels: &labels {tier: gold}\n"
        "  annotations:\n    pagerduty.com/service-id: P123ABC\n",
    )
    changed = [line for line in result.diff.splitlines()[2:] if line[:1] in "+-"]
    assert changed == ["+  annotations:", "+    pagerduty.com/service-id: P123ABC"]


def test_a_file_with_a_merge_key_gets_its_depends_on_edited_in_place() -> None:
    result = set_depends_on(MERGED, "payments", ["component:ledger", "component:fx"])
    assert result.text == MERGED.replace(
        "dependsOn: [component:ledger]", "dependsOn: [component:ledger, component:fx]"
    )


def test_the_data_of_merged_files_is_what_a_consumer_reads() -> None:
    loaded = list(YAML(typ="safe", pure=True).load_all(MERGED))
    assert loaded[1]["spec"]["owner"] == "team-refunds"
    assert loaded[1]["spec"]["type"] == "service"
    check_yaml_budget(MERGED)  # three aliases standing for 12 nodes: far below the budget


@pytest.mark.parametrize("edit", ["annotations", "dependsOn"])
def test_an_alias_bomb_is_refused_naming_the_line_before_anything_expands(edit: str) -> None:
    with pytest.raises(CatalogBudgetError) as caught:
        if edit == "annotations":
            set_annotations(BOMB, None, {"pagerduty.com/service-id": "P1"})
        else:
            set_depends_on(BOMB, None, ["component:x"])
    error = caught.value
    assert f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes" in error.message
    # l0 stands for 2 nodes, l1 for 19, l2 for 172, l3 for 1,549: the sixth *l3 (line 9,
    # column 37) takes the aliases past 10,000 nodes.
    assert (error.line, error.column) == (9, 37)
    assert "at line 9, column 37" in error.message


def count(text: str, limit: int) -> None:
    for _ in within_budget(YAML(typ="safe", pure=True).parse(text), limit):
        pass


def test_the_budget_counts_every_node_an_alias_stands_for_exactly() -> None:
    # *m stands for 6 nodes: the mapping, x, 1, y, the list and its 1; three aliases, 18.
    text = "a: &m {x: 1, y: [1]}\nb: *m\nc: [*m, *m]\n"
    count(text, 18)
    with pytest.raises(YamlBudgetError):
        count(text, 17)


def test_aliases_inside_an_anchored_node_count_with_it() -> None:
    text = "a: &a [x, y]\nb: &b [*a, *a]\nc: *b\n"
    # a = 3 nodes; b = seq + 2 * 3 = 7; total through aliases: 3 + 3 + 7 = 13.
    count(text, 13)
    with pytest.raises(YamlBudgetError, match=r"\*b alone stands for 7"):
        count(text, 12)


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(YamlBudgetError, match="refers to a node that contains it") as caught:
        count("a: &a\n  b: [1, *a]\n", MAX_ALIAS_NODES)
    assert (caught.value.line, caught.value.column) == (2, 10)  # the alias, not its anchor


def test_anchors_do_not_carry_into_the_next_document() -> None:
    # The second document's *a is undefined there (the loader says so); it counts as 1.
    count("a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n---\nb: *a\n", 1)


def test_a_merge_key_bomb_is_counted_like_any_alias() -> None:
    lines = ["m0: &m0 {a: 1, b: 2}"]
    for level in range(1, 12):
        previous = ", ".join([f"*m{level - 1}"] * 4)
        lines.append(f"m{level}: &m{level} {{<<: [{previous}], k{level}: v}}")
    text = "kind: Component\nmetadata: {name: x}\nspec:\n" + "".join(
        f"  {line}\n" for line in lines
    )
    with pytest.raises(CatalogBudgetError, match="YAML aliases expand"):
        set_annotations(text, None, {"a": "b"})


def test_nesting_is_bounded_before_the_parser_slows_down() -> None:
    # ruamel's scanner works per token in proportion to the open brackets: 5,000 levels took
    # 15 s to parse, a megabyte of them hours. The document and spec are two levels.
    head = "kind: Component\nmetadata: {name: x}\nspec:\n  a: "
    lists = MAX_YAML_DEPTH - 2
    set_annotations(head + "[" * lists + "]" * lists + "\n", None, {"a": "b"})
    with pytest.raises(CatalogBudgetError, match=f"nests more than {MAX_YAML_DEPTH} mappings") as e:
        set_annotations(head + "[" * 500_000 + "\n", None, {"a": "b"})
    assert (e.value.line, e.value.column) == (4, len("  a: ") + lists + 1)


def test_reading_catalog_files_makes_a_bomb_a_problem_of_its_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "kind: Component\nmetadata: {name: alpha}\nspec: {dependsOn: [component:beta]}\n"
    )
    (tmp_path / "b.yaml").write_text(BOMB)
    (tmp_path / "c.yaml").write_text("kind: Component\nmetadata: {name: gamma}\n")
    problems: list[str] = []
    found = load_catalog_files(["*.yaml"], tmp_path, problems)
    assert [entity.ref for entity in found] == [
        "component:default/alpha",
        "component:default/gamma",
    ]
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'b.yaml'} at line 9, column 37: ")
    assert "YAML aliases expand to more than" in problems[0]
    with pytest.raises(CatalogFileError, match=r"b\.yaml at line 9"):
        load_catalog_files(["*.yaml"], tmp_path)  # without a list: the first bad file stops
