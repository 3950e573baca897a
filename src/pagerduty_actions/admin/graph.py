"""One service's neighbourhood in the dependency graph (or a team's), both sides, with each
edge as the next sync run would treat it.

The catalog side is the components' ``dependsOn``; the PagerDuty side is the services'
technical dependencies. An edge is ``added`` or ``removed`` when the plan (the same pure
``sync.plan`` a run uses) says so, ``kept`` when the run leaves it alone because an end is not
mapped (unmanaged, kept), and ``same`` otherwise. Only the focus and the services one hop away
are read from PagerDuty (one call each, at most ``MAX_READS``), and the plan is made on the
mapping restricted to them: that is exact for every edge touching the focus, which are the
only edges drawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..automatch.names import team_key
from ..catalog import InvalidEntityRefError
from ..catalog.entity_ref import resolve_relation
from ..services import Services
from ..store.settings import MappingStore
from ..sync.engine import key_index, load_catalog
from ..sync.mapping import build_mapping, resolve_depends_on
from ..sync.model import (
    BackstageGraph,
    ChangeKind,
    Mapping,
    PagerDutyGraph,
    Plan,
    Strategy,
)
from ..sync.plan import plan as make_plan
from ..sync.sources import load_pagerduty_graph

MAX_FOCUS = 30  # components of one team drawn at once
MAX_READS = 120  # PagerDuty reads for one picture
EDGE_KINDS = ("added", "removed", "kept", "same")


@dataclass(frozen=True)
class GraphNode:
    id: str
    label: str
    column: int  # -1 depends on the focus, 0 the focus, 1 the focus depends on it


@dataclass(frozen=True)
class GraphEdge:
    source: str  # the dependent
    target: str  # what it depends on
    kind: str  # one of EDGE_KINDS
    why: str = ""


@dataclass
class GraphSide:
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[GraphEdge] = field(default_factory=list)


@dataclass
class Neighbourhood:
    focus: list[str]  # entity refs
    strategy: str
    catalog: GraphSide
    pagerduty: GraphSide
    notes: list[str] = field(default_factory=list)


def focus_of(graph: BackstageGraph, entity: str | None, team: str | None) -> list[str]:
    """The components to centre on: the named one (by ref or bare name), or a team's."""
    if entity:
        wanted = entity.strip().lower()
        for ref in sorted(graph.entities):
            if wanted in (ref, ref.rpartition("/")[2], ref.partition(":")[2]):
                return [ref]
        return []
    key = team_key(team)
    if key is None:
        return []
    return sorted(r for r, e in graph.entities.items() if team_key(e.owner) == key)[:MAX_FOCUS]


def neighbourhood(
    services: Services, *, entity: str | None, team: str | None, strategy: Strategy
) -> Neighbourhood:
    graph = load_catalog(services)
    resolve_depends_on(graph)
    client = services.pagerduty_client(None)
    overrides = MappingStore(services.db).overrides() if services.db else {}
    mapping = build_mapping(graph, overrides=overrides, key_to_service=key_index(client, graph))
    focus = focus_of(graph, entity, team)
    result = Neighbourhood(focus, strategy.value, GraphSide(), GraphSide())
    if not focus:
        return result
    focus_set = set(focus)
    near = set(focus)
    for ref in focus:  # one hop in the catalog, both ways
        near |= graph.dependencies(ref) & set(graph.entities)
    near |= {r for r in graph.entities if graph.dependencies(r) & focus_set}
    focus_services = [mapping.entity_to_service[r] for r in focus if r in mapping.entity_to_service]
    first = load_pagerduty_graph(client, focus_services[:MAX_READS])
    around = set(focus_services)
    for service in focus_services:
        around |= first.supporting.get(service, set()) | first.dependents.get(service, set())
    around |= {mapping.entity_to_service[r] for r in near if r in mapping.entity_to_service}
    rest = sorted(around - set(first.supporting) - first.missing)
    budget = MAX_READS - len(focus_services)
    if len(rest) > budget:
        result.notes.append(f"{len(rest) - budget} neighbouring services were not read (limit)")
    second = load_pagerduty_graph(
        client, [s for s in rest if s in mapping.service_to_entity][:budget]
    )
    pd_graph = _merged(first, second)
    local = _restricted(mapping, set(pd_graph.supporting))
    the_plan = make_plan(graph, pd_graph, local, strategy)
    result.catalog = _catalog_side(graph, mapping, focus_set, near, the_plan)
    result.pagerduty = _pagerduty_side(pd_graph, mapping, focus_services, the_plan)
    if strategy is Strategy.DISABLED:
        result.notes.append("the strategy is disabled: the next run changes nothing")
    return result


