"""What ``pagerduty-actions sync`` prints for a person: each catalog change with the pull
request, commit or file it went to, plain words instead of Python lists, and no stale
progress bar or "0 of 3" once a run has ended."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import respx
from click.testing import CliRunner
from sync_world import (
    DEFAULT_TOKEN,
    GITHUB_TOKEN,
    Repos,
    entities,
    gh_pull,
    git,
    make_services,
    write_entity_files,
)

from pagerduty_actions.cli_sync import _Bar, sync_command
from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.sync import service as sync_service

PR_BRANCH = "pagerduty/sync-dependencies"


def write_config(tmp_path: Path, pd: SandboxServer, **sections: Any) -> Path:
    path = tmp_path / "config.yaml"
    config = {
        "dataDir": str(tmp_path / "data"),
        "database": {"url": f"sqlite:///{tmp_path}/cli.db"},
        "pagerDuty": {
            "apiToken": DEFAULT_TOKEN,
            "apiBaseUrl": pd.base_url,
            "eventsBaseUrl": pd.events_url,
        },
        **sections,
    }
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def git_sections(tmp_path: Path, **sync: Any) -> dict[str, Any]:
    return {
        "catalog": {"files": [str(tmp_path / "git/checkouts/*/*/catalog-info.yaml")]},
        "integrations": {"github": [{"host": "github.com", "token": GITHUB_TOKEN}]},
        "sync": sync,
    }


def change_block(stdout: str, entity_ref: str) -> list[str]:
    """The summary line of ``entity_ref``'s change and the lines indented under it."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  edit {entity_ref} "))
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith("      "):
            break
        block.append(line.strip())
    return block


def assert_no_python_reprs(text: str) -> None:
    assert not re.search(r"\[\]|\['|'\]|\{'|None\b", text), text


def test_each_change_names_its_pull_request_branch_and_commit(
    pd: SandboxServer, tmp_path: Path, repos: Repos, github: respx.MockRouter
) -> None:
    for number, name in enumerate(("repo-a", "repo-b"), start=1):
        github.get(f"https://api.github.com/repos/acme/{name}/pulls").respond(200, json=[])
        github.post(f"https://api.github.com/repos/acme/{name}/pulls").respond(
            201, json=gh_pull(name, number)
        )
    config = write_config(tmp_path, pd, **git_sections(tmp_path))
    result = CliRunner().invoke(sync_command, ["--config", str(config), "--strategy", "pagerduty"])
    assert result.exit_code == 0, result.output
    assert PR_BRANCH in repos.branches("repo-a")
    sha = _tip(repos, "repo-a", PR_BRANCH)
    checkout = change_block(result.stdout, "component:default/checkout")
    assert checkout[0].startswith(
        "  edit component:default/checkout dependsOn: add component:search; remove payments — "
    )
    assert checkout[1:] == [
        f"-> pull request https://github.com/acme/repo-a/pull/1 (commit {sha[:12]} on branch "
        f"{PR_BRANCH} of https://github.com/acme/repo-a)"
    ]
    search = change_block(result.stdout, "component:default/search")
    assert search[1].startswith("-> pull request https://github.com/acme/repo-b/pull/2 ")
    assert "add component:db" in search[0]
    assert_no_python_reprs(result.stdout)


def _tip(repos: Repos, name: str, branch: str) -> str:
    return git(repos.bare[name], "rev-parse", branch)


def test_commit_delivery_names_the_commit_and_branch(
    pd: SandboxServer, tmp_path: Path, repos: Repos, github: respx.MockRouter
) -> None:
    config = write_config(tmp_path, pd, **git_sections(tmp_path, delivery="commit"))
    result = CliRunner().invoke(sync_command, ["--config", str(config), "--strategy", "pagerduty"])
    assert result.exit_code == 0, result.output
    tip = _tip(repos, "repo-b", "main")
    search = change_block(result.stdout, "component:default/search")
    assert search[1] == f"-> commit {tip[:12]} on branch main of https://github.com/acme/repo-b"
    assert_no_python_reprs(result.stdout)


def test_in_place_edits_name_the_file(pd: SandboxServer, tmp_path: Path) -> None:
    files = write_entity_files(tmp_path / "catalog", entities())
    config = write_config(tmp_path, pd, catalog={"files": [str(tmp_path / "catalog/*.yaml")]})
    dry = CliRunner().invoke(
        sync_command, ["--config", str(config), "--strategy", "both", "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "  edit component:default/checkout " in dry.stdout
    assert "      -> " not in dry.stdout  # a dry run delivered nothing
    result = CliRunner().invoke(sync_command, ["--config", str(config), "--strategy", "both"])
    assert result.exit_code == 0, result.output
    checkout = change_block(result.stdout, "component:default/checkout")
    assert checkout == [
        "  edit component:default/checkout dependsOn: add component:search"
        " — checkout depends on search in PagerDuty",
        f"-> file {files['checkout']} (edited in place)",
    ]
    assert_no_python_reprs(result.stdout)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def screen(written: str) -> list[str]:
    """The lines a terminal shows after ``written`` (carriage return, newline, erase-line)."""
    lines, col = [""], 0
    for part in re.split(r"(\r|\n|\x1b\[K)", written):
        if part == "\r":
            col = 0
        elif part == "\n":
            lines.append("")
            col = 0
        elif part == "\x1b[K":
            lines[-1] = lines[-1][:col]
        elif part:
            line = lines[-1]
            lines[-1] = line[:col] + part + line[col + len(part) :]
            col += len(part)
    return [line for line in lines if line]


def test_the_bar_is_erased_when_the_run_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    bar = _Bar(enabled=True)
    bar("reading PagerDuty", 3, 3, 3)
    bar("writing catalog files", 0, 3, 3)  # the run was stopped before its first file
    assert "0/3" in screen(terminal.getvalue())[-1]
    bar.close()
    assert screen(terminal.getvalue()) == []  # the summary follows on a clean line


def test_a_finished_runs_progress_counts_its_changes(
    pd: SandboxServer, tmp_path: Path, sqlite_url: str
) -> None:
    write_entity_files(tmp_path / "catalog", entities())
    services = make_services(
        pd, sqlite_url, tmp_path / "d", catalog={"files": [str(tmp_path / "catalog/*.yaml")]}
    )
    try:
        dry = sync_service.run(services, {"strategy": "both"}, dry_run=True, started_by="t")
        done = sync_service.run(services, {"strategy": "both"}, started_by="t")
        dry_progress = sync_service.get_run(services, dry["runId"])["progress"]  # type: ignore[index]
        progress = sync_service.get_run(services, done["runId"])["progress"]  # type: ignore[index]
    finally:
        services.close()
    # the dry run read 4 services and wrote nothing: nothing to write, not "0 of 3"
    assert dry_progress == {"phase": "finished", "done": 0, "total": 0, "calls": 4}
    assert done["counts"]["changes"] == 3 and done["status"] == "succeeded"
    assert progress == {"phase": "finished", "done": 3, "total": 3, "calls": 5}
