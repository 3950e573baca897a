"""The entity <-> service mapping and ``dependsOn`` resolution: the precedence of overrides and
annotations, conflicts reported and never guessed, services PagerDuty no longer has, keys no
service owns, every entry of a graph resolved (Backstage's rule itself is tested with the refs,
in tests/catalog/test_entity_ref.py), and integration keys never shown in any detail."""

from __future__ import annotations

from pagerduty_actions.sync.mapping import build_mapping, resolve_depends_on
from pagerduty_actions.sync.model import (
    BackstageGraph,
    CatalogEntity,
    MappingEntry,
    MappingStatus,
)

SERVICE_ID = "pagerduty.com/service-id"
KEY = "pagerduty.com/integration-key"
SECRET_KEY = "R0UTINGKEYsecret9f8e7d6c5b4a3210"


def graph_of(*entities: CatalogEntity) -> BackstageGraph:
    return BackstageGraph(entities={e.ref: e for e in entities})


def component(
    name: str, *deps: str, namespace: str = "default", **annotations: str
) -> CatalogEntity:
    keys = {"service_id": SERVICE_ID, "key": KEY}
    return CatalogEntity(
        ref=f"component:{namespace}/{name}",
        depends_on=deps,
        annotations=tuple((keys[k], v) for k, v in annotations.items()),
    )


def entry_of(entries: list[MappingEntry], ref: str) -> MappingEntry:
    return next(e for e in entries if e.entity_ref == ref)


# ------------------------------------------------------------------ precedence


def test_each_source_maps_and_every_component_gets_a_sorted_entry() -> None:
    graph = graph_of(
        component("zeta", service_id="PZETA"),
        component("alpha", key=SECRET_KEY),
        component("mid", service_id="PANNOTATED"),
        component("plain"),
    )
    mapping = build_mapping(
        graph,
        overrides={"component:default/mid": "POVERRIDE"},
        key_to_service={SECRET_KEY: "PALPHA"},
    )
    assert [(e.entity_ref, e.service_id, e.status, e.source) for e in mapping.entries] == [
        ("component:default/alpha", "PALPHA", MappingStatus.MAPPED, "annotation:integration-key"),
        ("component:default/mid", "POVERRIDE", MappingStatus.MAPPED, "override"),
        ("component:default/plain", None, MappingStatus.UNMAPPED, "-"),
        ("component:default/zeta", "PZETA", MappingStatus.MAPPED, "annotation:service-id"),
    ]
    assert mapping.entity_to_service == {
        "component:default/alpha": "PALPHA",
        "component:default/mid": "POVERRIDE",
        "component:default/zeta": "PZETA",
    }
    assert mapping.service_to_entity == {v: k for k, v in mapping.entity_to_service.items()}


def test_service_id_annotation_wins_over_integration_key() -> None:
    graph = graph_of(component("a", service_id="PBYID", key=SECRET_KEY))
    mapping = build_mapping(graph, key_to_service={SECRET_KEY: "PBYKEY"})
    assert mapping.entity_to_service == {"component:default/a": "PBYID"}


def test_override_to_none_unmaps_an_annotated_entity() -> None:
    graph = graph_of(component("a", service_id="PA"))
    mapping = build_mapping(graph, overrides={"component:default/a": None})
    entry = mapping.entries[0]
    assert (entry.status, entry.source, entry.service_id) == (
        MappingStatus.UNMAPPED,
        "override",
        None,
    )
    assert "override" in entry.detail
    assert mapping.entity_to_service == {}


def test_override_keys_are_matched_however_the_ref_is_spelled() -> None:
    graph = graph_of(component("checkout"), component("other", namespace="team-a"))
    mapping = build_mapping(
        graph, overrides={"Checkout": "PC", "Component:Team-A/OTHER": "PO", "not a ref!": "PX"}
    )
    assert mapping.entity_to_service == {
        "component:default/checkout": "PC",
        "component:team-a/other": "PO",
    }


def test_blank_annotations_count_as_absent() -> None:
    graph = graph_of(component("a", service_id="  ", key=""))
    entry = build_mapping(graph).entries[0]
    assert entry.status is MappingStatus.UNMAPPED


def test_annotation_values_are_stripped() -> None:
    graph = graph_of(component("a", service_id=" PA \n"))
    assert build_mapping(graph).entity_to_service == {"component:default/a": "PA"}


# ------------------------------------------------------------------ bad input


