"""Bad input and faults during a sync: each ends in a clear report, never a traceback, and a
re-run completes what a failure left undone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import respx
from backstage_catalog import CatalogServer
from sync_world import (
    AFTER_BACKSTAGE,
    GITHUB_TOKEN,
    IDS,
    PD_DEPS,
    Repos,
    catalog_api,
    depends_on_in,
    entities,
    gh_pull,
    git_catalog,
    make_services,
    pd_edges,
    pd_writes,
    seed,
    write_entity_files,
)

from pagerduty_actions.errors import InputError
from pagerduty_actions.pagerduty.resources import services as pd_services
from pagerduty_actions.sandbox import SandboxServer, sandbox_server
from pagerduty_actions.services import Services
from pagerduty_actions.store.sync_runs import SyncRunStore
from pagerduty_actions.sync.engine import SyncOptions
from pagerduty_actions.sync.runs import SyncRun
from pagerduty_actions.sync.service import sync_options

DEP_WRITES = ("/service_dependencies/associate", "/service_dependencies/disassociate")


def run(services: Services, strategy: str) -> dict[str, Any]:
    return SyncRun(services, SyncOptions(strategy=strategy), "test").execute()


def files_services(
    pd: SandboxServer, tmp_path: Path, url: str, docs: list[dict[str, Any]], **extra: Any
) -> Services:
    write_entity_files(tmp_path / "catalog", docs)
    return make_services(
        pd, url, tmp_path / "d", catalog={"files": [str(tmp_path / "catalog/*.yaml")]}, **extra
    )


@pytest.fixture
def api(pd: SandboxServer, catalog_server: CatalogServer, tmp_path: Path, sqlite_url: str):  # type: ignore[no-untyped-def]
    """``api(**sync)`` -> services reading the simulated catalog (filled with the world)."""
    made: list[Services] = []
    catalog_server.entities.extend(entities())

    def build(**sync: Any) -> Services:
        services = make_services(
            pd,
            sqlite_url,
            tmp_path / f"d{len(made)}",
            backstage=catalog_api(catalog_server),
            sync=sync,
        )
        made.append(services)
        return services

    yield build
    for services in made:
        services.close()


# -- bad catalog data ------------------------------------------------------------------------


def test_unparsable_depends_on_entries_are_reported_kept_and_the_rest_synced(
    pd: SandboxServer, tmp_path: Path, sqlite_url: str
) -> None:
    docs = entities()
    docs[0]["spec"]["dependsOn"] = ["payments", "a:b:c", "component:", "x/y/z"]
    services = files_services(pd, tmp_path, sqlite_url, docs)
    try:
        report = run(services, "backstage")
        problems = report["problems"]
        for entry, reason in (
            ("a:b:c", "more than one ':'"),
            ("component:", "the name is empty"),
            ("x/y/z", "more than one '/'"),
        ):
            assert (
                f"component:default/checkout ({tmp_path / 'catalog/checkout.yaml'}, document 1): "
                f"dependsOn entry {entry!r} is not an entity ref ({reason}); it is kept as "
                "written and not synced. Fix it in the catalog file ([kind:][namespace/]name, "
                "e.g. component:checkout) or remove it"
            ) in problems
        assert pd_edges(pd) == {
            ("checkout", "payments"),
            ("payments", "db"),
            ("checkout", "legacy"),
        }
        pagerduty_side = run(services, "pagerduty")
    finally:
        services.close()
    # the unparsable entries stay in the file, in order, whatever the strategy
    assert pagerduty_side["counts"]["changes"] == 0
    assert depends_on_in(tmp_path / "catalog/checkout.yaml") == [
        "payments",
        "a:b:c",
        "component:",
        "x/y/z",
    ]


def test_an_entity_scope_that_does_not_parse_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        sync_options({"entities": ["component:default/ok", "a:b:c"]})
    assert caught.value.details == [
        {"path": "$.entities[1]", "message": caught.value.message},
    ]
    assert "more than one ':'" in caught.value.message


def test_dependencies_on_missing_entities_are_reported_not_synced(
    pd: SandboxServer, api: Any
) -> None:
    services = api()
    report = run(services, "backstage")
    assert (
        "component:default/checkout: depends on component:default/ghost, which is not in the "
        "catalog; not synced (add the component to the catalog, or correct or remove the entry)"
    ) in report["problems"]
    assert all("ghost" not in json.dumps(c) for c in report["changes"])


def test_a_service_deleted_in_pagerduty_but_still_annotated(pd: SandboxServer, api: Any) -> None:
    with pd.state.lock:
        pd.state.accounts["default"].delete_service(IDS["payments"])
    services = api()
    report = run(services, "backstage")
    missing = [u for u in report["unmapped"] if u["entityRef"] == "component:default/payments"]
    assert [u["status"] for u in missing] == ["missing-service"]
    assert IDS["payments"] in missing[0]["detail"]
    # nothing is written for the deleted service; the rest is synced
    assert all(IDS["payments"] not in (c["dependent"], c["supporting"]) for c in report["changes"])
    assert pd_edges(pd) == {("checkout", "legacy")}
    assert report["counts"]["failed"] == 0


def test_the_2000_dependency_limit_is_a_clear_per_service_problem(tmp_path: Path) -> None:
    """db has 2,000 dependents already (1,999 of them unmapped services); checkout is mapped
    and depends on db in Backstage only. The addition is not sent; other changes are."""
    fillers = [f"f{i:04d}" for i in range(1999)]
    document = seed(fillers, deps=[("checkout", "search"), ("payments", "db")])
    document["accounts"][0]["dependencies"] += [
        {"dependent": f, "supporting": "db"} for f in fillers
    ]
    docs = entities()
    docs[3]["spec"]["dependsOn"] = ["db"]  # search -> db: over the limit on db's side
    with sandbox_server(document) as pd:
        services = files_services(pd, tmp_path, f"sqlite:///{tmp_path}/t.db", docs)
        try:
            report = run(services, "both")
        finally:
            services.close()
        assert (
            f"service {IDS['db']} (db) would have more than 2,000 dependencies, PagerDuty's "
            "limit per service: 1 addition(s) not planned (search -> db)"
        ) in report["problems"]
        assert report["failed"] == [] and report["counts"]["applied"] >= 1
        assert ("checkout", "payments") in pd_edges(pd)
        assert ("search", "db") not in pd_edges(pd)


def test_a_change_without_a_catalog_file_location_fails_by_name(
    pd: SandboxServer, api: Any
) -> None:
    """Catalog API entities with no managed-by/source-location cannot be edited."""
    report = run(api(), "pagerduty")
    assert {f["entityRef"] for f in report["failed"]} == {
        "component:default/checkout",
        "component:default/search",
    }
    assert all("backstage.io/managed-by-location" in f["error"] for f in report["failed"])


# -- PagerDuty failing during apply ------------------------------------------------------------


def test_5xx_during_apply_stops_with_an_exact_report_and_a_rerun_completes(
    pd: SandboxServer, api: Any
) -> None:
    services = api(batchSize=1)
    pd.state.configure_faults(
        {"fail_next": [{"count": 50, "status": 503, "method": "POST", "path": DEP_WRITES[1]}]}
    )
    report = run(services, "backstage")
    # removals go first, one per batch: the first fails, the rest is not attempted
    assert [(f["kind"], f["dependent"], f["supporting"]) for f in report["failed"]] == [
        ("remove", IDS["checkout"], IDS["search"])
    ]
    assert "503" in report["failed"][0]["error"]
    assert [(c["kind"], c["dependent"], c["supporting"]) for c in report["notAttempted"]] == [
        ("remove", IDS["search"], IDS["db"]),
        ("add", IDS["checkout"], IDS["payments"]),
    ]
    assert report["applied"] == []
    counts = report["counts"]
    assert (counts["applied"], counts["failed"], counts["notAttempted"]) == (0, 1, 2)
    stored = SyncRunStore(services.db).get(report["runId"])  # type: ignore[arg-type]
    assert stored is not None and stored["status"] == "failed"
    assert pd_edges(pd) == {tuple(d) for d in PD_DEPS}  # nothing changed

    pd.state.faults.reset()
    pd.state.faults.rate_limit_enabled = False
    rerun = run(services, "backstage")
    assert rerun["counts"]["applied"] == 3 and rerun["failed"] == []
    assert pd_edges(pd) == AFTER_BACKSTAGE
    assert run(services, "backstage")["counts"]["changes"] == 0


def test_a_429_storm_without_headers_is_ridden_out(pd: SandboxServer, api: Any) -> None:
    services = api()
    pd.state.configure_faults(
        {
            "rate_limit": None,  # header-less 429s: the client must back off on its own
            "fail_next": [{"count": 3, "status": 429, "method": "POST", "path": DEP_WRITES[0]}],
        }
    )
    report = run(services, "backstage")
    assert report["failed"] == [] and report["counts"]["applied"] == 3
    statuses = [e.status for e in pd.state.requests("POST", DEP_WRITES[0])]
    assert statuses == [429, 429, 429, 200]
    assert pd_edges(pd) == AFTER_BACKSTAGE


def test_a_catalog_api_failing_twice_is_ridden_out(
    pd: SandboxServer, catalog_server: CatalogServer, api: Any
) -> None:
    """The Backstage catalog client retries with the same policy as PagerDuty's, inside a run."""
    services = api()
    catalog_server.fail_next(503, times=2)
    report = run(services, "backstage")
    assert report["failed"] == [] and report["counts"]["applied"] == 3
    assert [r.status for r in catalog_server.requests[:3]] == [503, 503, 200]
    assert pd_edges(pd) == AFTER_BACKSTAGE


