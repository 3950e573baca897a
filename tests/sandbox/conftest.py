"""Fixtures for the sandbox's own tests: a fresh sandbox server and an authenticated client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer, sandbox_server

PD_ACCEPT = "application/vnd.pagerduty+json;version=2"


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    """A sandbox with the default seed on a free loopback port."""
    with sandbox_server() as server:
        yield server


def make_client(server: SandboxServer, token: str = DEFAULT_TOKEN) -> httpx.Client:
    """An httpx client speaking to ``server`` as PagerDuty clients do."""
    return httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": f"Token token={token}", "Accept": PD_ACCEPT},
        timeout=10,
    )


@pytest.fixture
def api(pd: SandboxServer) -> Iterator[httpx.Client]:
    """An authenticated REST client for ``pd``."""
    with make_client(pd) as client:
        yield client
