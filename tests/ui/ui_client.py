"""Helpers of the admin pages' tests: an app over the world, the CSRF field of a page,
signing in through the form (as a browser does)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from ui_world import ADMIN_TOKEN, World, make_config, make_services

from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.server.app import create_app
from pagerduty_actions.store.settings import MappingStore


def build_app(pd: SandboxServer, world: World, sqlite_url: str, **extra: object) -> Flask:
    config = make_config(pd, world, sqlite_url, **extra)
    services = make_services(config)
    assert services.db is not None
    MappingStore(services.db).put("component:default/search", "PSEARCH", None, by="test")
    return create_app(config, services=services)


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
