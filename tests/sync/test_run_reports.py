"""#14.1 and #14.2: a run that has started writing always ends with its report, and one bad
catalog entry never sinks a run.

The scenarios of the issue: a component whose ``dependsOn`` holds ``"component:"`` (an empty
name, which Backstage flags too), synced with ``pagerduty`` and with ``both``, the catalog in
place and in git checkouts. The dry run plans changes and lists the entry as a problem; the
real run must then apply exactly those changes (the entry kept where it is), store the report,
and a re-run must find nothing left. Then failures after the first write (PagerDuty refusing a
batch, a git host refusing a pull request, an entity whose block cannot be edited): the run
ends ``partial`` with its report, and the next run applies what was left and nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
from sync_world import (
    IDS,
    REPO_OF,
    Repos,
    depends_on_in,
    entities,
    gh_pull,
    git,
    make_repos,
    make_services,
    pd_edges,
    write_entity_files,
    yaml_bytes,
)

from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.services import Services
from pagerduty_actions.store.sync_runs import SyncRunStore
from pagerduty_actions.sync import service
from pagerduty_actions.sync.runs import OBSERVERS

SYNC_BRANCH = "pagerduty/sync-dependencies"
ASSOCIATE = "/service_dependencies/associate"
BAD_ENTRY = "component:"


def bad_docs(*, extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The world, with checkout's dependsOn holding an empty-named entry after payments."""
    docs = entities()
    deps = docs[0]["spec"]["dependsOn"]
    docs[0]["spec"]["dependsOn"] = [deps[0], BAD_ENTRY, *deps[1:], *extra]
    return docs


class World:
    """The catalog of ``bad_docs`` in place (``files``) or in git checkouts (``repos``)."""

    def __init__(self, root: Path, in_git: bool, docs: list[dict[str, Any]]) -> None:
        self.root = root
        self.repos: Repos | None = None
        self.files: dict[str, Path] = {}
        if in_git:
            by_repo: dict[str, dict[str, bytes]] = {"repo-a": {}, "repo-b": {}}
            for doc in docs:
                name = doc["metadata"]["name"]
                by_repo[REPO_OF.get(name, "repo-a")][f"{name}/catalog-info.yaml"] = yaml_bytes(doc)
            self.repos = make_repos(root / "git", by_repo)
        else:
            self.files = write_entity_files(root / "catalog", docs)

    def sections(self) -> dict[str, Any]:
        if self.repos is None:
            return {"catalog": {"files": [str(self.root / "catalog/*.yaml")]}}
        return {
            "catalog": {"files": [str(self.root / "git/checkouts/*/*/catalog-info.yaml")]},
            "integrations": {"github": [{"host": "github.com", "token": "ghp_" + "x" * 36}]},
        }

    def file_of(self, name: str) -> Path:
        if self.repos is None:
            return self.files[name]
        return self.repos.checkouts[REPO_OF[name]] / name / "catalog-info.yaml"

    def depends_on(self, name: str) -> list[str]:
        """dependsOn as delivered: the file in place, or on our branch in the remote."""
        if self.repos is None:
            return depends_on_in(self.files[name])
        repo = REPO_OF[name]
        return depends_on_in(self.repos.read(repo, f"{name}/catalog-info.yaml", SYNC_BRANCH))

    def merge(self, *names: str) -> None:
        """What a person does with the pull requests: merge them into the checkouts."""
        assert self.repos is not None
        for name in names or tuple(self.repos.checkouts):
            if SYNC_BRANCH in self.repos.branches(name):
                remote = self.repos.bare[name].as_uri()
                git(self.repos.checkouts[name], "pull", "-q", "--ff-only", remote, SYNC_BRANCH)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def make(in_git: bool, docs: list[dict[str, Any]] | None = None) -> World:
        made = World(tmp_path, in_git, docs or bad_docs())
        if made.repos is not None:
            for key, value in made.repos.git_env().items():
                monkeypatch.setenv(key, value)
        return made

    yield make


@pytest.fixture
def pull_requests(github: respx.MockRouter) -> respx.MockRouter:
    github.get(url__regex=r".*/pulls\?.*").respond(200, json=[])
    for number, repo in enumerate(("repo-a", "repo-b"), start=1):
        github.post(f"https://api.github.com/repos/acme/{repo}/pulls").respond(
            201, json=gh_pull(repo, number)
        )
    return github


