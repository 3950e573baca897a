"""Refuse YAML that would cost far more to walk than its size says, before anything walks it.

A YAML alias (``*name``) stands for the whole node its anchor (``&name``) marks, so a file of a
kilobyte can describe billions of nodes ("billion laughs"): nine lists of nine aliases to the
list before hold 9^9 strings. Loaders share the anchored object, so loading is cheap, but any
walk of the data (our template reader, a JSON Schema check, comparing two catalog documents)
expands it and never finishes. Anchors are still useful in moderation (``<<: *defaults`` in a
catalog file, one parameter schema reused in a template), so instead of refusing them we count,
from the parser's events and before anything is composed, how many nodes the aliases stand
for, and stop at a budget. An alias to a node that contains it (a recursive structure, which no
JSON consumer can read) is refused outright.

Nesting is bounded too: ruamel's scanner does work proportional to the depth of open ``[``/``{``
for every token (a megabyte of ``[`` takes hours), and every walk after it recurses per level
(libyaml's composer too, in C).

The events may come from ruamel or from PyYAML's libyaml parser (``fast_yaml``): both name their
event classes alike and give them the same ``anchor`` and ``start_mark``, so the budget reads
them by class name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

#: How many nodes all the aliases of one YAML stream may stand for, together.
MAX_ALIAS_NODES = 10_000
#: How many mappings and sequences may be open inside each other.
MAX_YAML_DEPTH = 100


class YamlBudgetError(ValueError):
    """The YAML stands for more than we walk: aliases beyond the budget, a recursive alias or
    nesting too deep. ``problem`` says which and what to do, ``line``/``column`` (1-based) where.
    """

    def __init__(self, problem: str, mark: Any) -> None:
        self.problem = problem
        self.line = mark.line + 1
        self.column = mark.column + 1
        super().__init__(f"{problem} (at line {self.line}, column {self.column})")


@dataclass
class _Open:
    """A mapping or sequence whose end event has not come yet."""

    anchor: str | None
    nodes: int = 1


_ALIAS, _SCALAR, _START, _END, _DOCUMENT_END = range(5)
_KINDS = {
    "AliasEvent": _ALIAS,
    "ScalarEvent": _SCALAR,
    "MappingStartEvent": _START,
    "SequenceStartEvent": _START,
    "MappingEndEvent": _END,
    "SequenceEndEvent": _END,
    "DocumentEndEvent": _DOCUMENT_END,
}


def within_budget(
    events: Iterable[Any], limit: int = MAX_ALIAS_NODES, max_depth: int = MAX_YAML_DEPTH
) -> Iterator[Any]:
    """The events, passed on one by one; :class:`YamlBudgetError` as soon as the aliases seen
    stand for over ``limit`` nodes or collections nest deeper than ``max_depth``.

    Each anchored node's expanded size is known when its last event has passed; an alias adds
    that size to the running total, so the work is one pass over the events whatever the
    expansion would be. An alias to an unknown anchor counts as one node: the loader reports it.
    """
    sizes: dict[str, int] = {}
    stack: list[_Open] = []
    through_aliases = 0

    def add(nodes: int) -> None:
        if stack:
            stack[-1].nodes += nodes

    for event in events:
        kind = _KINDS.get(type(event).__name__)
        if kind == _ALIAS:
            name = str(event.anchor)
            if any(frame.anchor == name for frame in stack):
                raise YamlBudgetError(
                    f"the YAML alias *{name} refers to a node that contains it (a recursive "
                    "structure); write the value out instead",
                    event.start_mark,
                )
            size = sizes.get(name, 1)
            through_aliases += size
            if through_aliases > limit:
                raise YamlBudgetError(
                    f"YAML aliases expand to more than {limit} nodes (here *{name} alone "
                    f"stands for {size}); use fewer anchors and aliases, or write the values out",
                    event.start_mark,
                )
            add(size)
        elif kind == _SCALAR:
            if event.anchor is not None:
                sizes[str(event.anchor)] = 1
            add(1)
        elif kind == _START:
            if len(stack) >= max_depth:
                raise YamlBudgetError(
                    f"the YAML nests more than {max_depth} mappings or lists deep; flatten it",
                    event.start_mark,
                )
            anchor = event.anchor
            stack.append(_Open(str(anchor) if anchor is not None else None))
        elif kind == _END and stack:
            done = stack.pop()
            if done.anchor is not None:
                sizes[done.anchor] = done.nodes
            add(done.nodes)
        elif kind == _DOCUMENT_END:
            sizes.clear()  # anchors do not carry over to the next document
        yield event


def check_yaml_budget(text: str) -> None:
    """:func:`within_budget` over the events of ``text``, for loaders that read text.

    Parse errors are raised as the loader would raise them (ruamel's ``YAMLError``).
    """
    from ruamel.yaml import YAML  # here only: libyaml's events serve most text

    for _ in within_budget(YAML(typ="safe", pure=True).parse(text)):
        pass
