"""Fixtures of the sync's end-to-end tests (helpers live in ``sync_world``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sync_world import seed

from pagerduty_actions.sandbox import SandboxServer, sandbox_server
from pagerduty_actions.sandbox.catalog import CatalogServer


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    """The sandbox with the world's five services and four dependencies."""
    with sandbox_server(seed()) as server:
        yield server


@pytest.fixture
def catalog_server() -> Iterator[CatalogServer]:
    """An empty simulated catalog API (tests fill ``entities``)."""
    with CatalogServer() as server:
        yield server
