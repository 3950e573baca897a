"""Each strategy end to end: the sandbox plays PagerDuty, the simulated catalog API or catalog
files (plain, or in git checkouts with real bare remotes and respx for GitHub) play Backstage,
and the run store is a real database. The world is described in ``sync_world``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
from backstage_catalog import CatalogServer
from sync_world import (
    GITHUB_TOKEN,
    IDS,
    REPO_OF,
    Repos,
    catalog_api,
    depends_on_in,
    entities,
    gh_pull,
    git,
    git_catalog,
    make_services,
    pd_calls,
    pd_edges,
    pd_writes,
    write_entity_files,
)

from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.services import Services
from pagerduty_actions.store.sync_runs import SyncRunStore
from pagerduty_actions.sync.engine import SyncEngine, SyncOptions
from pagerduty_actions.sync.runs import SyncRun

BEFORE = {("checkout", "search"), ("payments", "db"), ("checkout", "legacy"), ("search", "db")}


@pytest.fixture
def api_services(
    pd: SandboxServer, catalog_server: CatalogServer, tmp_path: Path, sqlite_url: str
) -> Iterator[Services]:
    """Catalog from the simulated catalog API, two entities per page (cursor pagination)."""
    catalog_server.entities.extend(entities())
    services = make_services(
        pd,
        sqlite_url,
        tmp_path / "data",
        backstage=catalog_api(catalog_server),
    )
    yield services
    services.close()


def run(services: Services, strategy: str, dry_run: bool = False) -> dict[str, Any]:
    return SyncRun(services, SyncOptions(strategy=strategy, dry_run=dry_run), "test").execute()


def changes(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (c["kind"], c["dependent"], c["supporting"])
        for c in report["changes"]
        if c["side"] == "pagerduty"
    }


# -- backstage: PagerDuty follows the catalog -----------------------------------------------


def test_backstage_strategy_over_the_catalog_api(
    pd: SandboxServer, database_url: str, catalog_server: CatalogServer, tmp_path: Path
) -> None:
    catalog_server.entities.extend(entities())
    services = make_services(
        pd,
        database_url,
        tmp_path / "data",
        backstage=catalog_api(catalog_server),
        sync={"batchSize": 2},
    )
    try:
        report = run(services, "backstage")
        # exactly Backstage's edges between mapped services; the unmapped end's edge is kept
        assert pd_edges(pd) == {
            ("checkout", "payments"),
            ("payments", "db"),
            ("checkout", "legacy"),
        }
        assert changes(report) == {
            ("add", IDS["checkout"], IDS["payments"]),
            ("remove", IDS["checkout"], IDS["search"]),
            ("remove", IDS["search"], IDS["db"]),
        }
        assert report["counts"]["applied"] == 3 and not report["failed"]
        assert report["kept"] == [
            {
                "dependent": IDS["checkout"],
                "supporting": IDS["legacy"],
                "reason": f"{IDS['checkout']} (checkout) depends on {IDS['legacy']} in PagerDuty; "
                f"{IDS['legacy']} is not mapped to a catalog component (unmanaged, kept)",
            }
        ]
        assert [u["entityRef"] for u in report["unmapped"]] == ["component:default/inventory"]
        assert any("component:default/ghost" in p for p in report["problems"])
        # one read per mapped service, writes batched (2 per call: 1 disassociate, 1 associate)
        assert report["callsByEndpoint"] == {
            "GET /service_dependencies/technical_services/{id}": 4,
            "POST /service_dependencies/disassociate": 1,
            "POST /service_dependencies/associate": 1,
        }
        assert report["counts"]["calls"] == 6
        # the run is recorded with its report
        stored = SyncRunStore(services.db).get(report["runId"])  # type: ignore[arg-type]
        assert stored is not None and stored["status"] == "succeeded"
        assert stored["report"]["counts"]["applied"] == 3
        assert stored["progress"]["phase"] == "finished"
        # the catalog was read as one paged query of components
        queries = [r for r in catalog_server.requests if r.path.endswith("/by-query")]
        assert queries and all(r.authenticated for r in queries)
        assert all("kind=component" in r.query.get("filter", []) for r in queries)

        again = run(services, "backstage")
        assert again["counts"]["changes"] == 0 and again["changes"] == []
        assert again["callsByEndpoint"] == {"GET /service_dependencies/technical_services/{id}": 4}
    finally:
        services.close()


def test_backstage_strategy_dry_run_writes_nothing(
    pd: SandboxServer, api_services: Services
) -> None:
    report = run(api_services, "backstage", dry_run=True)
    assert report["dryRun"] is True and report["counts"]["changes"] == 3
    assert report["applied"] == [] and report["counts"]["applied"] == 0
    assert pd_writes(pd) == [] and pd_edges(pd) == BEFORE


def test_catalog_api_pages_are_followed(
    pd: SandboxServer, catalog_server: CatalogServer, tmp_path: Path, sqlite_url: str
) -> None:
    """More components than one page (500): every page is read (cursor pagination)."""
    catalog_server.entities.extend(entities())
    for i in range(520):
        catalog_server.entities.append(
            {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
             "metadata": {"name": f"filler-{i}"}, "spec": {}}
        )  # fmt: skip
    services = make_services(
        pd, sqlite_url, tmp_path / "d", backstage=catalog_api(catalog_server)
    )  # fmt: skip
    try:
        report = SyncEngine(services).run(SyncOptions(strategy="backstage", dry_run=True))
    finally:
        services.close()
    assert report["counts"]["entities"] == 525 and report["counts"]["mapped"] == 4
    pages = [r for r in catalog_server.requests if r.path.endswith("/by-query")]
    assert len(pages) >= 2 and any("cursor" in r.query for r in pages)


# -- pagerduty: the catalog follows PagerDuty -------------------------------------------------


def test_pagerduty_strategy_edits_plain_files_in_place(
    pd: SandboxServer, tmp_path: Path, database_url: str
) -> None:
    files = write_entity_files(tmp_path / "catalog", entities())
    services = make_services(
        pd, database_url, tmp_path / "d", catalog={"files": [str(tmp_path / "catalog/*.yaml")]}
    )
    untouched = {n: p.read_bytes() for n, p in files.items()}
    try:
        report = run(services, "pagerduty")
        assert pd_writes(pd) == [] and pd_edges(pd) == BEFORE
        # managed entries follow PagerDuty; resources and components not in the catalog stay
        assert depends_on_in(files["checkout"]) == [
            "resource:default/bucket",
            "component:default/ghost",
            "component:search",
        ]
        assert depends_on_in(files["search"]) == ["component:db"]
        for name in ("payments", "db", "inventory"):
            assert files[name].read_bytes() == untouched[name]
        assert sorted(d["target"] for d in report["deliveries"]) == sorted(
            [str(files["checkout"]), str(files["search"])]
        )
        assert all(d["mode"] == "in-place" for d in report["deliveries"])
        assert {c["entityRef"] for c in report["applied"]} == {
            "component:default/checkout",
            "component:default/search",
        }
        # only the dependsOn lines changed
        before = untouched["checkout"].decode().splitlines()
        after = files["checkout"].read_text().splitlines()
        assert [line for line in before if line not in after] == ["  - payments"]
        assert [line for line in after if line not in before] == ["  - component:search"]

        again = run(services, "pagerduty")
        assert again["counts"]["changes"] == 0 and again["deliveries"] == []
    finally:
        services.close()


def test_pagerduty_strategy_opens_one_pull_request_per_repository(
    pd: SandboxServer,
    tmp_path: Path,
    sqlite_url: str,
    repos: Repos,
    github: respx.MockRouter,
) -> None:
    pulls = {
        name: (
            github.get(f"https://api.github.com/repos/acme/{name}/pulls").respond(200, json=[]),
            github.post(f"https://api.github.com/repos/acme/{name}/pulls").respond(
                201, json=gh_pull(name, number)
            ),
        )
        for number, name in enumerate(("repo-a", "repo-b"), start=1)
    }
    services = make_services(
        pd,
        sqlite_url,
        tmp_path / "d",
        **git_catalog(tmp_path),
    )
    before_checkout = (repos.checkouts["repo-a"] / "checkout/catalog-info.yaml").read_bytes()
    try:
        report = run(services, "pagerduty")
    finally:
        services.close()
    assert not report["failed"]
    deliveries = {d["repository"]: d for d in report["deliveries"]}
    assert set(deliveries) == {repos.url("repo-a"), repos.url("repo-b")}
    assert deliveries[repos.url("repo-a")]["pullRequestNumber"] == 1
    assert deliveries[repos.url("repo-b")]["pullRequestUrl"].endswith("/repo-b/pull/2")
    for name, (find, create) in pulls.items():
        assert find.call_count == 1 and create.call_count == 1, name
        body = json.loads(create.calls[0].request.content)
        assert (body["head"], body["base"]) == ("pagerduty/sync-dependencies", "main")
        assert "component:default/checkout" in body["body"] or name == "repo-b"
        assert GITHUB_TOKEN not in json.dumps(body)
    # the proposals are on our branch; main and the working copies are untouched
    branch = "pagerduty/sync-dependencies"
    assert depends_on_in(repos.read("repo-a", "checkout/catalog-info.yaml", branch)) == [
        "resource:default/bucket",
        "component:default/ghost",
        "component:search",
    ]
    assert depends_on_in(repos.read("repo-b", "search/catalog-info.yaml", branch)) == [
        "component:db"
    ]
    assert repos.read("repo-a", "checkout/catalog-info.yaml") == before_checkout
    assert (repos.checkouts["repo-a"] / "checkout/catalog-info.yaml").read_bytes() == (
        before_checkout
    )
    assert pd_writes(pd) == []


def test_pagerduty_strategy_commits_when_configured(
    pd: SandboxServer, tmp_path: Path, sqlite_url: str, repos: Repos, github: respx.MockRouter
) -> None:
    """``sync.delivery: commit``: one commit per repository on the file's branch, no PR call."""
    services = make_services(
        pd,
        sqlite_url,
        tmp_path / "d",
        **git_catalog(tmp_path),
        sync={"delivery": "commit"},
    )
    try:
        report = run(services, "pagerduty")
    finally:
        services.close()
    assert not report["failed"]
    assert {d["mode"] for d in report["deliveries"]} == {"commit"}
    assert all(d["commitSha"] and d["pullRequestUrl"] is None for d in report["deliveries"])
    assert not [c for c in github.calls if c.request.url.host == "api.github.com"]  # no PR API
    assert depends_on_in(repos.read("repo-a", "checkout/catalog-info.yaml")) == [
        "resource:default/bucket",
        "component:default/ghost",
        "component:search",
    ]
    assert depends_on_in(repos.read("repo-b", "search/catalog-info.yaml")) == ["component:db"]