def sync(services: Services, strategy: str, dry_run: bool = False) -> dict[str, Any]:
    return service.run(services, {"strategy": strategy, "dryRun": dry_run}, started_by="test")


def stored(services: Services, run_id: str) -> dict[str, Any]:
    run = SyncRunStore(services.db).get(run_id)  # type: ignore[arg-type]
    assert run is not None
    return run


def as_set(changes: list[dict[str, Any]]) -> set[str]:
    """Changes comparable across reports (a failure's reason left out)."""
    return {
        json.dumps({k: v for k, v in c.items() if k != "error"}, sort_keys=True) for c in changes
    }


# -- a bad dependsOn entry ---------------------------------------------------------------------


@pytest.mark.parametrize("in_git", [False, True], ids=["in-place", "git-checkout"])
@pytest.mark.parametrize("strategy", ["pagerduty", "both"])
def test_a_bad_entry_is_a_problem_and_the_run_applies_what_the_dry_run_planned(
    pd: SandboxServer,
    world: Any,
    pull_requests: respx.MockRouter,
    tmp_path: Path,
    database_url: str,
    strategy: str,
    in_git: bool,
) -> None:
    catalog = world(in_git)
    services = make_services(pd, database_url, tmp_path / "d", **catalog.sections())
    try:
        planned = sync(services, strategy, dry_run=True)
        report = sync(services, strategy)
        # the entry is a problem on its entity, naming its file, document and the fix
        checkout_file = catalog.file_of("checkout").resolve()
        problem = (
            f"component:default/checkout ({checkout_file}, document 1): dependsOn entry "
            f"{BAD_ENTRY!r} is not an entity ref (the name is empty); it is kept as written "
            "and not synced. Fix it in the catalog file"
        )
        for either in (planned, report):
            assert any(p.startswith(problem) for p in either["problems"]), either["problems"]
        # the real run applies exactly what the dry run planned, change for change
        assert report["changes"] == planned["changes"] and planned["changes"]
        assert as_set(report["applied"]) == as_set(planned["changes"])
        assert report["failed"] == report["notAttempted"] == []
        assert report["status"] == "succeeded" and "error" not in report
        # ... and the file says what the change said, the bad entry still in its place
        for change in report["applied"]:
            if change["side"] == "backstage":
                name = change["entityRef"].split("/")[1]
                assert catalog.depends_on(name) == change["dependsOn"]
        assert catalog.depends_on("checkout")[:2] in (
            ["payments", BAD_ENTRY],  # both: nothing removed
            [BAD_ENTRY, "resource:default/bucket"],  # pagerduty: payments removed
        )
        if strategy == "both":
            assert ("add", IDS["checkout"], IDS["payments"]) in {
                (c.get("kind"), c.get("dependent"), c.get("supporting")) for c in report["applied"]
            }
            assert ("checkout", "payments") in pd_edges(pd)
        # the stored run holds the same report
        run = stored(services, report["runId"])
        assert run["status"] == "succeeded" and run["report"] == report

        if in_git:
            catalog.merge()
        again = sync(services, strategy)
        assert again["changes"] == [] and again["applied"] == []
        assert any(p.startswith(problem) for p in again["problems"])
    finally:
        services.close()


def test_an_entity_whose_block_cannot_be_edited_fails_alone(
    pd: SandboxServer, tmp_path: Path, sqlite_url: str
) -> None:
    """checkout's dependsOn is one string, not a list: the sync reads no entry from it and
    plans to add search, but the file cannot be edited safely, so that change fails with the
    reason; search's file is still written."""
    files = write_entity_files(tmp_path / "catalog", entities())
    head, _, _ = files["checkout"].read_text().partition("  dependsOn:")
    files["checkout"].write_text(head + "  dependsOn: payments\n", encoding="utf-8")
    services = make_services(
        pd, sqlite_url, tmp_path / "d", catalog={"files": [str(tmp_path / "catalog/*.yaml")]}
    )
    try:
        report = sync(services, "pagerduty")
    finally:
        services.close()
    assert [f["entityRef"] for f in report["failed"]] == ["component:default/checkout"]
    assert report["failed"][0]["error"].startswith(f"{files['checkout']}: cannot edit")
    assert [c["entityRef"] for c in report["applied"]] == ["component:default/search"]
    assert depends_on_in(files["search"]) == ["component:db"]
    assert report["status"] == "partial"


# -- failures after the first write ------------------------------------------------------------


