"""Backstage entity refs: ``[kind:][namespace/]name``, parsed, validated and compared.

Backstage compares refs case-insensitively and fills a missing kind or namespace from context
(``component`` and ``default`` for a template's target, the entity's own namespace for its
relations). Doing the same here lets a caller name an entity however Backstage would accept it,
and lets the dependency edit recognise ``Component:default/db`` and ``component:db`` as one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidEntityRefError

_KIND = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
# Backstage's name rule (letters, digits, single separators), applied to namespaces too.
_NAME = re.compile(r"^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$")
_MAX_LEN = 63


@dataclass(frozen=True, eq=False)
class EntityRef:
    """One entity's identity. Equality and hashing ignore case, as Backstage does."""

    kind: str
    namespace: str
    name: str

    def _key(self) -> tuple[str, str, str]:
        return (self.kind.casefold(), self.namespace.casefold(), self.name.casefold())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EntityRef):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return f"{self.kind.lower()}:{self.namespace}/{self.name}"


def split_entity_ref(text: str) -> tuple[str | None, str | None, str]:
    """The parts of a string ref as written: ``(kind or None, namespace or None, name)``.

    Surrounding whitespace is ignored. Raises :class:`InvalidEntityRefError` when a part is
    empty, has a character Backstage does not allow, or there are extra ``:`` or ``/``.
    """
    if not isinstance(text, str):
        raise InvalidEntityRefError(repr(text), "a ref must be a string or an object")
    stripped = text.strip()
    if not stripped:
        raise InvalidEntityRefError(text, "the ref is empty")
    kind: str | None = None
    namespace: str | None = None
    rest = stripped
    if ":" in rest:
        kind, rest = rest.split(":", 1)
        if ":" in rest:
            raise InvalidEntityRefError(text, "more than one ':'")
    if "/" in rest:
        namespace, rest = rest.split("/", 1)
        if "/" in rest:
            raise InvalidEntityRefError(text, "more than one '/'")
    _check_part(text, "kind", kind, _KIND)
    _check_part(text, "namespace", namespace, _NAME)
    _check_part(text, "name", rest, _NAME)
    return kind, namespace, rest


def _check_part(text: str, label: str, value: str | None, pattern: re.Pattern[str]) -> None:
    if value is None:
        return
    if not value:
        raise InvalidEntityRefError(text, f"the {label} is empty")
    if len(value) > _MAX_LEN:
        raise InvalidEntityRefError(text, f"the {label} is longer than {_MAX_LEN} characters")
    if not pattern.match(value):
        allowed = (
            "a letter followed by letters and digits"
            if label == "kind"
            else "letters and digits separated by single '-', '_' or '.'"
        )
        raise InvalidEntityRefError(text, f"the {label} {value!r} is not {allowed}")


def parse_entity_ref(
    ref: str | Mapping[str, Any],
    default_kind: str = "component",
    default_namespace: str = "default",
) -> EntityRef:
    """Parse ``name``, ``kind:name``, ``namespace/name``, ``kind:namespace/name`` or an object.

    The object form is Backstage's ``{kind, namespace, name}`` (only ``name`` is required).
    Missing parts come from the defaults.
    """
    if isinstance(ref, Mapping):
        return _from_object(ref, default_kind, default_namespace)
    kind, namespace, name = split_entity_ref(ref)
    return EntityRef(kind or default_kind, namespace or default_namespace, name)


def _from_object(ref: Mapping[str, Any], default_kind: str, default_namespace: str) -> EntityRef:
    shown = "{" + ", ".join(f"{k}: {ref[k]!r}" for k in sorted(map(str, ref))) + "}"
    unknown = set(map(str, ref)) - {"kind", "namespace", "name"}
    if unknown:
        raise InvalidEntityRefError(shown, f"unknown field(s) {', '.join(sorted(unknown))}")
    parts: dict[str, str | None] = {}
    for field in ("kind", "namespace", "name"):
        value = ref.get(field)
        if value is not None and not isinstance(value, str):
            raise InvalidEntityRefError(shown, f"the {field} must be a string")
        parts[field] = value.strip() if isinstance(value, str) else None
    if not parts["name"]:
        raise InvalidEntityRefError(shown, "the name is missing")
    _check_part(shown, "kind", parts["kind"], _KIND)
    _check_part(shown, "namespace", parts["namespace"], _NAME)
    _check_part(shown, "name", parts["name"], _NAME)
    return EntityRef(
        parts["kind"] or default_kind, parts["namespace"] or default_namespace, parts["name"]
    )


def ref_of(entity: Mapping[str, Any]) -> EntityRef:
    """The ref of a parsed catalog entity (``kind``, ``metadata.name``, ``metadata.namespace``)."""
    kind = entity.get("kind")
    metadata = entity.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if not isinstance(kind, str) or not isinstance(name, str):
        raise InvalidEntityRefError(
            "<entity>", "the entity needs a string 'kind' and a string 'metadata.name'"
        )
    namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    if namespace is not None and not isinstance(namespace, str):
        raise InvalidEntityRefError(f"{kind}:{name}", "metadata.namespace must be a string")
    return EntityRef(kind, namespace or "default", name)
