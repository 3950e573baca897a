"""The data a sync works on: both graphs, the entity <-> service mapping, and the plan.

Entity refs are normalised strings, ``kind:namespace/name`` lower-cased, so that two spellings
of one entity compare equal, as Backstage compares them. Service ids are PagerDuty's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..catalog.component import CatalogEntity as CatalogEntity
from ..catalog.component import Location as Location

STRATEGIES = ("backstage", "pagerduty", "both", "disabled")


class Strategy(StrEnum):
    BACKSTAGE = "backstage"  # PagerDuty follows Backstage
    PAGERDUTY = "pagerduty"  # Backstage follows PagerDuty (pull requests to catalog files)
    BOTH = "both"  # union: add to each side what the other has, remove nothing
    DISABLED = "disabled"


@dataclass
class BackstageGraph:
    """Components by ref. ``depends_on`` entries are kept as written (for the file edit);
    ``resolved`` maps each written entry to its normalised ref (None when it does not parse),
    filled once by ``mapping.resolve_depends_on``; an entry missing from it is a KeyError
    rather than "no dependency", which a ``backstage`` plan would turn into removals."""

    entities: dict[str, CatalogEntity] = field(default_factory=dict)
    resolved: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def dependencies(self, ref: str) -> set[str]:
        entity = self.entities[ref]
        out = set()
        for entry in entity.depends_on:
            target = self.resolved[(ref, entry)]
            if target is not None:
                out.add(target)
        return out


@dataclass
class PagerDutyGraph:
    """Technical-service dependencies: dependent service id -> supporting service ids.

    Only services that were read are keys; ``missing`` are mapped services PagerDuty no longer
    has (deleted but still annotated).
    """

    supporting: dict[str, set[str]] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    # Read service -> the services depending on it. Needed only for edges whose dependent was
    # not read (unmapped), so the report can say they were left alone.
    dependents: dict[str, set[str]] = field(default_factory=dict)
    # Every relationship each read service has (both directions, business services too), as
    # PagerDuty counts them against its per-service limit; ``supporting`` sees only one way.
    relationship_counts: dict[str, int] = field(default_factory=dict)


class MappingStatus(StrEnum):
    MAPPED = "mapped"
    UNMAPPED = "unmapped"
    CONFLICT = "conflict"  # two entities claim one service: reported, never guessed
    MISSING_SERVICE = "missing-service"  # annotated, but PagerDuty has no such service
    UNRESOLVED = "unresolved"  # an integration key no service owns


@dataclass(frozen=True)
class MappingEntry:
    entity_ref: str
    service_id: str | None
    status: MappingStatus
    source: str  # "annotation:service-id", "annotation:integration-key", "override", "-"
    detail: str = ""


@dataclass
class Mapping:
    """The usable part is ``entity_to_service``/``service_to_entity`` (one to one);
    ``entries`` lists every component with its status for the report and ``GET /v2/mappings``."""

    entity_to_service: dict[str, str] = field(default_factory=dict)
    service_to_entity: dict[str, str] = field(default_factory=dict)
    entries: list[MappingEntry] = field(default_factory=list)


class ChangeKind(StrEnum):
    ADD = "add"
    REMOVE = "remove"


@dataclass(frozen=True)
class PagerDutyChange:
    """Add or remove: ``dependent`` depends on ``supporting`` (service ids)."""

    kind: ChangeKind
    dependent: str
    supporting: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "side": "pagerduty",
            "kind": self.kind.value,
            "dependent": self.dependent,
            "supporting": self.supporting,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class BackstageChange:
    """The new ``spec.dependsOn`` of one entity (entries not managed by us kept as written)."""

    entity_ref: str
    depends_on: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    reason: str
    location: Location | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "side": "backstage",
            "entityRef": self.entity_ref,
            "dependsOn": list(self.depends_on),
            "added": list(self.added),
            "removed": list(self.removed),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class KeptEdge:
    """A PagerDuty dependency left alone because an end is not mapped ("unmanaged, kept")."""

    dependent: str
    supporting: str
    reason: str


@dataclass
class Plan:
    strategy: Strategy
    pagerduty: list[PagerDutyChange] = field(default_factory=list)
    backstage: list[BackstageChange] = field(default_factory=list)
    kept: list[KeptEdge] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # e.g. dependsOn entries that do not parse

    @property
    def change_count(self) -> int:
        return len(self.pagerduty) + sum(len(c.added) + len(c.removed) for c in self.backstage)
