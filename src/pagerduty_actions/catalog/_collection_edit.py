"""Minimal edits of one YAML collection (a mapping or a list) in place, block or flow.

Both public edits reduce to the same moves on a collection found by key under a parent
mapping: keep some entries, rewrite some values, drop some entries, append new ones, or create
the collection when it is absent, null or empty. Block entries are whole lines, so dropping one
removes exactly its lines (comment lines around it stay) and new ones are appended after the
last entry with the same indentation. Flow collections stay flow: entries and their commas are
cut or appended inside the brackets, one per line if the file already lays them out that way.
An empty ``{}``/``[]`` or null value in a block mapping becomes a block collection, because an
empty flow collection there is a placeholder, not a style choice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ._yaml_layout import Entry, Layout, unsupported
from ._yaml_tree import Node

Formatter = Callable[[object], str]  # item -> its entry text (``key: value`` or a list item)


@dataclass(frozen=True)
class Style:
    """What differs between mappings and lists: brackets and the block entry prefix."""

    empty: str
    block_prefix: str
    is_mapping: bool

    @property
    def opener(self) -> str:
        return self.empty[0]


MAPPING = Style("{}", "", True)
LIST = Style("[]", "- ", False)


@dataclass
class CollectionChanges:
    """Changes to an existing collection: which entries stay, new values, appended items."""

    keep: list[bool]
    updates: dict[int, str] = field(default_factory=dict)  # entry index -> rendered value
    additions: list[object] = field(default_factory=list)


@dataclass
class Geometry:
    """How the file indents: mapping step and list offset, see ``indentation``."""

    step: int
    list_offset: int

    def child_offset(self, style: Style) -> int:
        return self.step if style.is_mapping else self.list_offset


def edit_existing(
    lay: Layout, key: Node, node: Node, plan: CollectionChanges, style: Style, fmt: Formatter
) -> None:
    """Apply ``plan`` to a non-empty collection ``node`` (the value of ``key``)."""
    entries = lay.entries(node)
    for index, rendered in plan.updates.items():
        _replace_value(lay, entries[index], rendered)
    if node.flow:
        _edit_flow(lay, node, entries, plan, fmt)
    else:
        _edit_block(lay, key, entries, plan, style, fmt)


def _replace_value(lay: Layout, entry: Entry, rendered: str) -> None:
    value = entry.value
    if value.kind in ("mapping", "sequence"):
        raise unsupported("an annotation to update holds a mapping or list, not a string")
    if value.is_empty_scalar:
        assert entry.key is not None
        lay.ed.insert(lay.colon_after(entry.key) + 1, " " + rendered)
        return
    start, end, prefix = lay.value_span(value)
    lay.ed.replace(start, end, prefix + rendered)


def _edit_block(
    lay: Layout,
    key: Node,
    entries: list[Entry],
    plan: CollectionChanges,
    style: Style,
    fmt: Formatter,
) -> None:
    spans = [lay.lines_of(entry) for entry in entries]
    for (first, last), keep in zip(spans, plan.keep, strict=True):
        if not keep:
            lay.ed.delete_lines(first, last)
    indent = " " * lay.ed.column(entries[0].start)
    if plan.additions:
        lay.ed.insert_lines_after(
            spans[-1][1],
            [indent + style.block_prefix + fmt(item) for item in plan.additions],
        )
    elif not any(plan.keep):
        lay.ed.insert(lay.colon_after(key) + 1, " " + style.empty)


def _edit_flow(
    lay: Layout, node: Node, entries: list[Entry], plan: CollectionChanges, fmt: Formatter
) -> None:
    kept = [i for i, keep in enumerate(plan.keep) if keep]
    if not kept:
        new = ", ".join(fmt(item) for item in plan.additions)
        lay.ed.replace(entries[0].start, entries[-1].end, new)
        return
    last_kept = kept[-1]
    for index, entry in enumerate(entries):
        if not plan.keep[index] and index < last_kept:
            lay.ed.replace(entry.start, entries[index + 1].start, "")
    if last_kept < len(entries) - 1:
        lay.ed.replace(entries[last_kept].end, entries[-1].end, "")
    if plan.additions:
        opener_line = lay.ed.line_of(_opener(lay, node))
        if lay.ed.line_of(entries[0].start) != opener_line:
            indent = lay.ed.newline + " " * lay.ed.column(entries[last_kept].start)
            new = "".join("," + indent + fmt(item) for item in plan.additions)
        else:
            new = "".join(", " + fmt(item) for item in plan.additions)
        lay.ed.insert(entries[-1].end, new)


def _opener(lay: Layout, node: Node) -> int:
    index = lay.text.find("{" if node.kind == "mapping" else "[", node.start, node.end)
    if index < 0:  # pragma: no cover - a flow collection always has its bracket
        raise unsupported("a flow collection has no opening bracket")
    return index


def fill_empty(
    lay: Layout,
    parent: Node,
    key: Node,
    value: Node,
    items: Sequence[object],
    style: Style,
    fmt: Formatter,
    geometry: Geometry,
) -> None:
    """Give a null or empty (``{}``/``[]``) value its first ``items``."""
    if value.anchor is not None or value.tag is not None:
        raise unsupported("an empty collection to fill has an anchor or a tag")
    colon = lay.colon_after(key)
    key_line = lay.ed.line_of(key.start)
    on_key_line = value.is_empty_scalar or lay.ed.line_of(value.start) == key_line
    if not parent.flow and on_key_line:
        if not value.is_empty_scalar:
            lay.ed.replace(colon + 1, lay.end_of(value), "")
        indent = " " * (lay.key_column(key) + geometry.child_offset(style))
        lay.ed.insert_lines_after(
            key_line, [indent + style.block_prefix + fmt(item) for item in items]
        )
        return
    flow = style.empty[0] + ", ".join(fmt(item) for item in items) + style.empty[1]
    if value.is_empty_scalar:
        lay.ed.insert(colon + 1, " " + flow)
    else:
        lay.ed.replace(value.start, lay.end_of(value), flow)


def add_key(
    lay: Layout,
    parent: Node,
    path: Sequence[str],
    items: Sequence[object],
    style: Style,
    fmt: Formatter,
    geometry: Geometry,
) -> None:
    """Append ``path[0]: {path[1]: ... items}`` to the mapping ``parent``, in its style."""
    entries = lay.entries(parent)
    if parent.flow:
        inner = style.empty[0] + ", ".join(fmt(item) for item in items) + style.empty[1]
        for name in reversed(path[1:]):
            inner = "{" + f"{name}: {inner}" + "}"
        text = f"{path[0]}: {inner}"
        if entries:
            lay.ed.insert(entries[-1].end, ", " + text)
        else:
            lay.ed.insert(_opener(lay, parent) + 1, text)
        return
    column = lay.ed.column(entries[0].start)
    lines = []
    for depth, name in enumerate(path):
        lines.append(" " * (column + depth * geometry.step) + name + ":")
    child = " " * (column + (len(path) - 1) * geometry.step + geometry.child_offset(style))
    lines.extend(child + style.block_prefix + fmt(item) for item in items)
    lay.ed.insert_lines_after(lay.lines_of(entries[-1])[1], lines)
