"""The mappings table: one row per catalog component and per PagerDuty service no component
claims, each with its state, filtered, searched and paged. Pure: a snapshot in, rows out.

States, as a person deciding what to fix reads them:

- ``mapped`` (mapped in source): the component's ``pagerduty.com/*`` annotation names the
  service (an override saying the same changes nothing);
- ``override`` (mapped only by an override): the stored mapping table says so, the catalog
  file does not — it is lost with the database, so the fix is to annotate the file;
- ``unmapped``: a component without a service, or a service without a component;
- ``conflict``: two components claim one service, an annotation names a service that no
  account has (deleted?), or an integration key no service owns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..automatch import Candidate, suggest
from ..automatch.matcher import Suggestion
from ..catalog import annotation_keys
from ..catalog.component import CatalogEntity
from ..sync.model import MappingEntry, MappingStatus

STATES = ("mapped", "override", "unmapped", "conflict")
STATE_LABELS = {
    "mapped": "mapped in source",
    "override": "override only",
    "unmapped": "unmapped",
    "conflict": "conflict",
}
PAGE_SIZE = 50
MAX_QUERY = 100


@dataclass(frozen=True)
class ServiceInfo:
    """A PagerDuty service as the table shows it."""

    id: str
    name: str
    account: str
    team: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Pending:
    """An accepted suggestion whose pull request is not merged yet (see ``proposals``)."""

    service_id: str
    repository: str
    branch: str | None
    url: str | None


@dataclass(frozen=True)
class Row:
    entity_ref: str | None
    service: ServiceInfo | None
    service_id: str | None
    state: str
    detail: str = ""
    owner: str | None = None
    suggestion: Suggestion | None = None
    pending: Pending | None = None
    repository: str | None = None

    @property
    def key(self) -> str:
        """What a form names the row by."""
        return self.entity_ref or f"service:{self.service_id}"

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    def text(self) -> str:
        """What a search matches against, lower-cased."""
        parts = [self.entity_ref or "", self.service_id or "", self.owner or "", self.detail]
        if self.service is not None:
            parts += [self.service.name, self.service.team or "", self.service.account]
        return " ".join(parts).lower()


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def build_rows(
    entities: Mapping[str, CatalogEntity],
    entries: Sequence[MappingEntry],
    services: Iterable[ServiceInfo],
    overrides: Mapping[str, str | None],
    pending: Mapping[str, Pending],
) -> Table:
    """Every component (sorted by ref) then every unclaimed service (sorted by name), with
    auto-match suggestions for the unmapped components among the unclaimed services."""
    by_id = {s.id: s for s in services}
    rows: list[Row] = []
    claimed: set[str] = set()
    for entry in entries:
        entity = entities.get(entry.entity_ref)
        state, detail = _state(entry, entity, by_id, overrides)
        if entry.service_id:
            claimed.add(entry.service_id)
        location = entity.location if entity else None
        waiting = pending.get(entry.entity_ref) if state == "unmapped" else None
        rows.append(
            Row(
                entity_ref=entry.entity_ref,
                service=by_id.get(entry.service_id or ""),
                service_id=entry.service_id,
                state=state,
                detail=detail,
                owner=entity.owner if entity else None,
                pending=waiting,
                repository=location.group_key if location else None,
            )
        )
    unclaimed = sorted(
        (s for s in by_id.values() if s.id not in claimed), key=lambda s: (s.name.lower(), s.id)
    )
    rows = _with_suggestions(rows, unclaimed, pending)
    rows += [Row(None, s, s.id, "unmapped", "no component claims this service") for s in unclaimed]
    counts = {state: 0 for state in STATES}
    for row in rows:
        counts[row.state] += 1
    return Table(rows, counts)


def _state(
    entry: MappingEntry,
    entity: CatalogEntity | None,
    services: Mapping[str, ServiceInfo],
    overrides: Mapping[str, str | None],
) -> tuple[str, str]:
    status = entry.status
    if status is MappingStatus.UNMAPPED:
        return "unmapped", entry.detail
    if status is not MappingStatus.MAPPED:  # conflict, missing service, unresolved key
        return "conflict", entry.detail
    if services and entry.service_id not in services:
        return "conflict", (
            f"no configured PagerDuty account has service {entry.service_id} (deleted?), "
            f"but the {'override' if entry.source == 'override' else 'annotation'} names it"
        )
    if entry.source == "override":
        written = annotation_keys.value_of(
            entity.annotation(annotation_keys.SERVICE_ID) if entity else None
        )
        if written != entry.service_id:
            return "override", "only the stored override says so: annotate the catalog file"
    return "mapped", ""


def _with_suggestions(
    rows: list[Row], unclaimed: Sequence[ServiceInfo], pending: Mapping[str, Pending]
) -> list[Row]:
    """Rows of unmapped components get their auto-match suggestion, if any reaches medium
    confidence; a service already proposed in an open pull request is not offered again."""
    offered = {p.service_id for p in pending.values()}
    wanting = [
        Candidate(r.entity_ref, r.entity_ref.rpartition("/")[2], r.owner)
        for r in rows
        if r.state == "unmapped" and r.entity_ref and r.pending is None
    ]
    free = [Candidate(s.id, s.name, s.team) for s in unclaimed if s.id not in offered]
    found = {s.entity_ref: s for s in suggest(wanting, free)}
    out = []
    for row in rows:
        suggestion = found.get(row.entity_ref or "")
        out.append(_replace(row, suggestion) if suggestion else row)
    return out


def _replace(row: Row, suggestion: Suggestion) -> Row:
    return replace(row, suggestion=suggestion)


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    number: int
    pages: int
    total: int


def select(
    table: Table,
    *,
    state: str | None = None,
    query: str = "",
    suggested: bool = False,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Page:
    """The rows in ``state`` (any when None) whose text holds every word of ``query``
    (at most ``MAX_QUERY`` characters), only those with a suggestion when ``suggested``, and
    the ``page``-th page of them (clamped to the pages there are)."""
    words = query[:MAX_QUERY].lower().split()
    chosen = [
        row
        for row in table.rows
        if (state is None or row.state == state)
        and (not suggested or row.suggestion is not None)
        and (not words or all(w in row.text() for w in words))
    ]
    pages = max(1, -(-len(chosen) // page_size))
    number = min(max(1, page), pages)
    start = (number - 1) * page_size
    return Page(chosen[start : start + page_size], number, pages, len(chosen))