def test_a_429_storm_longer_than_the_retries_stops_after_the_removals(
    pd: SandboxServer, api: Any
) -> None:
    services = api()
    pd.state.configure_faults(
        {
            "rate_limit": None,
            "fail_next": [{"count": 100, "status": 429, "method": "POST", "path": DEP_WRITES[0]}],
        }
    )
    report = run(services, "backstage")
    # one batch: its removals were sent and applied, its addition failed
    assert [(c["kind"], c["supporting"]) for c in report["applied"]] == [
        ("remove", IDS["search"]),
        ("remove", IDS["db"]),
    ]
    assert [(f["kind"], f["supporting"]) for f in report["failed"]] == [("add", IDS["payments"])]
    assert "429" in report["failed"][0]["error"]
    assert pd_edges(pd) == {("payments", "db"), ("checkout", "legacy")}
    pd.state.faults.reset()
    rerun = run(services, "backstage")
    assert [(c["kind"], c["supporting"]) for c in rerun["applied"]] == [("add", IDS["payments"])]


def test_a_read_404_right_after_a_create_is_retried(
    pd: SandboxServer, api: Any, catalog_server: CatalogServer
) -> None:
    """PagerDuty is eventually consistent (#10.4): a service created a moment ago 404s on
    reads for a while; the sync rides that out instead of calling the service missing. (The
    404s are injected so the test does not depend on timing.)"""
    services = api()
    policy = next(iter(pd.state.accounts["default"].escalation_policies))
    created = pd_services.create(
        services.pagerduty_client(),
        {
            "name": "fresh",
            "escalation_policy": {"id": policy, "type": "escalation_policy_reference"},
        },
    )
    fresh = entities()[3]
    fresh["metadata"]["name"] = "fresh"
    fresh["metadata"]["annotations"]["pagerduty.com/service-id"] = created["id"]
    fresh["spec"]["dependsOn"] = ["db"]
    catalog_server.entities.append(fresh)
    read = "/service_dependencies/technical_services/{id}"
    pd.state.configure_faults(  # the first two reads (of whichever services) 404
        {"fail_next": [{"count": 2, "status": 404, "method": "GET", "path": read}]}
    )
    report = run(services, "backstage")
    assert [u["entityRef"] for u in report["unmapped"]] == ["component:default/inventory"]
    assert report["counts"]["mapped"] == 5 and report["failed"] == []
    assert ("add", created["id"], IDS["db"]) in {
        (c["kind"], c["dependent"], c["supporting"]) for c in report["applied"]
    }
    statuses = [r.status for r in pd.state.requests("GET", read)]
    assert sorted(statuses) == [200] * 5 + [404, 404]


