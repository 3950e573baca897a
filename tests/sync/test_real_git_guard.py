"""A sync against the built-in PagerDuty sandbox refuses to deliver to a hosted git repository.

With no PagerDuty credentials the services and dependencies are the sandbox's own; a
``pagerduty`` or ``both`` run would turn them into real pull requests (or commits) on GitHub.
It is refused before anything is written, PagerDuty included, unless ``--allow-real-git`` or
``sync.allowRealGit``; local repositories, plain files and dry runs are never refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import respx
from click.testing import CliRunner
from sync_world import GITHUB_TOKEN, PD_DEPS, Repos, gh_pull, git, pd_edges, pd_writes, seed

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.cli_sync import sync_command
from pagerduty_actions.config import validate_config
from pagerduty_actions.errors import InputError
from pagerduty_actions.services import Services
from pagerduty_actions.sync import service as sync_service

PR_BRANCH = "pagerduty/sync-dependencies"
REFUSED = "refused to sync against the built-in PagerDuty sandbox"


def sandbox_config(tmp_path: Path, **sync: Any) -> dict[str, Any]:
    """No PagerDuty credentials (the built-in sandbox, holding the sync world's services), the
    catalog in git checkouts whose remotes are github.com repositories."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "sandbox-state.json").write_text(json.dumps(seed()), encoding="utf-8")
    return {
        "dataDir": str(data),
        "database": {"url": f"sqlite:///{tmp_path}/guard.db"},
        "catalog": {"files": [str(tmp_path / "git/checkouts/*/*/catalog-info.yaml")]},
        "integrations": {"github": [{"host": "github.com", "token": GITHUB_TOKEN}]},
        "sync": sync,
    }


def sandbox_services(config: dict[str, Any]) -> Services:
    services = build_services(validate_config(config, "guard test config"))
    assert services.sandbox_mode
    return services


def open_pull_requests(github: respx.MockRouter) -> list[respx.Route]:
    routes = []
    for number, name in enumerate(("repo-a", "repo-b"), start=1):
        github.get(f"https://api.github.com/repos/acme/{name}/pulls").respond(200, json=[])
        routes.append(
            github.post(f"https://api.github.com/repos/acme/{name}/pulls").respond(
                201, json=gh_pull(name, number)
            )
        )
    return routes


@pytest.mark.parametrize("strategy", ["pagerduty", "both"])
def test_a_sandbox_sync_to_github_is_refused_before_any_write(
    tmp_path: Path, repos: Repos, github: respx.MockRouter, strategy: str
) -> None:
    pulls = open_pull_requests(github)
    services = sandbox_services(sandbox_config(tmp_path))
    try:
        assert services.sandbox is not None
        with pytest.raises(InputError) as refused:
            sync_service.run(services, {"strategy": strategy}, started_by="test")
        assert pd_writes(services.sandbox) == []  # PagerDuty untouched too
        assert pd_edges(services.sandbox) == set(PD_DEPS)
        runs = sync_service.recent_runs(services)
    finally:
        services.close()
    message = refused.value.message
    assert message.startswith(REFUSED)
    assert "github.com/acme/repo-a, github.com/acme/repo-b" in message
    assert "--allow-real-git" in message and "sync.allowRealGit: true" in message
    assert "Nothing was written" in message
    assert PR_BRANCH not in repos.branches("repo-a") + repos.branches("repo-b")
    assert not any(route.called for route in pulls)
    assert [(r["status"], r["error"]) for r in runs] == [("failed", message)]


def test_the_cli_refuses_unless_allowed(
    tmp_path: Path, repos: Repos, github: respx.MockRouter
) -> None:
    pulls = open_pull_requests(github)
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sandbox_config(tmp_path)), encoding="utf-8")
    refused = CliRunner().invoke(sync_command, ["--config", str(config), "--strategy", "pagerduty"])
    assert refused.exit_code == 1
    assert f"\nError: {REFUSED}" in refused.stderr
    assert PR_BRANCH not in repos.branches("repo-a")

    dry = CliRunner().invoke(
        sync_command, ["--config", str(config), "--strategy", "pagerduty", "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output  # a dry run writes nothing: never refused
    assert "edit component:default/checkout" in dry.stdout

    allowed = CliRunner().invoke(
        sync_command, ["--config", str(config), "--strategy", "pagerduty", "--allow-real-git"]
    )
    assert allowed.exit_code == 0, allowed.output
    assert PR_BRANCH in repos.branches("repo-a")
    assert all(route.called for route in pulls)
    assert "-> pull request https://github.com/acme/repo-a/pull/1 " in allowed.stdout


def test_the_config_setting_allows_it_for_the_server(
    tmp_path: Path, repos: Repos, github: respx.MockRouter
) -> None:
    pulls = open_pull_requests(github)
    services = sandbox_services(sandbox_config(tmp_path, allowRealGit=True))
    try:
        report = sync_service.run(services, {"strategy": "pagerduty"}, started_by="test")
    finally:
        services.close()
    assert report["status"] == "succeeded"
    assert all(route.called for route in pulls)


def test_local_repositories_are_never_refused(tmp_path: Path, repos: Repos) -> None:
    for name, checkout in repos.checkouts.items():
        git(checkout, "remote", "set-url", "origin", repos.bare[name].as_uri())
    config = sandbox_config(tmp_path)
    config["integrations"] = {"local": [{"root": str(repos.root / "remotes")}]}
    services = sandbox_services(config)
    try:
        report = sync_service.run(services, {"strategy": "pagerduty"}, started_by="test")
    finally:
        services.close()
    assert report["status"] == "succeeded", report
    assert PR_BRANCH in repos.branches("repo-a")
