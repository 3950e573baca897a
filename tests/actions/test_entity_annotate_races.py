"""Concurrent ``pagerduty:entity:annotate`` runs on one repository: real git, real threads.

Every run's first push waits at a barrier until all runs have cloned and committed, so they
all push at the same moment and all but one lose the race, in whatever words git chooses
(``[remote rejected] … cannot lock ref``, ``[rejected] (fetch first)``, ``(stale info)``).
Each must fetch, re-apply its edit on the new tip and push again, and answer 200 naming a
commit that is on the branch at the end.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from scm_git_helpers import Remote, make_remote

from pagerduty_actions.scm import Workspace

ACTION = "pagerduty:entity:annotate"
CATALOG = (
    b"apiVersion: backstage.io/v1alpha1\n"
    b"kind: Component\n"
    b"metadata:\n"
    b"  name: payments\n"
    b"spec:\n"
    b"  type: service\n"
    b"  owner: platform\n"
)


@pytest.fixture
def app(make_app: Callable[..., Flask], integrations_config: dict[str, Any]) -> Flask:
    return make_app(integrations=integrations_config)


def pushes_meet_at_a_barrier(monkeypatch: pytest.MonkeyPatch, runs: int) -> None:
    """Hold each thread's first push until every run is ready to push."""
    barrier = threading.Barrier(runs, timeout=120)
    original = Workspace.push
    seen = threading.local()

    def push(self: Workspace, branch: str, *, force_with_lease: str | None = None) -> None:
        if not getattr(seen, "pushed", False):
            seen.pushed = True
            barrier.wait()
        original(self, branch, force_with_lease=force_with_lease)

    monkeypatch.setattr(Workspace, "push", push)


def run_concurrently(app: Flask, token: str, bodies: list[dict[str, Any]]) -> list[Any]:
    responses: list[Any] = [None] * len(bodies)

    def run(index: int) -> None:
        client = app.test_client()
        responses[index] = client.post(
            f"/v2/actions/{ACTION}",
            json=bodies[index],
            headers={"Authorization": f"Bearer {token}"},
        )

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    return responses


def is_ancestor_or_equal(repo: Remote, sha: str, tip: str) -> bool:
    check = ["git", "merge-base", "--is-ancestor", sha, tip]
    return subprocess.run(check, cwd=repo.path, check=False).returncode == 0


@pytest.mark.parametrize("layout", ["one file, ten annotations", "ten entity files"])
def test_ten_concurrent_commits_all_land(
    app: Flask,
    api_token: str,
    remotes_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    layout: str,
) -> None:
    runs = 10
    if layout.startswith("one file"):
        paths = ["catalog-info.yaml"] * runs
    else:
        paths = [f"svc-{i}/catalog.yaml" for i in range(runs)]
    repo = make_remote(remotes_dir, dict.fromkeys(paths, CATALOG), name="payments")
    pushes_meet_at_a_barrier(monkeypatch, runs)
    bodies = [
        {
            "repoUrl": str(repo.path),
            "catalogPath": paths[i],
            "annotations": {"other": {f"pagerduty.com/run-{i}": f"r{i}"}},
            "delivery": "commit",
        }
        for i in range(runs)
    ]
    responses = run_concurrently(app, api_token, bodies)
    assert [r.status_code for r in responses] == [200] * runs, [r.json for r in responses]
    tip = repo.tip()
    assert tip is not None and repo.count() == runs + 1
    shas = [r.json["output"]["commitSha"] for r in responses]
    assert len(set(shas)) == runs
    for i, sha in enumerate(shas):
        assert is_ancestor_or_equal(repo, sha, tip)
        assert repo.changed_files(sha) == [paths[i]]
        assert f"pagerduty.com/run-{i}: r{i}\n".encode() in repo.read(paths[i])


def test_three_concurrent_pull_request_runs_keep_every_edit(
    app: Flask, api_token: str, remotes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three runs for one entity share one pull-request branch: none replaces another's
    commit, so each reported commit is on the branch, whose head holds all three edits."""
    runs = 3
    repo = make_remote(remotes_dir, {"catalog-info.yaml": CATALOG}, name="payments")
    pushes_meet_at_a_barrier(monkeypatch, runs)
    bodies = [
        {
            "repoUrl": str(repo.path),
            "entityRef": "payments",
            "annotations": {"other": {f"pagerduty.com/run-{i}": f"r{i}"}},
            "delivery": "pull-request",
        }
        for i in range(runs)
    ]
    responses = run_concurrently(app, api_token, bodies)
    assert [r.status_code for r in responses] == [200] * runs, [r.json for r in responses]
    branch = "pagerduty/annotate-payments"
    head = repo.tip(branch)
    assert head is not None
    for response in responses:
        out = response.json["output"]
        assert out["branch"] == branch and out["changed"] is True
        assert is_ancestor_or_equal(repo, out["commitSha"], head), out
        assert not out["warnings"]  # nothing superseded
    final = repo.read("catalog-info.yaml", branch)
    for i in range(runs):
        assert f"pagerduty.com/run-{i}: r{i}\n".encode() in final
    assert repo.read("catalog-info.yaml") == CATALOG  # the base is untouched
    assert repo.count(branch) == runs + 1  # stacked: one commit per run on the base