# -- a pull-request host failing for one repository ----------------------------------------------


def test_a_pull_request_host_failing_for_one_repository(
    pd: SandboxServer,
    tmp_path: Path,
    sqlite_url: str,
    repos: Repos,
    github: respx.MockRouter,
) -> None:
    github.get(url__regex=r".*/pulls\?.*").respond(200, json=[])
    github.post("https://api.github.com/repos/acme/repo-a/pulls").respond(
        502, json={"message": "Server Error"}
    )
    github.post("https://api.github.com/repos/acme/repo-b/pulls").respond(
        201, json=gh_pull("repo-b", 4)
    )
    services = make_services(
        pd,
        sqlite_url,
        tmp_path / "d",
        **git_catalog(tmp_path),
    )
    try:
        report = run(services, "pagerduty")
    finally:
        services.close()
    assert [f["entityRef"] for f in report["failed"]] == ["component:default/checkout"]
    assert report["failed"][0]["error"].startswith(repos.url("repo-a"))
    assert [c["entityRef"] for c in report["applied"]] == ["component:default/search"]
    deliveries = {d["repository"]: d for d in report["deliveries"]}
    assert "error" in deliveries[repos.url("repo-a")]
    assert deliveries[repos.url("repo-b")]["pullRequestNumber"] == 4
    assert GITHUB_TOKEN not in json.dumps(report)
    assert pd_writes(pd) == []
