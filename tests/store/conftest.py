"""Store fixtures: the real app and registry over a real database, PagerDuty played by the
sandbox (helpers in store_helpers.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

sys.path.insert(0, str(Path(__file__).parent))

from store_helpers import TOKEN

from pagerduty_actions.config import validate_config
from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer, sandbox_server
from pagerduty_actions.server import create_app


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    with sandbox_server() as server:
        yield server


@pytest.fixture
def make_app(
    pd: SandboxServer, tmp_path: Path, database_url: str
) -> Iterator[Callable[..., Flask]]:
    """``make_app(data_dir, **idempotency)``: an app on the test's database; each data dir
    has its own generated key unless ``encryptionKey`` is given."""
    apps: list[Flask] = []

    def factory(data_dir: str = "data", **idempotency: Any) -> Flask:
        config = validate_config(
            {
                "dataDir": str(tmp_path / data_dir),
                "database": {"url": database_url},
                "auth": {"tokens": [{"name": "backstage", "token": TOKEN}]},
                "pagerDuty": {
                    "apiToken": DEFAULT_TOKEN,
                    "apiBaseUrl": pd.base_url,
                    "eventsBaseUrl": pd.events_url,
                },
                "idempotency": idempotency,
            },
            "store test config",
        )
        app = create_app(config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["pagerduty_actions"].services.close()
