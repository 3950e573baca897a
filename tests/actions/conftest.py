"""Actions end to end: the real registry and app, PagerDuty played by the sandbox over loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import validate_config
from pagerduty_actions.handlers import lookups
from pagerduty_actions.pagerduty import AccountSet, ClientPool
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

    def factory(pagerduty: dict[str, Any] | None = None, **extra: Any) -> Flask:
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
        app = create_app(config, services=services)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["pagerduty_actions"].services.close()


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
