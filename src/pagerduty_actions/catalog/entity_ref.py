"""Backstage entity refs: ``[kind:][namespace/]name``, parsed, validated and compared.

Backstage compares refs case-insensitively and fills a missing kind or namespace from context
(``component`` and ``default`` for a template's target, the entity's own namespace for its
relations). Doing the same here lets a caller name an entity however Backstage would accept it,
and lets the dependency edit recognise ``Component:default/db`` and ``component:db`` as one.

This is the one module that parses a ref, fills its defaults and writes its string forms; the
sync, the annotate action, the routes and the catalog edits all come here, so a ref that one of
them calls ``component:shop/checkout`` is never spelled or resolved differently by another:

- :meth:`EntityRef.normalised` (``kind:namespace/name``, lower-cased) is the identity the sync
  keys its graph by and shows in reports, overrides and ``GET /v2/mappings``;
- :func:`resolve_relation` is Backstage's rule for a ``dependsOn`` entry (kind ``component``,
  the owner's namespace) and :func:`relation_spelling` its inverse, the shortest entry written;
- :func:`short_label` is how sync messages name an entity, :meth:`EntityRef.compact` how the
  annotate action names one in a branch and a title.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidEntityRefError

_KIND = re.compile(r"^[A-Za-z][A-Za-z0-9]*\Z")
# Backstage's name rule (letters, digits, single separators), applied to namespaces too.
_NAME = re.compile(r"^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*\Z")
_MAX_LEN = 63
#: What Backstage assumes when a ref omits its kind or namespace (a template's target, a
#: relation's kind); a relation's namespace defaults to its owner's instead.
DEFAULT_KIND = "component"
DEFAULT_NAMESPACE = "default"


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

    @classmethod
    def with_defaults(
        cls,
        kind: str | None,
        namespace: str | None,
        name: str,
        default_kind: str = DEFAULT_KIND,
        default_namespace: str = DEFAULT_NAMESPACE,
    ) -> EntityRef:
        """The ref with its missing (None or empty) kind and namespace filled in."""
        return cls(kind or default_kind, namespace or default_namespace, name)

    def normalised(self) -> str:
        """``kind:namespace/name`` lower-cased: one string per entity, however it was spelled."""
        return f"{self.kind}:{self.namespace}/{self.name}".lower()

    def compact(self) -> str:
        """The bare lower-cased name for a component in the default namespace (the common case,
        and what a title reads best with), else :meth:`normalised`."""
        if (self.kind.casefold(), self.namespace.casefold()) == (DEFAULT_KIND, DEFAULT_NAMESPACE):
            return self.name.lower()
        return self.normalised()


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
    default_kind: str = DEFAULT_KIND,
    default_namespace: str = DEFAULT_NAMESPACE,
) -> EntityRef:
    """Parse ``name``, ``kind:name``, ``namespace/name``, ``kind:namespace/name`` or an object.

    The object form is Backstage's ``{kind, namespace, name}`` (only ``name`` is required).
    Missing parts come from the defaults.
    """
    if isinstance(ref, Mapping):
        return _from_object(ref, default_kind, default_namespace)
    kind, namespace, name = split_entity_ref(ref)
    return EntityRef.with_defaults(kind, namespace, name, default_kind, default_namespace)


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
    return EntityRef.with_defaults(
        parts["kind"], parts["namespace"], parts["name"], default_kind, default_namespace
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
    return EntityRef(kind, namespace or DEFAULT_NAMESPACE, name)


def normalise_ref(
    ref: str | Mapping[str, Any], *, default_namespace: str = DEFAULT_NAMESPACE
) -> str:
    """``ref`` parsed (default kind ``component``) and :meth:`EntityRef.normalised`.

    Raises :class:`InvalidEntityRefError` when ``ref`` is not an entity ref.
    """
    return parse_entity_ref(ref, default_namespace=default_namespace).normalised()


def namespace_of(normalised: str) -> str:
    """The namespace of a normalised ref (``default`` if the ref does not parse)."""
    try:
        return parse_entity_ref(normalised).namespace.lower()
    except InvalidEntityRefError:
        return DEFAULT_NAMESPACE


def resolve_relation(owner: str, entry: str) -> str:
    """The normalised ref a relation entry (``dependsOn``) of the entity ``owner`` names, as
    Backstage reads it: kind ``component`` and the owner's own namespace when omitted.

    Raises :class:`InvalidEntityRefError` when the entry does not parse.
    """
    return normalise_ref(entry, default_namespace=namespace_of(owner))


def relation_spelling(owner: str, target: str) -> str:
    """How a new ``dependsOn`` entry of ``owner`` naming ``target`` (both normalised) is
    written: ``component:<name>`` when the target is in the owner's namespace, else
    ``component:<namespace>/<name>``.

    That is the shortest form that :func:`resolve_relation` resolves back to ``target``. The
    kind is always written: ``dependsOn`` also names resources, so a reader (and any resolver
    that does not default the kind) sees at once that the entry is a component.
    """
    kind, namespace, name = _parts(target)
    if namespace == namespace_of(owner):
        return f"{kind}:{name}"
    return f"{kind}:{namespace}/{name}"


def short_label(normalised: str) -> str:
    """How a message names an entity: ``checkout`` for ``component:default/checkout``,
    ``shop/checkout`` in another namespace, ``api:orders`` for another kind."""
    kind, namespace, name = _parts(normalised)
    if not name:
        return normalised
    shown = name if namespace == DEFAULT_NAMESPACE else f"{namespace}/{name}"
    return shown if kind == DEFAULT_KIND else f"{kind}:{shown}"


def _parts(normalised: str) -> tuple[str, str, str]:
    """Kind, namespace and name of a normalised ref, split without checking them: a catalog's
    own entity names are taken as Backstage gave them, even ones our parser would refuse."""
    kind, _, rest = normalised.partition(":")
    namespace, _, name = rest.partition("/")
    return kind, namespace, name
