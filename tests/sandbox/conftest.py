"""Fixtures for the sandbox's own tests: a fresh sandbox server and an authenticated client."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer, sandbox_server

PD_ACCEPT = "application/vnd.pagerduty+json;version=2"


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    """A sandbox with the default seed on a free loopback port."""
    with sandbox_server() as server:
        yield server


def _client(server: SandboxServer, token: str = DEFAULT_TOKEN) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": f"Token token={token}", "Accept": PD_ACCEPT},
        timeout=10,
    )


ClientFactory = Callable[..., httpx.Client]


@pytest.fixture
def make_client() -> ClientFactory:
    """``make_client(server, token=DEFAULT_TOKEN)``: an httpx client speaking like PagerDuty's."""
    return _client


@pytest.fixture
def api(pd: SandboxServer) -> Iterator[httpx.Client]:
    """An authenticated REST client for ``pd``."""
    with _client(pd) as client:
        yield client