def test_an_entity_whose_block_cannot_be_edited_in_git_fails_alone(
    pd: SandboxServer, tmp_path: Path, sqlite_url: str, repos: Repos, github: respx.MockRouter
) -> None:
    """checkout's dependsOn in repo-a is one string: the sync plans to add search, the edit of
    the file as the commit's checkout holds it refuses that entity with the reason, and the
    other repository is still committed."""
    work = repos.checkouts["repo-a"]
    path = work / "checkout/catalog-info.yaml"
    head, _, _ = path.read_text(encoding="utf-8").partition("  dependsOn:")
    path.write_text(head + "  dependsOn: payments\n", encoding="utf-8")
    git(work, "commit", "-qam", "dependsOn as one string")
    git(work, "push", "-q", repos.bare["repo-a"].as_uri(), "HEAD:refs/heads/main")
    services = make_services(
        pd, sqlite_url, tmp_path / "d", **git_catalog(tmp_path), sync={"delivery": "commit"}
    )
    try:
        report = run(services, "pagerduty")
    finally:
        services.close()
    assert [f["entityRef"] for f in report["failed"]] == ["component:default/checkout"]
    error = report["failed"][0]["error"]
    assert error.startswith(f"{repos.url('repo-a')} (checkout/catalog-info.yaml): cannot edit")
    assert [c["entityRef"] for c in report["applied"]] == ["component:default/search"]
    deliveries = {d["repository"]: d for d in report["deliveries"]}
    assert deliveries[repos.url("repo-a")]["changed"] is False
    assert repos.read("repo-a", "checkout/catalog-info.yaml").endswith(b"dependsOn: payments\n")
    assert depends_on_in(repos.read("repo-b", "search/catalog-info.yaml")) == ["component:db"]


