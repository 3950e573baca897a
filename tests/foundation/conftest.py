"""Fixtures for the server foundation: an app over fixture actions and a real database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import Config, validate_config
from pagerduty_actions.registry import Registry
from pagerduty_actions.server import create_app

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "test-token-0123456789abcdef"
LIMITED_TOKEN = "limited-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def _fixture_handlers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.syspath_prepend(str(FIXTURES / "handlers"))
    from fixture_actions.calls import CALLS

    CALLS.clear()
    yield


@pytest.fixture
def fixture_registry() -> Registry:
    import fixture_actions

    return Registry.load(fixture_actions.HANDLERS, FIXTURES / "actions", FIXTURES / "schemas")


def make_config(database_url: str, data_dir: Path, **extra: Any) -> Config:
    data: dict[str, Any] = {
        "dataDir": str(data_dir),
        "database": {"url": database_url},
        "auth": {
            "tokens": [
                {"name": "backstage", "token": TOKEN},
                {"name": "limited", "token": LIMITED_TOKEN, "actions": ["test:slow"]},
            ]
        },
        "idempotency": {"waitSeconds": 10},
    }
    data.update(extra)
    return validate_config(data, "test config")


@pytest.fixture
def make_app(fixture_registry: Registry, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def factory(database_url: str, **extra: Any) -> Flask:
        config = make_config(database_url, tmp_path / f"data-{len(apps)}", **extra)
        app = create_app(config, services=build_services(config), registry=fixture_registry)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["pagerduty_actions"].services.close()


@pytest.fixture
def app(make_app: Callable[..., Flask], sqlite_url: str) -> Flask:
    return make_app(sqlite_url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _auth(token: str = TOKEN, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


@pytest.fixture
def auth() -> Callable[..., dict[str, str]]:
    """``auth(**extra_headers)``: headers with the test token (``token=`` picks another)."""
    return _auth


@pytest.fixture
def limited_token() -> str:
    return LIMITED_TOKEN