def fail_writes_after_the_first(pd: SandboxServer) -> Any:
    """An observer: once the first PagerDuty batch is written, PagerDuty refuses the rest."""

    def observer(run_id: str, phase: str, done: int, total: int, calls: int) -> None:
        if phase == "writing PagerDuty" and done == 1:
            pd.state.configure_faults(
                {"fail_next": [{"count": 50, "status": 503, "method": "POST", "path": ASSOCIATE}]}
            )

    return observer


def test_failures_after_the_first_write_end_partial_and_a_rerun_completes_the_rest(
    pd: SandboxServer,
    world: Any,
    github: respx.MockRouter,
    tmp_path: Path,
    database_url: str,
) -> None:
    """``both`` over git checkouts, batches of one: PagerDuty takes the first addition and
    refuses the second; GitHub refuses repo-a's pull request and opens repo-b's."""
    catalog = world(True, bad_docs(extra=("db",)))
    github.get(url__regex=r".*/pulls\?.*").respond(200, json=[])
    refused = github.post("https://api.github.com/repos/acme/repo-a/pulls").respond(
        502, json={"message": "Server Error"}
    )
    github.post("https://api.github.com/repos/acme/repo-b/pulls").respond(
        201, json=gh_pull("repo-b", 7)
    )
    services = make_services(
        pd, database_url, tmp_path / "d", sync={"batchSize": 1}, **catalog.sections()
    )
    services.extras[OBSERVERS] = [fail_writes_after_the_first(pd)]
    try:
        first = sync(services, "both")
        assert first["status"] == "partial"
        pd_side = [(c["kind"], c["dependent"], c["supporting"]) for c in first["changes"][:2]]
        assert pd_side == [
            ("add", IDS["checkout"], IDS["db"]),
            ("add", IDS["checkout"], IDS["payments"]),
        ]
        applied = {(c.get("dependent"), c.get("entityRef")) for c in first["applied"]}
        assert applied == {(IDS["checkout"], None), (None, "component:default/search")}
        failed = {(c.get("supporting"), c.get("entityRef")): c["error"] for c in first["failed"]}
        assert set(failed) == {(IDS["payments"], None), (None, "component:default/checkout")}
        assert "503" in failed[(IDS["payments"], None)]
        assert failed[(None, "component:default/checkout")].startswith(
            "https://github.com/acme/repo-a: "
        )
        assert first["notAttempted"] == []
        assert any(BAD_ENTRY in p for p in first["problems"])
        assert stored(services, first["runId"])["report"] == first
        assert pd_edges(pd) >= {("checkout", "db")} and ("checkout", "payments") not in pd_edges(pd)

        # the faults pass; repo-b's pull request is merged; run again
        pd.state.faults.reset()
        refused.respond(201, json=gh_pull("repo-a", 8))
        catalog.merge("repo-b")
        services.extras[OBSERVERS] = []
        second = sync(services, "both")
        assert second["status"] == "succeeded"
        assert as_set(second["applied"]) == as_set(first["failed"])  # what was left
        assert not as_set(second["applied"]) & as_set(first["applied"])  # nothing twice
        assert ("checkout", "payments") in pd_edges(pd)

        catalog.merge()
        assert sync(services, "both")["changes"] == []
    finally:
        services.close()


def test_a_catalog_file_that_is_not_yaml_is_a_problem_of_that_file(
    pd: SandboxServer, tmp_path: Path, sqlite_url: str
) -> None:
    """search's file is broken: it is left out of the run (nothing is changed for it on
    either side, its PagerDuty edges are kept), and everything else is synced."""
    files = write_entity_files(tmp_path / "catalog", entities())
    files["search"].write_text("kind: Component\nmetadata: {name: search\n", encoding="utf-8")
    services = make_services(
        pd, sqlite_url, tmp_path / "d", catalog={"files": [str(tmp_path / "catalog/*.yaml")]}
    )
    try:
        report = sync(services, "backstage")
    finally:
        services.close()
    assert any(
        p.startswith(f"{files['search'].resolve()} at line ") and "not valid YAML" in p
        for p in report["problems"]
    ), report["problems"]
    assert report["status"] == "succeeded"
    assert [(c["kind"], c["dependent"], c["supporting"]) for c in report["applied"]] == [
        ("add", IDS["checkout"], IDS["payments"])
    ]
    assert ("checkout", "search") in pd_edges(pd) and ("search", "db") in pd_edges(pd)
