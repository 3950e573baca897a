"""Fixtures for the entity-page tests: a US and an EU PagerDuty (two sandboxes, so a test can
see which host a call went to) and our app in front of them."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

sys.path.insert(0, str(Path(__file__).parent))

from card_world import EU_KEY, TOKEN, US_KEY, seed

from pagerduty_actions.config import validate_config
from pagerduty_actions.registry import Registry
from pagerduty_actions.sandbox import SandboxServer, sandbox_server
from pagerduty_actions.server import create_app


@pytest.fixture
def pd_us() -> Iterator[SandboxServer]:
    world = seed("acme", "us", "checkout", US_KEY, ("Ada Lovelace", "ada@example.com"))
    with sandbox_server(world) as server:
        yield server


@pytest.fixture
def pd_eu() -> Iterator[SandboxServer]:
    world = seed("acmeeu", "eu", "billing", EU_KEY, ("Bo Berg", "bo@example.eu"))
    with sandbox_server(world) as server:
        yield server


MakeApp = Callable[..., Flask]


@pytest.fixture
def make_app(
    pd_us: SandboxServer, pd_eu: SandboxServer, tmp_path: Path, sqlite_url: str
) -> Iterator[MakeApp]:
    apps: list[Flask] = []

    def build(**entity_page: Any) -> Flask:
        config = validate_config(
            {
                "dataDir": str(tmp_path / f"data-{len(apps)}"),
                "database": {"url": sqlite_url},
                "auth": {"tokens": [{"name": "backstage", "token": TOKEN}]},
                "pagerDuty": {
                    "accounts": [
                        {
                            "id": "us",
                            "isDefault": True,
                            "apiToken": "acme-pd-token",
                            "apiBaseUrl": pd_us.base_url,
                            "eventsBaseUrl": pd_us.events_url,
                        },
                        {
                            "id": "eu",
                            "region": "eu",
                            "apiToken": "acmeeu-pd-token",
                            "apiBaseUrl": pd_eu.base_url,
                            "eventsBaseUrl": pd_eu.events_url,
                        },
                    ]
                },
                "entityPage": entity_page,
            },
            "entity-page test config",
        )
        app = create_app(config, registry=Registry.load())
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["pagerduty_actions"].services.close()


@pytest.fixture
def app(make_app: MakeApp) -> Flask:
    return make_app(cacheSeconds=30)