def test_pagerduty_strategy_rerun_updates_the_open_pull_request(
    pd: SandboxServer,
    tmp_path: Path,
    sqlite_url: str,
    repos: Repos,
    github: respx.MockRouter,
) -> None:
    """Until the pull request is merged, a second run updates it instead of opening another."""
    for number, name in enumerate(("repo-a", "repo-b"), start=1):
        url = f"https://api.github.com/repos/acme/{name}/pulls"
        github.get(url).respond(200, json=[gh_pull(name, number)])
        github.patch(f"{url}/{number}").respond(200, json=gh_pull(name, number))
    create = github.post(url__regex=r"https://api\.github\.com/.*/pulls$").respond(500)
    services = make_services(
        pd,
        sqlite_url,
        tmp_path / "d",
        **git_catalog(tmp_path),
    )
    try:
        first = run(services, "pagerduty")
        second = run(services, "pagerduty")
    finally:
        services.close()
    assert create.call_count == 0 and not first["failed"] and not second["failed"]
    assert [d["pullRequestNumber"] for d in second["deliveries"]] == [1, 2]
    assert repos.branches("repo-a") == ["main", "pagerduty/sync-dependencies"]


# -- both: union, nothing removed --------------------------------------------------------------


def test_both_strategy_adds_to_each_side_and_removes_nothing(
    pd: SandboxServer, tmp_path: Path, database_url: str
) -> None:
    files = write_entity_files(tmp_path / "catalog", entities())
    services = make_services(
        pd, database_url, tmp_path / "d", catalog={"files": [str(tmp_path / "catalog/*.yaml")]}
    )
    try:
        report = run(services, "both")
        assert pd_edges(pd) == BEFORE | {("checkout", "payments")}
        assert changes(report) == {("add", IDS["checkout"], IDS["payments"])}
        assert depends_on_in(files["checkout"]) == [
            "payments",
            "resource:default/bucket",
            "component:default/ghost",
            "component:search",
        ]
        assert depends_on_in(files["search"]) == ["component:db"]
        assert depends_on_in(files["payments"]) == ["Component:default/DB"]
        assert all(c["kind"] == "add" for c in report["applied"] if c["side"] == "pagerduty")
        assert all(not c["removed"] for c in report["applied"] if c["side"] == "backstage")

        again = run(services, "both")
        assert again["counts"]["changes"] == 0
    finally:
        services.close()


