"""The sync plan: a pure function from both graphs, the mapping and a strategy to the changes.

Only edges whose two ends are mapped (a catalog component <-> a PagerDuty service, one to one)
are ever managed; everything else is left as it is and said so: PagerDuty edges with an
unmapped end are listed in ``Plan.kept`` ("unmanaged, kept"), ``dependsOn`` entries that are
not mapped components are kept as written. A service cannot depend on itself in PagerDuty, so
an entity listing itself is never synced either.

Strategies (the issue's exact semantics):

- ``backstage``: PagerDuty's managed edges become exactly Backstage's (add and remove).
- ``pagerduty``: each mapped entity's managed ``dependsOn`` entries become exactly PagerDuty's;
  other entries keep their order and spelling, new ones are appended.
- ``both``: each side gets what the other has; nothing is removed.
- ``disabled``: nothing.

PagerDuty allows at most 2,000 dependencies per service (counting both directions, as the API
does). Additions that would take a service past the limit are not planned; the service gets a
problem entry instead, so the apply step never sends them. The output is sorted, so the same
input always gives the same plan.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..catalog.entity_ref import relation_spelling, short_label
from .mapping import entity_label
from .model import (
    BackstageChange,
    BackstageGraph,
    ChangeKind,
    KeptEdge,
    Mapping,
    MappingStatus,
    PagerDutyChange,
    PagerDutyGraph,
    Plan,
    Strategy,
)

MAX_DEPENDENCIES_PER_SERVICE = 2000
_LISTED_IN_PROBLEM = 10

Edge = tuple[str, str]  # (dependent, supporting): entity refs or service ids


def plan(
    backstage: BackstageGraph,
    pagerduty: PagerDutyGraph,
    mapping: Mapping,
    strategy: Strategy,
    *,
    limit: int = MAX_DEPENDENCIES_PER_SERVICE,
) -> Plan:
    """The changes that bring the two sides in line under ``strategy`` (see the module doc).

    ``backstage.resolved`` must be filled by ``mapping.resolve_depends_on`` (an entry missing
    from it is a KeyError, never read as "no dependency"). Inputs are not modified.
    """
    result = Plan(strategy=Strategy(strategy))
    if result.strategy is Strategy.DISABLED:
        return result
    view = _View.of(backstage, pagerduty, mapping)
    result.problems.extend(view.problems)
    result.kept.extend(_kept_edges(view))
    if result.strategy in (Strategy.BACKSTAGE, Strategy.BOTH):
        result.problems.extend(_self_dependency_problems(view))
        wanted = {view.service_edge(edge) for edge in view.backstage_edges}
        adds = sorted(wanted - view.pagerduty_edges)
        removes: list[Edge] = []
        if result.strategy is Strategy.BACKSTAGE:
            removes = sorted(view.pagerduty_edges - wanted)
        adds, limit_problems = _within_limit(view, adds, removes, limit)
        result.problems.extend(limit_problems)
        result.pagerduty = _pagerduty_changes(view, adds, removes)
    if result.strategy is Strategy.PAGERDUTY:
        result.backstage = _follow_pagerduty(view)
    if result.strategy is Strategy.BOTH:
        result.backstage = _add_from_pagerduty(view)
    return result


@dataclass
class _View:
    """Both graphs reduced to what the plan needs: the usable mapping and the managed edges."""

    graph: BackstageGraph
    pagerduty: PagerDutyGraph
    entity_to_service: dict[str, str]
    service_to_entity: dict[str, str]
    backstage_edges: set[Edge] = field(default_factory=set)  # entity refs, both mapped
    pagerduty_edges: set[Edge] = field(default_factory=set)  # service ids, both mapped
    problems: list[str] = field(default_factory=list)
    contested: set[str] = field(default_factory=set)  # services several entities claim

    @classmethod
    def of(cls, graph: BackstageGraph, pagerduty: PagerDutyGraph, mapping: Mapping) -> _View:
        usable: dict[str, str] = {}
        problems: list[str] = []
        for ref, service in sorted(mapping.entity_to_service.items()):
            if ref not in graph.entities:
                continue
            if service in pagerduty.missing:
                problems.append(
                    f"{ref}: PagerDuty has no service {service} (deleted?) although it is "
                    "mapped; its dependencies are not synced"
                )
                continue
            usable[ref] = service
        view = cls(graph, pagerduty, usable, {s: e for e, s in usable.items()}, problems=problems)
        view.contested = {
            e.service_id
            for e in mapping.entries
            if e.status is MappingStatus.CONFLICT and e.service_id
        }
        view._collect_backstage_edges()
        view._collect_pagerduty_edges()
        view.problems = list(dict.fromkeys(view.problems))  # one per entity and target
        return view

    def _collect_backstage_edges(self) -> None:
        for ref in sorted(self.entity_to_service):
            for entry in self.graph.entities[ref].depends_on:
                target = self.resolved(ref, entry)
                if target is None:
                    continue
                if target in self.entity_to_service and target != ref:
                    self.backstage_edges.add((ref, target))
                elif target.startswith("component:") and target not in self.graph.entities:
                    self.problems.append(
                        f"{entity_label(self.graph.entities[ref])}: depends on {target}, which "
                        "is not in the catalog; not synced (add the component to the catalog, "
                        "or correct or remove the entry)"
                    )

    def _collect_pagerduty_edges(self) -> None:
        for service, supporting in self.pagerduty.supporting.items():
            if service not in self.service_to_entity:
                continue
            for other in supporting:
                if other in self.service_to_entity and other != service:
                    self.pagerduty_edges.add((service, other))

    def resolved(self, ref: str, entry: str) -> str | None:
        return self.graph.resolved[(ref, entry)]

    def service_edge(self, edge: Edge) -> Edge:
        return self.entity_to_service[edge[0]], self.entity_to_service[edge[1]]

    def entity_edge(self, edge: Edge) -> Edge:
        return self.service_to_entity[edge[0]], self.service_to_entity[edge[1]]

    def service_label(self, service: str) -> str:
        entity = self.service_to_entity.get(service)
        return f"{service} ({short_label(entity)})" if entity else service


def _kept_edges(view: _View) -> list[KeptEdge]:
    """Every PagerDuty edge with an unmapped end: from each read service's own dependencies,
    and from its dependents that were not read themselves (so no edge is listed twice)."""
    edges: set[tuple[str, str]] = set()
    for service, others in view.pagerduty.supporting.items():
        edges.update((service, other) for other in others)
    for service, dependents in view.pagerduty.dependents.items():
        edges.update(
            (other, service) for other in dependents if other not in view.pagerduty.supporting
        )
    kept: list[KeptEdge] = []
    for dependent, supporting in sorted(edges):
        reason = _unmanaged_reason(view, dependent, supporting)
        if reason:
            kept.append(KeptEdge(dependent, supporting, reason))
    return kept


def _unmanaged_reason(view: _View, dependent: str, supporting: str) -> str:
    if dependent == supporting:
        return f"{view.service_label(dependent)} depends on itself in PagerDuty (unmanaged, kept)"
    unmapped = [s for s in (dependent, supporting) if s not in view.service_to_entity]
    if not unmapped:
        return ""
    contested = [s for s in unmapped if s in view.contested]
    plain = [s for s in unmapped if s not in view.contested]
    why = []
    if plain:
        verb = "are" if len(plain) == 2 else "is"
        why.append(f"{' and '.join(plain)} {verb} not mapped to a catalog component")
    if contested:
        verb = "are" if len(contested) == 2 else "is"
        why.append(f"{' and '.join(contested)} {verb} claimed by several catalog components")
    return (
        f"{view.service_label(dependent)} depends on {view.service_label(supporting)} in "
        f"PagerDuty; {'; '.join(why)} (unmanaged, kept)"
    )


def _self_dependency_problems(view: _View) -> list[str]:
    problems = []
    for ref in sorted(view.entity_to_service):
        if any(view.resolved(ref, e) == ref for e in view.graph.entities[ref].depends_on):
            problems.append(
                f"{ref}: lists itself in dependsOn; a PagerDuty service cannot depend on "
                "itself, so this entry is not synced"
            )
    return problems


def _within_limit(
    view: _View, adds: list[Edge], removes: list[Edge], limit: int
) -> tuple[list[Edge], list[str]]:
    """The additions that keep every service within ``limit`` dependencies (removals counted
    first, since the apply step sends them first), and one problem per service over it."""
    counts: Counter[str] = Counter()
    for service, supporting in view.pagerduty.supporting.items():
        for other in supporting:
            counts[service] += 1
            counts[other] += 1
    # A service's own read counts the services depending on it too, even unmapped ones.
    for service, total in view.pagerduty.relationship_counts.items():
        counts[service] = max(counts[service], total)
    for edge in removes:
        counts[edge[0]] -= 1
        counts[edge[1]] -= 1
    accepted: list[Edge] = []
    blocked: dict[str, list[Edge]] = defaultdict(list)
    for edge in adds:
        over = [service for service in edge if counts[service] + 1 > limit]
        if over:
            blocked[over[0]].append(edge)
            continue
        counts[edge[0]] += 1
        counts[edge[1]] += 1
        accepted.append(edge)
    problems = []
    for service in sorted(blocked):
        edges = blocked[service]
        listed = ", ".join(
            f"{short_label(d)} -> {short_label(s)}"
            for d, s in map(view.entity_edge, edges[:_LISTED_IN_PROBLEM])
        )
        more = (
            f" and {len(edges) - _LISTED_IN_PROBLEM} more"
            if len(edges) > _LISTED_IN_PROBLEM
            else ""
        )
        problems.append(
            f"service {view.service_label(service)} would have more than {limit:,} dependencies, "
            f"PagerDuty's limit per service: {len(edges)} addition(s) not planned ({listed}{more})"
        )
    return accepted, problems


def _pagerduty_changes(view: _View, adds: list[Edge], removes: list[Edge]) -> list[PagerDutyChange]:
    changes = []
    for edge in adds:
        dependent, supporting = view.entity_edge(edge)
        reason = (
            f"{short_label(dependent)} depends on {short_label(supporting)} in Backstage; "
            "PagerDuty lacks the dependency"
        )
        changes.append(PagerDutyChange(ChangeKind.ADD, edge[0], edge[1], reason))
    for edge in removes:
        dependent, supporting = view.entity_edge(edge)
        reason = (
            f"{short_label(dependent)} does not depend on {short_label(supporting)} in Backstage; "
            "PagerDuty has the dependency"
        )
        changes.append(PagerDutyChange(ChangeKind.REMOVE, edge[0], edge[1], reason))
    return sorted(changes, key=lambda c: (c.dependent, c.supporting, c.kind.value))


def _wanted_from_pagerduty(view: _View) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = defaultdict(set)
    for edge in view.pagerduty_edges:
        dependent, supporting = view.entity_edge(edge)
        wanted[dependent].add(supporting)
    return wanted


def _follow_pagerduty(view: _View) -> list[BackstageChange]:
    """``pagerduty``: managed entries become exactly PagerDuty's; the rest stay as written."""
    wanted = _wanted_from_pagerduty(view)
    changes = []
    for ref in sorted(view.entity_to_service):
        desired = wanted.get(ref, set())
        kept: list[str] = []
        removed: list[str] = []
        present: set[str] = set()
        for entry in view.graph.entities[ref].depends_on:
            target = view.resolved(ref, entry)
            if target is None or target == ref or target not in view.entity_to_service:
                kept.append(entry)
            elif target in desired:
                kept.append(entry)
                present.add(target)
            else:
                removed.append(entry)
        missing = sorted(desired - present)
        change = _backstage_change(view, ref, kept, missing, removed)
        if change is not None:
            changes.append(change)
    return changes


