"""Shared fixtures for the whole suite; each area keeps its own in tests/<area>/conftest.py.

Databases are real: SQLite files under tmp_path, and the PostgreSQL server this machine kind
runs on 127.0.0.1:5432 (override with PAGERDUTY_ACTIONS_TEST_POSTGRES_URL). Each PostgreSQL
test gets a fresh schema of its own, so tests never see each other's rows; without a server
those tests fail with the command that starts it.

Tests write under tmp_path only: a guard fails the run when the checkout's ``.data/`` was
created or changed (see data_guard.py).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

# PagerDuty's OpenAPI checker (tests/contracts/openapi_check.py) is shared by every area, and
# so are the simulated services of tests/fakes/ (the Backstage catalog; bench/ uses it too).
sys.path.insert(0, str(Path(__file__).parent / "contracts"))
sys.path.insert(0, str(Path(__file__).parent / "fakes"))
sys.path.insert(0, str(Path(__file__).parent))

import data_guard

POSTGRES_URL_VARIABLE = "PAGERDUTY_ACTIONS_TEST_POSTGRES_URL"
POSTGRES_URL = os.environ.get(
    POSTGRES_URL_VARIABLE, "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
CHECKOUT_DATA = Path(__file__).resolve().parent.parent / ".data"


@pytest.fixture(scope="session", autouse=True)
def _checkout_data_untouched() -> Iterator[None]:
    """Fails the run (an error after the last test) when a test created or changed the
    checkout's .data/; the message lists what, so the test can be moved to tmp_path."""
    before = data_guard.snapshot(CHECKOUT_DATA)
    yield
    found = data_guard.changes(before, data_guard.snapshot(CHECKOUT_DATA))
    if found:
        pytest.fail(
            f"tests wrote into the checkout's {CHECKOUT_DATA}: {'; '.join(found[:20])}. Tests "
            "must write under tmp_path (give the config a dataDir there, or run subprocesses "
            "with cwd=tmp_path). A server of yours running in this checkout during the tests "
            "changes it too.",
            pytrace=False,
        )


def postgres_unavailable_message(url: str, error: Exception) -> str:
    """What a developer without a running PostgreSQL sees instead of a connection traceback."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return (
        f"PostgreSQL does not answer at {url.split('@')[-1]} ({reason}). The store tests run on "
        f"SQLite and on PostgreSQL; start the local server with:\n    {START_POSTGRES}\n"
        f"or point {POSTGRES_URL_VARIABLE} at another one (a database where the tests may "
        "create schemas, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)."
    )


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@contextmanager
def fresh_postgres_schema() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; dropped afterwards. Without a server,
    the test fails saying how to start one."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    unavailable = None
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        unavailable = postgres_unavailable_message(POSTGRES_URL, exc)
    if unavailable is not None:  # raised outside the except: no chained driver traceback
        admin.dispose()
        pytest.fail(unavailable, pytrace=False)
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; dropped afterwards."""
    with fresh_postgres_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``database_url`` shared by a whole module (for apps that are costly to build)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    with fresh_postgres_schema() as url:
        yield url


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
