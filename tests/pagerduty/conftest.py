"""Fixtures for the PagerDuty client tests: fake time, accounts, and respx-backed clients."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from pagerduty_actions.pagerduty import Account, ApiToken, LimiterRegistry, PagerDutyClient

# Test modules cannot import this file (importlib mode); they repeat these two values.
API = "https://api.pagerduty.com"
TOKEN = "y_NbAkKc66ryYTWUXYEu"


class FakeClock:
    """Monotonic time that only moves when someone sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def router() -> Iterator[respx.Router]:
    mock = respx.Router(assert_all_called=False)
    yield mock


@pytest.fixture
def account() -> Account:
    return Account(
        id="main",
        api_base_url=API,
        events_base_url="https://events.pagerduty.com",
        auth=ApiToken(TOKEN),
        is_default=True,
    )


MakeClient = Callable[..., PagerDutyClient]


@pytest.fixture
def make_client(router: respx.Router, clock: FakeClock, account: Account) -> Iterator[MakeClient]:
    """Build clients on the respx router with fake time and a private limiter registry."""
    made: list[PagerDutyClient] = []

    def build(acct: Account | None = None, **kwargs: Any) -> PagerDutyClient:
        kwargs.setdefault("transport", httpx.MockTransport(router.handler))
        kwargs.setdefault("sleep", clock.sleep)
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("limiters", LimiterRegistry(clock=clock, sleep=clock.sleep))
        client = PagerDutyClient(acct or account, **kwargs)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> PagerDutyClient:
    return make_client()


SPEC_PATH = Path("/work/shared/pagerduty-openapi/rest-v2.json")


class OpenApiShapes:
    """Checks a sent request against rest-v2.json: the path template and method exist, and
    every body key (two levels deep, through ``$ref``/``allOf``/``anyOf``) is a known property."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.templates = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in spec["paths"]
        ]

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.spec
            for part in schema["$ref"][2:].split("/"):
                node = node[int(part)] if isinstance(node, list) else node[part]
            schema = node
        return schema

    def properties(self, schema: dict[str, Any]) -> dict[str, Any]:
        schema = self._resolve(schema)
        props: dict[str, Any] = dict(schema.get("properties", {}))
        for key in ("allOf", "anyOf", "oneOf"):
            for part in schema.get(key, []):
                props.update(self.properties(part))
        return props

    def template_for(self, path: str) -> str:
        exact = [p for rx, p in self.templates if p == path]
        if exact:
            return exact[0]
        matches = [p for rx, p in self.templates if rx.match(path)]
        assert matches, f"{path} is not in rest-v2.json"
        return min(matches, key=lambda p: p.count("{"))

    def check(self, request: httpx.Request) -> str:
        template = self.template_for(request.url.raw_path.decode().split("?")[0])
        operation = self.spec["paths"][template].get(request.method.lower())
        assert operation, f"{request.method} {template} is not in rest-v2.json"
        if request.content:
            body = json.loads(request.content)
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            top = self.properties(schema)
            for key, value in body.items():
                assert key in top, f"{key!r} not in the {request.method} {template} body"
                if isinstance(value, dict):
                    inner = self.properties(top[key])
                    unknown = set(value) - set(inner)
                    assert not unknown, f"{sorted(unknown)} not in {key!r} of {template}"
        return f"{request.method} {template}"


@pytest.fixture(scope="session")
def openapi() -> OpenApiShapes:
    return OpenApiShapes(json.loads(SPEC_PATH.read_text()))