def _add_from_pagerduty(view: _View) -> list[BackstageChange]:
    """``both``: append what PagerDuty has and Backstage lacks; remove nothing."""
    wanted = _wanted_from_pagerduty(view)
    have: dict[str, set[str]] = defaultdict(set)
    for dependent, supporting in view.backstage_edges:
        have[dependent].add(supporting)
    changes = []
    for ref in sorted(view.entity_to_service):
        missing = sorted(wanted.get(ref, set()) - have.get(ref, set()))
        entries = list(view.graph.entities[ref].depends_on)
        change = _backstage_change(view, ref, entries, missing, [])
        if change is not None:
            changes.append(change)
    return changes


def _backstage_change(
    view: _View,
    ref: str,
    kept: list[str],
    missing: list[str],
    removed: list[str],
) -> BackstageChange | None:
    """The change for ``ref`` (None when nothing changes): ``kept`` entries as written, then
    ``missing`` targets appended in their written form; ``removed`` entries as written."""
    if not missing and not removed:
        return None
    added = [relation_spelling(ref, target) for target in missing]
    reasons = []
    if missing:
        names = ", ".join(short_label(t) for t in missing)
        reasons.append(f"{short_label(ref)} depends on {names} in PagerDuty")
    lost_names = sorted(
        {short_label(t) for e in removed if (t := view.resolved(ref, e)) is not None}
    )
    if lost_names:
        reasons.append(
            f"{short_label(ref)} does not depend on {', '.join(lost_names)} in PagerDuty"
        )
    entity = view.graph.entities[ref]
    return BackstageChange(
        entity_ref=ref,
        depends_on=(*kept, *added),
        added=tuple(added),
        removed=tuple(removed),
        reason="; ".join(reasons),
        location=entity.location,
    )