def test_both_strategy_over_the_catalog_api_proposes_pull_requests(
    pd: SandboxServer,
    catalog_server: CatalogServer,
    tmp_path: Path,
    sqlite_url: str,
    repos: Repos,
    github: respx.MockRouter,
) -> None:
    """Entities from the API are located by managed-by-location; edits go to their repos."""
    catalog_server.entities.extend(
        entities(
            {
                n: f"url:https://github.com/acme/{REPO_OF.get(n, 'repo-a')}/blob/main/{n}/"
                "catalog-info.yaml"
                for n in ("checkout", "payments", "db", "search", "inventory")
            }
        )
    )
    github.get(url__regex=r".*/pulls\?.*").respond(200, json=[])
    github.post("https://api.github.com/repos/acme/repo-a/pulls").respond(
        201, json=gh_pull("repo-a", 7)
    )
    github.post("https://api.github.com/repos/acme/repo-b/pulls").respond(
        201, json=gh_pull("repo-b", 8)
    )
    services = make_services(
        pd,
        sqlite_url,
        tmp_path / "d",
        backstage=catalog_api(catalog_server),
        integrations={"github": [{"host": "github.com", "token": GITHUB_TOKEN}]},
    )
    try:
        report = run(services, "both")
    finally:
        services.close()
    assert not report["failed"]
    assert pd_edges(pd) == BEFORE | {("checkout", "payments")}
    assert sorted(d["pullRequestNumber"] for d in report["deliveries"]) == [7, 8]
    branch = "pagerduty/sync-dependencies"
    assert depends_on_in(repos.read("repo-a", "checkout/catalog-info.yaml", branch))[-1] == (
        "component:search"
    )


# -- disabled ----------------------------------------------------------------------------------


def test_disabled_strategy_makes_no_call_at_all(
    pd: SandboxServer, api_services: Services, catalog_server: CatalogServer
) -> None:
    report = run(api_services, "disabled")
    assert report["strategy"] == "disabled" and "nothing was read or written" in report["message"]
    assert pd_calls(pd) == 0 and catalog_server.requests == []
    assert report["counts"] == {"changes": 0, "calls": 0}


def test_disabled_is_the_default(pd: SandboxServer, api_services: Services) -> None:
    report = SyncRun(api_services, SyncOptions(), "test").execute()
    assert report["strategy"] == "disabled" and pd_calls(pd) == 0
