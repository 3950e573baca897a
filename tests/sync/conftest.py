"""Fixtures of the sync's end-to-end tests (helpers live in ``sync_world``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import respx
from backstage_catalog import CatalogServer
from sync_world import Repos, make_repos, repo_files, seed

from pagerduty_actions.sandbox import SandboxServer, sandbox_server


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    """The sandbox with the world's five services and four dependencies."""
    with sandbox_server(seed()) as server:
        yield server


@pytest.fixture
def catalog_server() -> Iterator[CatalogServer]:
    """An empty simulated catalog API (tests fill ``entities``)."""
    with CatalogServer() as server:
        yield server


@pytest.fixture
def repos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repos:
    """repo-a holds checkout, payments and inventory; repo-b search and db; git fetches and
    pushes their github.com URLs from and to bare repositories."""
    made = make_repos(tmp_path / "git", repo_files())
    for key, value in made.git_env().items():
        monkeypatch.setenv(key, value)
    return made


@pytest.fixture
def github() -> Iterator[respx.MockRouter]:
    """respx for GitHub's API; the loopback sandboxes pass through."""
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        yield router
