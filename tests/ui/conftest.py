"""Fixtures of the admin pages' tests (the world lives in ``ui_world``)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from flask import Flask
from flask.testing import FlaskClient
from ui_world import ADMIN_TOKEN, World, make_config, make_services, make_world, seed

from pagerduty_actions.sandbox import SandboxServer, sandbox_server
from pagerduty_actions.server.app import create_app
from pagerduty_actions.store.settings import MappingStore


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    with sandbox_server(seed()) as server:
        yield server


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


def build_app(pd: SandboxServer, world: World, sqlite_url: str, **extra: object) -> Flask:
    config = make_config(pd, world, sqlite_url, **extra)
    services = make_services(config)
    assert services.db is not None
    MappingStore(services.db).put("component:default/search", "PSEARCH", None, by="test")
    return create_app(config, services=services)


@pytest.fixture
def app(pd: SandboxServer, world: World, sqlite_url: str) -> Iterator[Flask]:
    made = build_app(pd, world, sqlite_url)
    yield made
    made.extensions["pagerduty_actions"].services.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: FlaskClient, token: str = ADMIN_TOKEN) -> None:
    page = client.get("/ui/sign-in")
    answer = client.post(
        "/ui/sign-in", data={"token": token, "csrf": csrf_of(page.text), "next": "/ui/mappings"}
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    sign_in(client)
    return client