def _merged(a: PagerDutyGraph, b: PagerDutyGraph) -> PagerDutyGraph:
    out = PagerDutyGraph()
    for part in (a, b):
        out.supporting.update(part.supporting)
        out.dependents.update(part.dependents)
        out.relationship_counts.update(part.relationship_counts)
        out.missing |= part.missing
    return out


def _restricted(mapping: Mapping, read: set[str]) -> Mapping:
    local = Mapping(entries=mapping.entries)
    for ref, service in mapping.entity_to_service.items():
        if service in read:
            local.entity_to_service[ref] = service
            local.service_to_entity[service] = ref
    return local


def _column(node: str, focus: set[str], edges: Iterable[tuple[str, str]]) -> int:
    if node in focus:
        return 0
    for source, target in edges:
        if source in focus and target == node:
            return 1
    return -1


def _catalog_side(
    graph: BackstageGraph, mapping: Mapping, focus: set[str], near: set[str], plan: Plan
) -> GraphSide:
    added = {(c.entity_ref, a) for c in plan.backstage for a in c.added}
    removed = {(c.entity_ref, r) for c in plan.backstage for r in c.removed}
    pairs: dict[tuple[str, str], GraphEdge] = {}
    for ref in sorted(near):
        for entry in graph.entities[ref].depends_on:
            target = graph.resolved.get((ref, entry))
            if target is None or not (ref in focus or target in focus):
                continue
            if (ref, entry) in removed:
                kind, why = "removed", "the next run removes this entry"
            elif ref in mapping.entity_to_service and target in mapping.entity_to_service:
                kind, why = "same", "both mapped"
            else:
                kind, why = "kept", "an end is not mapped: kept as written"
            pairs[(ref, target)] = GraphEdge(ref, target, kind, why)
    for ref, entry in sorted(added):
        target = _resolved(ref, entry)
        if ref in focus or target in focus:
            pairs[(ref, target)] = GraphEdge(ref, target, "added", "the next run adds this entry")
    return _side(
        pairs.values(), focus, lambda n: n.rpartition("/")[2] if n.startswith("component:") else n
    )


def _resolved(ref: str, entry: str) -> str:
    try:
        return resolve_relation(ref, entry)
    except InvalidEntityRefError:
        return entry


def _pagerduty_side(
    pd_graph: PagerDutyGraph, mapping: Mapping, focus_services: list[str], plan: Plan
) -> GraphSide:
    focus = set(focus_services)
    planned = {(c.dependent, c.supporting): c for c in plan.pagerduty}
    kept = {(k.dependent, k.supporting): k.reason for k in plan.kept}
    pairs: dict[tuple[str, str], GraphEdge] = {}
    existing: set[tuple[str, str]] = set()
    for service, supporting in pd_graph.supporting.items():
        existing |= {(service, s) for s in supporting}
    for service, dependents in pd_graph.dependents.items():
        existing |= {(d, service) for d in dependents}
    for pair in sorted(existing):
        if not (pair[0] in focus or pair[1] in focus):
            continue
        change = planned.get(pair)
        if change is not None and change.kind is ChangeKind.REMOVE:
            pairs[pair] = GraphEdge(*pair, "removed", change.reason)
        elif pair in kept:
            pairs[pair] = GraphEdge(*pair, "kept", kept[pair])
        else:
            pairs[pair] = GraphEdge(*pair, "same", "in PagerDuty, stays")
    for pair, change in sorted(planned.items()):
        if change.kind is ChangeKind.ADD and (pair[0] in focus or pair[1] in focus):
            pairs[pair] = GraphEdge(*pair, "added", change.reason)

    def label(service: str) -> str:
        entity = mapping.service_to_entity.get(service)
        return f"{service} ({entity.rpartition('/')[2]})" if entity else service

    return _side(pairs.values(), focus, label)


def _side(edges: Iterable[GraphEdge], focus: set[str], label: object) -> GraphSide:
    edge_list = sorted(edges, key=lambda e: (e.source, e.target))
    pairs = [(e.source, e.target) for e in edge_list]
    names = sorted({n for pair in pairs for n in pair} | focus)
    nodes = [GraphNode(n, label(n), _column(n, focus, pairs)) for n in names]  # type: ignore[operator]
    return GraphSide(nodes, edge_list)
