"""Which entity of a catalog file an edit is about: list them, pick one by ref.

A catalog file may hold several documents (a System, its APIs and Components, a Group...), and a
user names the target however Backstage would accept it (``checkout``, ``api:checkout``,
``shop/checkout``). Selection is lenient only where that stays unambiguous, and every failure
lists the entities present so the fix is obvious.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._yaml_tree import Document, parse_stream
from .entity_ref import DEFAULT_NAMESPACE, EntityRef, parse_entity_ref, split_entity_ref
from .errors import AmbiguousEntityError, EntityNotFoundError

_BOM = "\ufeff"
EntityRefInput = str | EntityRef | Mapping[str, Any] | None


@dataclass(frozen=True)
class EntityInfo:
    """An entity found in a catalog file: its identity and where it is (1-based ``line``)."""

    kind: str
    namespace: str
    name: str
    document_index: int
    line: int

    @property
    def ref(self) -> EntityRef:
        return EntityRef(self.kind, self.namespace, self.name)

    def __str__(self) -> str:
        return str(self.ref)


@dataclass
class Parsed:
    """A file split into its BOM (kept aside, re-added on output), body and documents."""

    bom: str
    body: str
    documents: list[Document]

    @classmethod
    def of(cls, text: str) -> Parsed:
        bom = _BOM if text.startswith(_BOM) else ""
        body = text[len(bom) :]
        return cls(bom, body, parse_stream(body))


def list_entities(text: str) -> list[EntityInfo]:
    """Every entity (a document with a string ``kind`` and ``metadata.name``) in file order."""
    return [info for info, _ in entities(Parsed.of(text))]


def entities(parsed: Parsed) -> list[tuple[EntityInfo, Document]]:
    found = []
    for document in parsed.documents:
        identity = entity_identity(document.data)
        if identity is None or document.root is None:
            continue
        line = parsed.body.count("\n", 0, document.root.start) + 1
        found.append((EntityInfo(*identity, document.index, line), document))
    return found


def entity_identity(data: Any) -> tuple[str, str, str] | None:
    """``(kind, namespace, name)`` of a document that is an entity (a mapping with a string
    ``kind`` and ``metadata.name``), else None."""
    if not isinstance(data, dict):
        return None
    metadata = data.get("metadata")
    kind = data.get("kind")
    if not isinstance(kind, str) or not isinstance(metadata, dict):
        return None
    name, namespace = metadata.get("name"), metadata.get("namespace") or DEFAULT_NAMESPACE
    if not isinstance(name, str) or not isinstance(namespace, str):
        return None
    return kind, namespace, name


def select_entity(text: str, entity_ref: EntityRefInput = None) -> EntityInfo:
    """The only entity of the file, or the one ``entity_ref`` names.

    A ref that omits the kind or namespace first means ``component``/``default`` (Backstage's
    defaults); when nothing matches that exactly, an entity whose given parts match is taken
    if it is the only one. Raises :class:`EntityNotFoundError` or :class:`AmbiguousEntityError`,
    both listing the entities present.
    """
    return select(Parsed.of(text), entity_ref)[0]


def select(parsed: Parsed, entity_ref: EntityRefInput) -> tuple[EntityInfo, Document]:
    found = entities(parsed)
    present = [str(info) for info, _ in found]
    if entity_ref is None:
        if len(found) == 1:
            return found[0]
        if not found:
            raise EntityNotFoundError(None, present)
        raise AmbiguousEntityError(None, present)
    if isinstance(entity_ref, EntityRef | Mapping):
        wanted = entity_ref if isinstance(entity_ref, EntityRef) else parse_entity_ref(entity_ref)
        parts: tuple[str | None, str | None, str] = (
            wanted.kind,
            wanted.namespace,
            wanted.name,
        )
        shown = str(wanted)
    else:
        parts = split_entity_ref(entity_ref)
        shown = entity_ref.strip()
        wanted = EntityRef.with_defaults(*parts)
    exact = [item for item in found if item[0].ref == wanted]
    if len(exact) == 1:
        return exact[0]
    kind, namespace, name = (p.casefold() if p else None for p in parts)
    loose = [
        item
        for item in found
        if item[0].name.casefold() == name
        and (kind is None or item[0].kind.casefold() == kind)
        and (namespace is None or item[0].namespace.casefold() == namespace)
    ]
    if len(loose) == 1:
        return loose[0]
    if loose:
        raise AmbiguousEntityError(shown, [str(info) for info, _ in loose])
    raise EntityNotFoundError(shown, present)
