"""The store on both databases: migrations, audit trail, and behaviour when the DB is gone."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import inspect

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import validate_config
from pagerduty_actions.errors import StartupError
from pagerduty_actions.store import Database
from pagerduty_actions.store.audit import AuditLog

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"
Auth = Callable[..., dict[str, str]]


def test_migrations_create_the_tables_and_are_repeatable(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    db.migrate()
    tables = set(inspect(db.engine).get_table_names())
    assert {"idempotency_records", "action_runs", "alembic_version"} <= tables
    db.dispose()


def test_every_run_is_audited_with_caller_and_initiator(
    make_app: Callable[..., Flask], database_url: str, auth: Auth
) -> None:
    app = make_app(database_url)
    client = app.test_client()
    client.post(
        "/v2/actions/test:echo",
        json={"message": "a"},
        headers=auth(**{"X-Backstage-Initiator": "user:default/jane"}),
    )
    refused = client.post("/v2/actions/test:echo", json={}, headers=auth())
    assert refused.status_code == 400
    failed = client.post("/v2/actions/test:boom", json={"seconds": 0}, headers=auth())
    assert failed.status_code == 500
    db = app.extensions["pagerduty_actions"].services.db
    rows = AuditLog(db).recent()
    # The refused input never ran: no row (and no database round trip). The run that failed
    # in its handler is a run: audited with its error.
    assert [(r["actionId"], r["outcome"], r["errorName"]) for r in rows] == [
        ("test:boom", "error", "InternalError"),
        ("test:echo", "success", None),
    ]
    assert rows[1]["initiator"] == "user:default/jane"
    assert rows[1]["caller"] == "backstage"


def test_unreachable_database_at_startup_is_a_clear_error() -> None:
    config = validate_config({"database": {"url": UNREACHABLE}})
    with pytest.raises(StartupError) as info:
        build_services(config)
    message = str(info.value)
    assert "unreachable" in message and "database.url" in message


def test_cli_exits_non_zero_when_database_is_unreachable(tmp_path) -> None:
    config = tmp_path / "c.yaml"
    # dataDir under tmp_path: serve writes its local token there before it meets the database
    config.write_text(f"dataDir: '{tmp_path / 'data'}'\ndatabase: {{url: '{UNREACHABLE}'}}\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pagerduty_actions",
            "serve",
            "--config",
            str(config),
            "--port",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "unreachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_database_lost_at_request_time_gives_503_and_no_crash(
    make_app: Callable[..., Flask], tmp_path, auth: Auth
) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'gone.db'}")
    services = app.extensions["pagerduty_actions"].services
    services.db.dispose()
    services.db = Database(UNREACHABLE)  # as if the server went away
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "unreachable" in ready.json["checks"]["database"]
    response = client.post("/v2/actions/test:echo", json={"message": "a"}, headers=auth())
    assert response.status_code == 503
    assert response.json["error"]["name"] == "ServiceUnavailableError"
    assert response.json["error"]["retryable"] is True
    assert "was not run" in response.json["error"]["message"]
    assert client.get("/healthz").status_code == 200
