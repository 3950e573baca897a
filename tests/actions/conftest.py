"""Actions end to end: the real registry and app, PagerDuty played by the sandbox over loopback.

Actions that write to git (``pagerduty:entity:annotate``) get real bare repositories under
``tmp_path/remotes`` (``integrations.local``), and hosted URLs (``https://github.com/o/r``,
``https://gitlab.example.com/g/r``) reach bare repositories too, through git's own
``url.<base>.insteadOf`` set in the environment (``git_hosts``); the hosts' pull-request APIs
are served by ``action_git_hosts.FakeGitHost`` under respx, which lets the sandbox through.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from flask import Flask

sys.path.insert(0, str(Path(__file__).parent.parent / "scm"))
sys.path.insert(0, str(Path(__file__).parent))

from action_git_hosts import FakeGitHost, insteadof_env, integrations_for

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import validate_config
from pagerduty_actions.handlers import lookups
from pagerduty_actions.pagerduty import AccountSet, ClientPool
from pagerduty_actions.registry import Registry
from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer, sandbox_server
from pagerduty_actions.server import create_app

TOKEN = "actions-test-token-0123456789"


@pytest.fixture(autouse=True)
def _fresh_lookup_cache() -> None:
    lookups.clear_cache()


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    with sandbox_server() as server:
        yield server


def fast_pool(section: dict[str, Any]) -> ClientPool:
    """Real retry logic with short waits, so fault tests take milliseconds."""
    return ClientPool(
        AccountSet.from_config(section), backoff_base=0.01, backoff_cap=0.05, max_retry_seconds=5
    )


@pytest.fixture
def make_app(pd: SandboxServer, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def factory(
        pagerduty: dict[str, Any] | None = None, registry: Registry | None = None, **extra: Any
    ) -> Flask:
        section = pagerduty or {
            "apiToken": DEFAULT_TOKEN,
            "apiBaseUrl": pd.base_url,
            "eventsBaseUrl": pd.events_url,
        }
        data = {
            "dataDir": str(tmp_path / f"data-{len(apps)}"),
            "database": {"url": f"sqlite:///{tmp_path}/db-{len(apps)}.db"},
            "auth": {"tokens": [{"name": "backstage", "token": TOKEN}]},
            "pagerDuty": section,
            **extra,
        }
        config = validate_config(data, "actions test config")
        services = build_services(config)
        services.pagerduty.close()
        services.pagerduty = fast_pool(section)
        app = create_app(config, services=services, registry=registry)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["pagerduty_actions"].services.close()


@pytest.fixture
def api_token() -> str:
    """The bearer token the test apps accept (for tests that build their own requests)."""
    return TOKEN


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


Caller = Callable[..., httpx.Response]


@pytest.fixture
def call(app: Flask) -> Callable[..., Any]:
    """``call(action_id, input, dry_run=False, key=None)`` -> Flask test response."""
    client = app.test_client()

    def run(action: str, body: Any, *, dry_run: bool = False, key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if key:
            headers["Idempotency-Key"] = key
        suffix = "?dryRun=true" if dry_run else ""
        return client.post(f"/v2/actions/{action}{suffix}", json=body, headers=headers)

    return run


@pytest.fixture
def writes(pd: SandboxServer) -> Callable[[], list[tuple[str, str]]]:
    """The write requests (method, path) PagerDuty has received so far."""

    def collect() -> list[tuple[str, str]]:
        return [
            (e.method, e.path)
            for e in pd.state.requests()
            if e.method not in ("GET", "HEAD") and not e.path.startswith("/_sandbox")
        ]

    return collect


# -- git remotes and hosts (see action_git_hosts) ---------------------------------------------


@pytest.fixture
def remotes_dir(tmp_path: Path) -> Path:
    """Where bare repositories live: the ``integrations.local`` root, and the stand-ins of
    hosted repositories under ``<host>/<owner...>/<repo>.git``."""
    path = tmp_path / "remotes"
    path.mkdir()
    return path


@pytest.fixture
def integrations_config(remotes_dir: Path) -> dict[str, Any]:
    return integrations_for(remotes_dir)


@pytest.fixture
def git_hosts(monkeypatch: pytest.MonkeyPatch, remotes_dir: Path) -> Path:
    """Every git command clones ``https://<host>/...`` from ``remotes_dir/<host>/...``."""
    for name, value in insteadof_env(remotes_dir).items():
        monkeypatch.setenv(name, value)
    return remotes_dir


@pytest.fixture
def git_host() -> Iterator[FakeGitHost]:
    """respx over every httpx client: the hosts' pull-request APIs answered by FakeGitHost,
    the sandbox (127.0.0.1) passed through, anything else refused."""
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        yield FakeGitHost(router)
