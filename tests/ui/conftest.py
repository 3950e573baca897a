"""Fixtures of the admin pages' tests (the world lives in ``ui_world``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from flask import Flask
from flask.testing import FlaskClient
from ui_client import build_app, sign_in
from ui_world import World, make_world, seed

from pagerduty_actions.sandbox import SandboxServer, sandbox_server


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    with sandbox_server(seed()) as server:
        yield server


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


@pytest.fixture
def app(pd: SandboxServer, world: World, sqlite_url: str) -> Iterator[Flask]:
    made = build_app(pd, world, sqlite_url)
    yield made
    made.extensions["pagerduty_actions"].services.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    sign_in(client)
    return client
