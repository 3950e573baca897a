"""Shared fixtures for the whole suite; each area keeps its own in tests/<area>/conftest.py.

Databases are real: SQLite files under tmp_path, and the PostgreSQL server this machine kind
runs on 127.0.0.1:5432 (override with PAGERDUTY_ACTIONS_TEST_POSTGRES_URL). Each PostgreSQL
test gets a fresh schema of its own, so tests never see each other's rows; without a server
those tests fail with the command that starts it. Under pytest-xdist (``make unit`` runs one
worker per core) each worker also has a database of its own, ``<database>_<worker>_<run>``,
created from the configured one and dropped at the end: database-wide locks (the migration's
advisory lock) of one worker never block the other's timing-sensitive tests, and two suites
run at once (two checkouts on one machine) never share one.

Tests write under tmp_path only: a guard fails the run when the checkout's ``.data/`` was
created or changed (see data_guard.py).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
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


def fail_without_postgres(url: str, action: Callable[[], None]) -> None:
    """Run ``action``; when the server does not answer, fail the test with the command that
    starts it (raised outside the except: no chained driver traceback)."""
    unavailable = None
    try:
        action()
    except OperationalError as exc:
        unavailable = postgres_unavailable_message(url, exc)
    if unavailable is not None:
        pytest.fail(unavailable, pytrace=False)


def _autocommit(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


class WorkerDatabase:
    """This pytest-xdist worker's own database, created the first time a test needs
    PostgreSQL (a worker running only SQLite tests never connects) and dropped at the end.
    Without xdist the configured database itself is used, as before."""

    def __init__(self, worker: str | None, run: str = "") -> None:
        self.worker = worker
        self.run = run
        self.url: str | None = None

    def get(self) -> str:
        if self.url is None:
            self.url = self._create() if self.worker else POSTGRES_URL
        return self.url

    def _create(self) -> str:
        base = make_url(POSTGRES_URL)
        name = f"{base.database}_{self.worker}_{self.run}"
        fail_without_postgres(
            POSTGRES_URL, lambda: _autocommit(POSTGRES_URL, f'CREATE DATABASE "{name}"')
        )
        return base.set(database=name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.worker and self.url is not None:
            name = make_url(self.url).database
            # WITH (FORCE): a server subprocess a failed test left running may still hold one.
            _autocommit(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_database(request: pytest.FixtureRequest) -> Iterator[WorkerDatabase]:
    """The database this process's PostgreSQL tests make their schemas in: a pytest-xdist
    worker ("gw0", "gw1", ...) has its own; a run in one process has none of its own."""
    worker_input = getattr(request.config, "workerinput", {})
    run = str(worker_input.get("testrunuid", ""))[:12]  # the same in every worker of one run
    database = WorkerDatabase(worker_input.get("workerid"), run)
    yield database
    database.drop()


@contextmanager
def fresh_postgres_schema(database_url: str) -> Iterator[str]:
    """A URL whose search_path is a new, empty schema of ``database_url``; dropped afterwards.
    Without a server, the test fails saying how to start one."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url)

    def create() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    try:
        fail_without_postgres(database_url, create)
    except BaseException:
        admin.dispose()
        raise
    sep = "&" if "?" in database_url else "?"
    try:
        yield f"{database_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_database: WorkerDatabase) -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; dropped afterwards."""
    with fresh_postgres_schema(postgres_database.get()) as url:
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
    database: WorkerDatabase = request.getfixturevalue("postgres_database")
    with fresh_postgres_schema(database.get()) as url:
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