def test_two_entities_claiming_one_service_are_both_conflicts_and_neither_is_mapped() -> None:
    graph = graph_of(
        component("a", service_id="PSHARED"),
        component("b", key=SECRET_KEY),
        component("c", service_id="PC"),
    )
    mapping = build_mapping(graph, key_to_service={SECRET_KEY: "PSHARED"})
    a = entry_of(mapping.entries, "component:default/a")
    b = entry_of(mapping.entries, "component:default/b")
    assert a.status is b.status is MappingStatus.CONFLICT
    assert a.service_id == b.service_id == "PSHARED"
    assert "component:default/b" in a.detail and "component:default/a" in b.detail
    assert mapping.entity_to_service == {"component:default/c": "PC"}
    assert "PSHARED" not in mapping.service_to_entity


def test_an_override_claiming_an_annotated_service_is_a_conflict_too() -> None:
    graph = graph_of(component("a", service_id="PS"), component("b"))
    mapping = build_mapping(graph, overrides={"component:default/b": "PS"})
    assert {e.status for e in mapping.entries} == {MappingStatus.CONFLICT}


def test_a_service_deleted_in_pagerduty_but_still_annotated_is_missing_not_mapped() -> None:
    graph = graph_of(component("a", service_id="PGONE"), component("b", service_id="PB"))
    mapping = build_mapping(graph, missing_services={"PGONE"})
    entry = entry_of(mapping.entries, "component:default/a")
    assert entry.status is MappingStatus.MISSING_SERVICE
    assert entry.service_id == "PGONE"
    assert "PGONE" in entry.detail and "pagerduty.com/service-id annotation" in entry.detail
    assert mapping.entity_to_service == {"component:default/b": "PB"}


def test_a_key_no_service_owns_is_unresolved_and_the_key_is_never_shown() -> None:
    graph = graph_of(component("a", key=SECRET_KEY))
    mapping = build_mapping(graph, key_to_service={"another-key": "PX"})
    entry = mapping.entries[0]
    assert entry.status is MappingStatus.UNRESOLVED
    assert entry.service_id is None
    assert "integration key annotation" in entry.detail
    assert SECRET_KEY not in repr(mapping)


def test_no_detail_ever_holds_an_integration_key() -> None:
    graph = graph_of(
        component("a", key=SECRET_KEY),
        component("b", key=SECRET_KEY),  # conflict through the key
        component("c", key=SECRET_KEY + "x"),  # unresolved
        component("d", key="k-missing"),
    )
    mapping = build_mapping(
        graph,
        key_to_service={SECRET_KEY: "PS", "k-missing": "PGONE"},
        missing_services={"PGONE"},
    )
    statuses = {e.entity_ref: e.status for e in mapping.entries}
    assert statuses == {
        "component:default/a": MappingStatus.CONFLICT,
        "component:default/b": MappingStatus.CONFLICT,
        "component:default/c": MappingStatus.UNRESOLVED,
        "component:default/d": MappingStatus.MISSING_SERVICE,
    }
    shown = " ".join(e.detail for e in mapping.entries)
    assert SECRET_KEY not in shown and "k-missing" not in shown
    assert "integration key annotation" in entry_of(mapping.entries, "component:default/d").detail


# ------------------------------------------------------------------ dependsOn resolution


def test_resolve_fills_the_graph_and_reports_each_unparsable_entry() -> None:
    graph = graph_of(
        component("a", "b", "x:y:z", "resource:db"),
        component("b", "a//b", "", namespace="team"),
    )
    problems = resolve_depends_on(graph)
    assert graph.resolved == {
        ("component:default/a", "b"): "component:default/b",
        ("component:default/a", "x:y:z"): None,
        ("component:default/a", "resource:db"): "resource:default/db",
        ("component:team/b", "a//b"): None,
        ("component:team/b", ""): None,
    }
    assert len(problems) == 3
    assert problems[0].startswith("component:default/a: dependsOn entry 'x:y:z'")
    assert "more than one ':'" in problems[0]
    assert all(p.startswith("component:team/b") for p in problems[1:])
    assert graph.dependencies("component:default/a") == {
        "component:default/b",
        "resource:default/db",
    }


def test_a_non_string_entry_is_a_problem_not_a_crash() -> None:
    entity = CatalogEntity(ref="component:default/a", depends_on=(42,))  # type: ignore[arg-type]
    graph = graph_of(entity)
    problems = resolve_depends_on(graph)
    assert graph.resolved == {("component:default/a", 42): None}
    assert len(problems) == 1 and "42" in problems[0]


def test_a_graph_repr_never_shows_an_integration_key() -> None:
    graph = graph_of(component("a", key=SECRET_KEY))
    resolve_depends_on(graph)
    assert SECRET_KEY not in repr(graph) and SECRET_KEY not in str(graph)
    assert graph.entities["component:default/a"].annotation(KEY) == SECRET_KEY
