"""A positioned view of a YAML stream: every node with its exact character span.

ruamel.yaml's composed nodes hide aliases (an alias becomes the anchored node, whose position is
elsewhere in the file) and its round-trip dump re-flows whitespace in corner cases. Building our
own small tree from the parser's events keeps what a minimal text edit needs: where each key,
value, alias, flow or block collection starts and ends, its style and anchor. The data of each
document is ruamel's safe loader's YAML 1.2 reading (merge keys, anchors and tags resolved as a
consumer of the file, Backstage included, would see them), given by libyaml where the two
cannot differ (``fast_yaml``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver

from ..fast_yaml import load_all
from ..yaml_budget import YamlBudgetError, within_budget
from .errors import CatalogBudgetError, CatalogYamlError

NodeKind = Literal["scalar", "mapping", "sequence", "alias"]
STR_TAG = "tag:yaml.org,2002:str"
_RESOLVERS = (VersionedResolver(version=(1, 2)), VersionedResolver(version=(1, 1)))


@dataclass(eq=False)
class Node:
    """One node of the stream. ``start``/``end`` index the text (end exclusive).

    For a scalar, ``value`` is the parsed string and ``style`` its quoting (None for plain,
    ``'`` ``"`` ``|`` ``>``); the span includes a leading anchor or tag. Mappings keep ``pairs``
    in file order, sequences ``items``. ``flow`` tells ``{}``/``[]`` from block style.
    """

    kind: NodeKind
    start: int
    end: int
    anchor: str | None = None
    tag: str | None = None
    style: str | None = None
    value: str = ""
    plain_implicit: bool = False
    flow: bool = False
    pairs: list[tuple[Node, Node]] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)

    @property
    def is_empty_scalar(self) -> bool:
        """An absent value (``key:`` with nothing after it); its span is not meaningful."""
        return (
            self.kind == "scalar"
            and self.value == ""
            and self.style is None
            and self.anchor is None
            and self.tag is None
        )

    def is_str_key(self, wanted: str) -> bool:
        """True when this node is a scalar key that a loader would read as the string given."""
        if self.kind != "scalar" or self.value != wanted:
            return False
        if self.tag is not None:
            return self.tag in (STR_TAG, "!!str", "!")
        if self.style is not None:
            return True
        return resolves_to_str(wanted)

    def get(self, key: str) -> tuple[Node, Node] | None:
        """The last ``(key node, value node)`` pair of a mapping for a string key."""
        found = None
        for pair in self.pairs:
            if pair[0].is_str_key(key):
                found = pair
        return found

    def has_merge_key(self) -> bool:
        return any(
            k.kind == "scalar" and k.value == "<<" and k.style is None for k, _ in self.pairs
        )


@dataclass
class Document:
    """One document of the stream: its root node (None when empty) and its loaded data."""

    index: int
    root: Node | None
    data: Any
    start: int
    end: int


def resolves_to_str(value: str) -> bool:
    """True when a plain scalar reads as a string under both YAML 1.1 and YAML 1.2 rules."""
    return all(
        str(resolver.resolve(ScalarNode, value, (True, False))) == STR_TAG
        for resolver in _RESOLVERS
    )


def parse_stream(text: str) -> list[Document]:
    """Every document of ``text`` (no BOM) with positions and data.

    Raises :class:`CatalogYamlError` (1-based line and column) when the text is not YAML,
    :class:`CatalogBudgetError` when its aliases stand for more than ``MAX_ALIAS_NODES`` nodes
    or it nests deeper than ``MAX_YAML_DEPTH`` (checked on the events as they come, before the
    loader builds anything: every edit compares expanded data, and walks recurse per level).
    """
    try:
        events = list(within_budget(YAML(typ="safe", pure=True).parse(text)))
    except YamlBudgetError as exc:
        raise CatalogBudgetError(exc.problem, exc.line, exc.column) from None
    except YAMLError as exc:
        raise _as_catalog_error(exc) from None
    data = load_data(text)
    documents = _documents(events)
    if len(documents) != len(data):  # pragma: no cover - both come from the same parser
        raise CatalogYamlError("the documents could not be read consistently", None, None)
    for document, loaded in zip(documents, data, strict=True):
        document.data = loaded
    return documents


def load_data(text: str) -> list[Any]:
    """The data of every document of ``text`` (no BOM), read only: no positions, so libyaml
    reads it where it reads as ruamel does (``fast_yaml``). Errors as :func:`parse_stream`."""
    try:
        return load_all(text)
    except YamlBudgetError as exc:
        raise CatalogBudgetError(exc.problem, exc.line, exc.column) from None
    except YAMLError as exc:
        raise _as_catalog_error(exc) from None


def _documents(events: list[Event]) -> list[Document]:
    documents: list[Document] = []
    stream = iter(events)
    for event in stream:
        if isinstance(event, DocumentStartEvent):
            root: Node | None = None
            start = event.start_mark.index
            for inner in stream:
                if isinstance(inner, DocumentEndEvent):
                    documents.append(
                        Document(len(documents), root, None, start, inner.end_mark.index)
                    )
                    break
                root = _node(inner, stream)
    return documents


def _node(event: Event, stream: Iterator[Event]) -> Node:
    start, end = event.start_mark.index, event.end_mark.index
    raw_tag = getattr(event, "tag", None)
    tag = str(raw_tag) if raw_tag is not None else None
    if isinstance(event, AliasEvent):
        return Node("alias", start, end, anchor=event.anchor)
    if isinstance(event, ScalarEvent):
        return Node(
            "scalar",
            start,
            end,
            anchor=event.anchor,
            tag=tag,
            style=event.style or None,
            value=event.value,
            plain_implicit=bool(event.implicit[0]),
        )
    if isinstance(event, MappingStartEvent):
        node = Node(
            "mapping", start, end, anchor=event.anchor, tag=tag, flow=bool(event.flow_style)
        )
        for inner in stream:
            if isinstance(inner, MappingEndEvent):
                node.end = inner.end_mark.index
                break
            key = _node(inner, stream)
            node.pairs.append((key, _node(next(stream), stream)))
        return node
    if isinstance(event, SequenceStartEvent):
        node = Node(
            "sequence", start, end, anchor=event.anchor, tag=tag, flow=bool(event.flow_style)
        )
        for inner in stream:
            if isinstance(inner, SequenceEndEvent):
                node.end = inner.end_mark.index
                break
            node.items.append(_node(inner, stream))
        return node
    raise CatalogYamlError(  # pragma: no cover - the parser emits no other event here
        f"unexpected {type(event).__name__}", None, None
    )


def _as_catalog_error(exc: YAMLError) -> CatalogYamlError:
    """Our error for a ruamel error, with no quoted text: values may be secrets."""
    if isinstance(exc, ReaderError):
        # ReaderError has a character position only; no line is known.
        return CatalogYamlError(
            f"unacceptable character #x{exc.character:04x} at character {exc.position}",
            None,
            None,
        )
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        if "duplicate key" in problem:
            problem = "a key appears twice in the same mapping"
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        return CatalogYamlError(problem, line, column)
    return CatalogYamlError("the file could not be parsed", None, None)
