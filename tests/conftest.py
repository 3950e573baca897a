"""Shared fixtures for the whole suite; each area keeps its own in tests/<area>/conftest.py.

Databases are real: SQLite files under tmp_path, and the PostgreSQL server this machine kind
runs on 127.0.0.1:5432 (override with PAGERDUTY_ACTIONS_TEST_POSTGRES_URL). Each PostgreSQL
test gets a fresh schema of its own, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

# PagerDuty's OpenAPI checker (tests/contracts/openapi_check.py) is shared by every area, and
# so are the simulated services of tests/fakes/ (the Backstage catalog; bench/ uses it too).
sys.path.insert(0, str(Path(__file__).parent / "contracts"))
sys.path.insert(0, str(Path(__file__).parent / "fakes"))

POSTGRES_URL = os.environ.get(
    "PAGERDUTY_ACTIONS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


def assert_sandbox_log_conforms(state: object) -> int:
    """Check every request the sandbox received, and its answer, against PagerDuty's OpenAPI.

    Returns how many exchanges were checked. Admin routes and OAuth are not PagerDuty's REST.
    """
    import openapi_check

    checked = 0
    for entry in state.requests():  # type: ignore[attr-defined]
        if entry.path.startswith(("/_sandbox", "/oauth")):
            continue
        openapi_check.check_request(
            entry.method, entry.path, entry.query, entry.headers, entry.body
        )
        openapi_check.check_response(
            entry.method, entry.path, entry.status, entry.response_headers, entry.response_body
        )
        checked += 1
    return checked


@pytest.fixture
def conformance() -> object:
    """``conformance(sandbox_state)`` validates the whole request log; returns the count."""
    return assert_sandbox_log_conforms
