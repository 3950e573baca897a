"""The sync plan: exact changes for each strategy on small graphs, bad input (unparsable refs,
missing entities, deleted services, conflicts, overrides, the 2,000 limit), and properties over
random graphs: a second plan after applying the first is empty for every strategy, ``backstage``
never touches an edge with an unmapped end, ``both`` never removes, ``pagerduty`` never drops
an entry it does not manage, ``disabled`` is empty. Also the per-entity processor baseline."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pagerduty_actions.sync.baseline import processor_call_count, processor_calls
from pagerduty_actions.sync.mapping import build_mapping, resolve_depends_on
from pagerduty_actions.sync.model import (
    BackstageChange,
    BackstageGraph,
    CatalogEntity,
    ChangeKind,
    KeptEdge,
    Location,
    Mapping,
    PagerDutyChange,
    PagerDutyGraph,
    Plan,
    Strategy,
)
from pagerduty_actions.sync.plan import MAX_DEPENDENCIES_PER_SERVICE, plan

SERVICE_ID = "pagerduty.com/service-id"
ADD, REMOVE = ChangeKind.ADD, ChangeKind.REMOVE


def component(
    name: str,
    *deps: str,
    service: str | None = None,
    namespace: str = "default",
    location: Location | None = None,
) -> CatalogEntity:
    return CatalogEntity(
        ref=f"component:{namespace}/{name}",
        depends_on=deps,
        annotations=((SERVICE_ID, service),) if service else (),
        location=location,
    )


def catalog(*entities: CatalogEntity) -> BackstageGraph:
    graph = BackstageGraph(entities={e.ref: e for e in entities})
    resolve_depends_on(graph)
    return graph


def pagerduty(
    edges: dict[str, set[str]] | None = None, missing: set[str] | None = None
) -> PagerDutyGraph:
    return PagerDutyGraph(supporting=edges or {}, missing=missing or set())


def mapping_for(graph: BackstageGraph, pd: PagerDutyGraph) -> Mapping:
    return build_mapping(graph, missing_services=pd.missing)


def apply_plan_to_graphs(
    backstage: BackstageGraph, pd: PagerDutyGraph, changes: Plan
) -> tuple[BackstageGraph, PagerDutyGraph]:
    """What both sides look like once ``changes`` are applied (removals, then additions)."""
    supporting = {service: set(others) for service, others in pd.supporting.items()}
    for change in changes.pagerduty:
        if change.kind is REMOVE:
            supporting.get(change.dependent, set()).discard(change.supporting)
    for change in changes.pagerduty:
        if change.kind is ADD:
            supporting.setdefault(change.dependent, set()).add(change.supporting)
    entities = dict(backstage.entities)
    for edit in changes.backstage:
        entities[edit.entity_ref] = replace(entities[edit.entity_ref], depends_on=edit.depends_on)
    graph = BackstageGraph(entities=entities)
    resolve_depends_on(graph)
    return graph, PagerDutyGraph(supporting=supporting, missing=set(pd.missing))


def pd_changes(result: Plan) -> list[tuple[ChangeKind, str, str]]:
    return [(c.kind, c.dependent, c.supporting) for c in result.pagerduty]


# The shared example: checkout (PCHK) and api (team namespace) are the interesting entities.
LOCATION = Location(kind="url", target="https://git.example/shop/blob/main/catalog-info.yaml")


def shop() -> tuple[BackstageGraph, PagerDutyGraph]:
    graph = catalog(
        component(
            "checkout",
            "Payments",  # mapped, in both
            "resource:db",  # not a component: never touched
            "component:legacy",  # mapped, Backstage only
            "unmapped",  # a component without a service
            "ghost",  # not in the catalog
            "x:y:z",  # does not parse
            service="PCHK",
            location=LOCATION,
        ),
        component("payments", service="PPAY"),
        component("ledger", service="PLED"),
        component("legacy", service="PLEG"),
        component("unmapped"),
        component("api", "component:default/payments", service="PAPI", namespace="team"),
    )
    pd = pagerduty(
        {
            "PCHK": {"PPAY", "PLED", "PEXT"},  # PLED: PagerDuty only; PEXT: not mapped
            "PPAY": set(),
            "PLED": set(),
            "PLEG": set(),
            "PAPI": {"PLED"},  # Backstage has payments instead
        }
    )
    return graph, pd


# ------------------------------------------------------------------ strategies, exactly


def test_backstage_strategy_makes_pagerduty_match_between_mapped_services() -> None:
    graph, pd = shop()
    result = plan(graph, pd, mapping_for(graph, pd), Strategy.BACKSTAGE)
    assert pd_changes(result) == [
        (REMOVE, "PAPI", "PLED"),
        (ADD, "PAPI", "PPAY"),
        (REMOVE, "PCHK", "PLED"),
        (ADD, "PCHK", "PLEG"),
    ]
    assert result.backstage == []
    assert result.pagerduty[3].reason == (
        "checkout depends on legacy in Backstage; PagerDuty lacks the dependency"
    )
    assert result.pagerduty[0].reason == (
        "team/api does not depend on ledger in Backstage; PagerDuty has the dependency"
    )
    assert result.kept == [
        KeptEdge(
            "PCHK",
            "PEXT",
            "PCHK (checkout) depends on PEXT in PagerDuty; PEXT is not mapped to a catalog "
            "component (unmanaged, kept)",
        )
    ]
    assert result.problems == [
        "component:default/checkout (https://git.example/shop/blob/main/catalog-info.yaml): "
        "depends on component:default/ghost, which is not in the catalog; not synced (add the "
        "component to the catalog, or correct or remove the entry)"
    ]
    assert result.change_count == 4


def test_pagerduty_strategy_rewrites_only_managed_entries_keeping_order_and_spelling() -> None:
    graph, pd = shop()
    result = plan(graph, pd, mapping_for(graph, pd), Strategy.PAGERDUTY)
    assert result.pagerduty == []
    assert result.backstage == [
        BackstageChange(
            entity_ref="component:default/checkout",
            depends_on=(
                "Payments",
                "resource:db",
                "unmapped",
                "ghost",
                "x:y:z",
                "component:ledger",
            ),
            added=("component:ledger",),
            removed=("component:legacy",),
            reason="checkout depends on ledger in PagerDuty; "
            "checkout does not depend on legacy in PagerDuty",
            location=LOCATION,
        ),
        BackstageChange(
            entity_ref="component:team/api",
            depends_on=("component:default/ledger",),
            added=("component:default/ledger",),
            removed=("component:default/payments",),
            reason="team/api depends on ledger in PagerDuty; "
            "team/api does not depend on payments in PagerDuty",
        ),
    ]
    assert [k.supporting for k in result.kept] == ["PEXT"]


def test_both_strategy_adds_each_side_what_the_other_has_and_removes_nothing() -> None:
    graph, pd = shop()
    result = plan(graph, pd, mapping_for(graph, pd), Strategy.BOTH)
    assert pd_changes(result) == [(ADD, "PAPI", "PPAY"), (ADD, "PCHK", "PLEG")]
    assert [(c.entity_ref, c.added, c.removed) for c in result.backstage] == [
        ("component:default/checkout", ("component:ledger",), ()),
        ("component:team/api", ("component:default/ledger",), ()),
    ]
    checkout = result.backstage[0]
    original = graph.entities[checkout.entity_ref].depends_on
    assert checkout.depends_on == (*original, "component:ledger")
    assert checkout.reason == "checkout depends on ledger in PagerDuty"


def test_disabled_strategy_plans_nothing_even_when_the_sides_differ() -> None:
    graph, pd = shop()
    result = plan(graph, pd, mapping_for(graph, pd), Strategy.DISABLED)
    assert result == Plan(strategy=Strategy.DISABLED)


def test_strategy_may_be_given_as_its_string_value() -> None:
    graph, pd = shop()
    mapping = mapping_for(graph, pd)
    assert plan(graph, pd, mapping, "both") == plan(graph, pd, mapping, Strategy.BOTH)  # type: ignore[arg-type]


def test_in_sync_sides_plan_nothing_but_still_list_unmanaged_edges() -> None:
    graph = catalog(component("a", "b", service="PA"), component("b", service="PB"))
    pd = pagerduty({"PA": {"PB", "PX"}, "PB": set(), "PY": {"PA"}})
    for strategy in (Strategy.BACKSTAGE, Strategy.PAGERDUTY, Strategy.BOTH):
        result = plan(graph, pd, mapping_for(graph, pd), strategy)
        assert result.change_count == 0 and result.problems == []
        assert [(k.dependent, k.supporting) for k in result.kept] == [("PA", "PX"), ("PY", "PA")]


def test_edges_from_unread_unmapped_services_are_listed_once_as_kept() -> None:
    """#10.7: PZ (unmapped, so never read) depends on PA; only PA's read shows the edge. PY's
    edge is seen from both ends (PY was read too) and must still be listed once."""
    graph = catalog(component("a", service="PA"))
    pd = PagerDutyGraph(
        supporting={"PA": set(), "PY": {"PA"}}, dependents={"PA": {"PZ", "PY"}, "PY": set()}
    )
    for strategy in (Strategy.BACKSTAGE, Strategy.PAGERDUTY, Strategy.BOTH):
        result = plan(graph, pd, mapping_for(graph, pd), strategy)
        assert result.change_count == 0
        assert [(k.dependent, k.supporting) for k in result.kept] == [("PY", "PA"), ("PZ", "PA")]
        assert "PZ is not mapped" in result.kept[1].reason


def test_inputs_are_not_modified_and_the_plan_is_deterministic() -> None:
    graph, pd = shop()
    mapping = mapping_for(graph, pd)
    before = copy.deepcopy((graph, pd, mapping))
    for strategy in Strategy:
        assert plan(graph, pd, mapping, strategy) == plan(graph, pd, mapping, strategy)
    assert (graph, pd, mapping) == before


def test_an_unresolved_graph_is_refused_not_read_as_having_no_dependencies() -> None:
    """Entries are resolved once, by ``resolve_depends_on`` (as a run does); a graph that
    skipped it must not be planned as one without dependencies (``backstage`` would remove
    every edge)."""
    graph, pd = shop()
    mapping = mapping_for(graph, pd)
    unresolved = BackstageGraph(entities=dict(graph.entities))
    for strategy in (Strategy.BACKSTAGE, Strategy.PAGERDUTY, Strategy.BOTH):
        with pytest.raises(KeyError):
            plan(unresolved, pd, mapping, strategy)


# ------------------------------------------------------------------ bad input


def test_a_service_deleted_in_pagerduty_but_still_annotated_is_not_synced() -> None:
    graph = catalog(
        component("a", "b", "gone", service="PA"),
        component("b", service="PB"),
        component("gone", "a", service="PGONE"),
    )
    pd = pagerduty({"PA": set(), "PB": set()}, missing={"PGONE"})
    mapping = build_mapping(graph, missing_services=pd.missing)
    result = plan(graph, pd, mapping, Strategy.BACKSTAGE)
    assert pd_changes(result) == [(ADD, "PA", "PB")]
    # a mapping built before PagerDuty was read: the plan still refuses the deleted service
    stale = build_mapping(graph)
    result = plan(graph, pd, stale, Strategy.BACKSTAGE)
    assert pd_changes(result) == [(ADD, "PA", "PB")]
    assert result.problems == [
        "component:default/gone: PagerDuty has no service PGONE (deleted?) although it is "
        "mapped; its dependencies are not synced"
    ]


def test_conflicting_entities_are_not_synced_and_their_edges_are_kept() -> None:
    graph = catalog(
        component("a", "b", service="PA"),
        component("b", service="PSHARED"),
        component("c", service="PSHARED"),
    )
    pd = pagerduty({"PA": {"PSHARED"}})
    result = plan(graph, pd, mapping_for(graph, pd), Strategy.BACKSTAGE)
    assert result.pagerduty == []
    assert [(k.dependent, k.supporting) for k in result.kept] == [("PA", "PSHARED")]
    assert "PSHARED is claimed by several catalog components" in result.kept[0].reason


def test_overrides_decide_what_is_managed() -> None:
    graph = catalog(
        component("a", "b", "c", service="PA"),
        component("b", service="PB"),
        component("c"),
    )
    pd = pagerduty({"PA": {"PB"}})
    mapping = build_mapping(
        graph, overrides={"component:default/b": None, "component:default/c": "PC"}
    )
    result = plan(graph, pd, mapping, Strategy.BACKSTAGE)
    assert pd_changes(result) == [(ADD, "PA", "PC")]
    assert [(k.dependent, k.supporting) for k in result.kept] == [("PA", "PB")]


def test_unparsable_entries_are_never_acted_on() -> None:
    graph = catalog(component("a", "b::", "/", service="PA"), component("b", service="PB"))
    pd = pagerduty({"PA": {"PB"}})
    mapping = mapping_for(graph, pd)
    assert pd_changes(plan(graph, pd, mapping, Strategy.BACKSTAGE)) == [(REMOVE, "PA", "PB")]
    change = plan(graph, pd, mapping, Strategy.PAGERDUTY).backstage[0]
    assert change.depends_on == ("b::", "/", "component:b")


def test_an_entity_depending_on_itself_is_reported_and_never_written() -> None:
    graph = catalog(component("a", "a", "b", service="PA"), component("b", service="PB"))
    pd = pagerduty({"PA": set()})
    result = plan(graph, pd, mapping_for(graph, pd), Strategy.BACKSTAGE)
    assert pd_changes(result) == [(ADD, "PA", "PB")]
    assert result.problems == [
        "component:default/a: lists itself in dependsOn; a PagerDuty service cannot depend on "
        "itself, so this entry is not synced"
    ]
    assert plan(graph, pd, mapping_for(graph, pd), Strategy.PAGERDUTY).backstage[0].depends_on == (
        "a",
    )


def test_additions_over_the_dependency_limit_are_not_planned_and_named() -> None:
    graph = catalog(
        component("hub", "a", "b", "c", service="PHUB"),
        *(component(name, service=f"P{name.upper()}") for name in ("a", "b", "c")),
    )
    pd = pagerduty({"PHUB": {"PX1"}, "PY": {"PHUB"}})  # two unmanaged edges count too
    result = plan(graph, pd, mapping_for(graph, pd), Strategy.BACKSTAGE, limit=3)
    assert pd_changes(result) == [(ADD, "PHUB", "PA")]
    assert result.problems == [
        "service PHUB (hub) would have more than 3 dependencies, PagerDuty's limit per service: "
        "2 addition(s) not planned (hub -> b, hub -> c)"
    ]


def test_removals_make_room_under_the_limit_first() -> None:
    graph = catalog(
        component("hub", "a", service="PHUB"),
        component("a", service="PA"),
        component("old", service="POLD"),
    )
    pd = pagerduty({"PHUB": {"POLD"}})
    result = plan(graph, pd, mapping_for(graph, pd), Strategy.BACKSTAGE, limit=1)
    assert pd_changes(result) == [(ADD, "PHUB", "PA"), (REMOVE, "PHUB", "POLD")]
    assert result.problems == []


def test_the_default_limit_is_pagerdutys_2000_counting_both_directions() -> None:
    assert MAX_DEPENDENCIES_PER_SERVICE == 2000
    graph = catalog(
        component("hub", "a", service="PHUB"),
        component("a", service="PA"),
        component("b", "hub", service="PB"),
    )
    outgoing = {f"PU{i}" for i in range(1000)}
    incoming = {f"PD{i}": {"PHUB"} for i in range(999)}
    pd = pagerduty({"PHUB": outgoing, **incoming})
    result = plan(graph, pd, mapping_for(graph, pd), Strategy.BOTH)
    assert pd_changes(result) == [(ADD, "PB", "PHUB")]  # the 2,000th
    assert len(result.problems) == 1
    assert result.problems[0].startswith("service PHUB (hub) would have more than 2,000")
    assert "(hub -> a)" in result.problems[0]
    assert len(result.kept) == 1999


# ------------------------------------------------------------------ properties

SERVICES = [f"PS{i}" for i in range(8)]
UNMAPPED_SERVICES = ["PU0", "PU1", "PU2"]
GONE = "PGONE"


@st.composite
def worlds(draw: st.DrawFn) -> tuple[BackstageGraph, PagerDutyGraph, Mapping]:
    count = draw(st.integers(min_value=1, max_value=7))
    names = [f"e{i}" for i in range(count)]
    spellings = st.sampled_from(["{n}", "component:{n}", "Component:Default/{N}", "default/{n}"])
    other_entries = st.sampled_from(["resource:db", "api:x", "ghost", "team/e0", "bad::entry"])
    entities = []
    for index, name in enumerate(names):
        # mostly its own service; sometimes none, a deleted one, or one another entity claims
        choice = draw(st.sampled_from(["own", "own", "own", "own", "none", "gone", "any"]))
        service = {"own": SERVICES[index], "none": None, "gone": GONE}.get(choice)
        if choice == "any":
            service = draw(st.sampled_from(SERVICES))
        targets = draw(st.lists(st.sampled_from(names), max_size=4))
        entries = [draw(spellings).format(n=t, N=t.upper()) for t in targets]
        entries += draw(st.lists(other_entries, max_size=2))
        entries = draw(st.permutations(entries))
        entities.append(component(name, *entries, service=service))
    entities.append(component("e0", "e1", service=SERVICES[7], namespace="team"))
    graph = catalog(*entities)
    used = [*SERVICES[:count], SERVICES[7]]
    pool = used + used + UNMAPPED_SERVICES  # mostly edges between services entities use
    supporting: dict[str, set[str]] = {s: set() for s in SERVICES + UNMAPPED_SERVICES}
    for dependent in used + UNMAPPED_SERVICES:
        others = draw(st.lists(st.sampled_from(pool), max_size=3))
        supporting[dependent] |= {other for other in others if other != dependent}
    pd = pagerduty(supporting, missing={GONE})
    overrides = draw(
        st.dictionaries(
            st.sampled_from([f"component:default/{n}" for n in names]),
            st.sampled_from([None, *SERVICES]),
            max_size=2,
        )
    )
    return graph, pd, build_mapping(graph, overrides=overrides, missing_services=pd.missing)


def managed(graph: BackstageGraph, pd: PagerDutyGraph, mapping: Mapping) -> tuple[set, set]:
    """Managed edges of each side, as service-id pairs."""
    services = mapping.entity_to_service
    backstage = {
        (services[e], services[d])
        for e in services
        for d in graph.dependencies(e)
        if d in services and d != e
    }
    pagerduty_side = {
        (s, t)
        for s, others in pd.supporting.items()
        if s in mapping.service_to_entity
        for t in others
        if t in mapping.service_to_entity and t != s
    }
    return backstage, pagerduty_side


def edges(pd: PagerDutyGraph) -> set[tuple[str, str]]:
    return {(s, t) for s, others in pd.supporting.items() for t in others}


fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(world=worlds(), strategy=st.sampled_from(list(Strategy)))
def test_a_second_plan_after_applying_the_first_is_empty(
    world: tuple[BackstageGraph, PagerDutyGraph, Mapping], strategy: Strategy
) -> None:
    graph, pd, mapping = world
    first = plan(graph, pd, mapping, strategy)
    graph2, pd2 = apply_plan_to_graphs(graph, pd, first)
    second = plan(graph2, pd2, mapping, strategy)
    assert second.pagerduty == [] and second.backstage == []
    assert second.change_count == 0
    # unmanaged PagerDuty edges survive every strategy (the plugin's users lost them)
    assert {(k.dependent, k.supporting) for k in first.kept} <= edges(pd2)
    bs, pds = managed(graph2, pd2, mapping)
    if strategy in (Strategy.BACKSTAGE, Strategy.PAGERDUTY):
        assert bs == pds
    if strategy is Strategy.BOTH:
        before_bs, before_pd = managed(graph, pd, mapping)
        assert bs == pds == before_bs | before_pd


@fast
@given(world=worlds())
def test_backstage_never_touches_an_edge_with_an_unmapped_end(
    world: tuple[BackstageGraph, PagerDutyGraph, Mapping],
) -> None:
    graph, pd, mapping = world
    result = plan(graph, pd, mapping, Strategy.BACKSTAGE)
    assert result.backstage == []
    for change in result.pagerduty:
        assert change.dependent in mapping.service_to_entity
        assert change.supporting in mapping.service_to_entity
    _, pd2 = apply_plan_to_graphs(graph, pd, result)
    unmanaged = {
        e for e in edges(pd) if not set(e) <= set(mapping.service_to_entity) or e[0] == e[1]
    }
    assert unmanaged <= edges(pd2)


@fast
@given(world=worlds())
def test_both_never_removes(world: tuple[BackstageGraph, PagerDutyGraph, Mapping]) -> None:
    graph, pd, mapping = world
    result = plan(graph, pd, mapping, Strategy.BOTH)
    assert all(c.kind is ADD for c in result.pagerduty)
    for change in result.backstage:
        assert change.removed == ()
        original = graph.entities[change.entity_ref].depends_on
        assert change.depends_on[: len(original)] == original


@fast
@given(world=worlds())
def test_pagerduty_never_drops_an_entry_it_does_not_manage(
    world: tuple[BackstageGraph, PagerDutyGraph, Mapping],
) -> None:
    graph, pd, mapping = world
    result = plan(graph, pd, mapping, Strategy.PAGERDUTY)
    assert result.pagerduty == []
    for change in result.backstage:
        ref = change.entity_ref
        unmanaged = [
            entry
            for entry in graph.entities[ref].depends_on
            if (target := graph.resolved[(ref, entry)]) is None
            or target == ref
            or target not in mapping.entity_to_service
        ]
        assert [e for e in change.depends_on if e in unmanaged] == unmanaged
        assert not set(change.removed) & set(unmanaged)
        if change.added:  # new entries are appended, after everything kept
            assert change.depends_on[-len(change.added) :] == change.added


@fast
@given(world=worlds())
def test_disabled_is_always_empty(world: tuple[BackstageGraph, PagerDutyGraph, Mapping]) -> None:
    assert plan(*world, Strategy.DISABLED) == Plan(strategy=Strategy.DISABLED)


@fast
@given(world=worlds(), strategy=st.sampled_from(list(Strategy)))
def test_output_is_sorted(
    world: tuple[BackstageGraph, PagerDutyGraph, Mapping], strategy: Strategy
) -> None:
    result = plan(*world, strategy)
    keys = [(c.dependent, c.supporting, c.kind.value) for c in result.pagerduty]
    assert keys == sorted(keys)
    refs = [c.entity_ref for c in result.backstage]
    assert refs == sorted(refs)
    kept = [(k.dependent, k.supporting) for k in result.kept]
    assert kept == sorted(kept)


# ------------------------------------------------------------------ the processor baseline


def test_processor_baseline_counts_per_entity_calls() -> None:
    graph, pd = shop()
    mapping = mapping_for(graph, pd)
    calls = processor_calls(graph, pd, mapping)
    # 6 components: setting + mapping read each; 5 mapped: 6 + 0 + 0 + 0 + 1 dependsOn entries
    # looked up one by one, one PagerDuty read each; the 4 changes written one per call
    assert calls.setting_reads == 6 and calls.mapping_reads == 6
    assert calls.catalog_lookups == 7
    assert calls.pagerduty_reads == 5
    assert calls.pagerduty_writes == 4
    assert processor_call_count(graph, pd, mapping) == 6 + 6 + 7 + 5 + 4
    assert processor_calls(graph, pd, mapping, strategy=Strategy.BOTH).pagerduty_writes == 2
    assert processor_calls(graph, pd, mapping, strategy=Strategy.PAGERDUTY).pagerduty_writes == 0
    assert processor_call_count(graph, pd, mapping, strategy=Strategy.DISABLED) == 6


def test_processor_baseline_grows_with_entities_not_with_changes() -> None:
    graph = catalog(*(component(f"c{i}", f"c{i + 1}", service=f"P{i}") for i in range(50)))
    pd = pagerduty({f"P{i}": {f"P{i + 1}"} for i in range(49)})
    mapping = mapping_for(graph, pd)
    assert plan(graph, pd, mapping, Strategy.BACKSTAGE).change_count == 0
    # in sync, the processor still spends 2 + 1 + 1 calls per entity every cycle
    assert processor_call_count(graph, pd, mapping) == 50 * 4


def test_pagerduty_change_reasons_serialise_for_the_report() -> None:
    graph, pd = shop()
    change = plan(graph, pd, mapping_for(graph, pd), Strategy.BACKSTAGE).pagerduty[1]
    assert change == PagerDutyChange(
        ADD,
        "PAPI",
        "PPAY",
        "team/api depends on payments in Backstage; PagerDuty lacks the dependency",
    )
    assert change.as_dict()["kind"] == "add"


def test_a_missing_entity_named_twice_is_one_problem() -> None:
    graph = catalog(component("a", "ghost", "component:default/Ghost", service="PA"))
    result = plan(graph, pagerduty(), mapping_for(graph, pagerduty()), Strategy.BOTH)
    assert result.problems == [
        "component:default/a: depends on component:default/ghost, which is not in the catalog; "
        "not synced (add the component to the catalog, or correct or remove the entry)"
    ]
