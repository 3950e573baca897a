"""Stored idempotency responses, on SQLite and PostgreSQL: encrypted at rest and still
replayed, refused clearly under the wrong key, readable again through the old-key list,
forgotten once expired, and rows an older version wrote in clear encrypted at start-up."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import insert, select
from store_helpers import post, stored_bytes

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import validate_config
from pagerduty_actions.errors import ConfigError, StartupError
from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.store import Database, IdempotencyStore
from pagerduty_actions.store.encryption import RecordCipher
from pagerduty_actions.store.idempotency import IdempotencyInProgress, IdempotencyKeyReused
from pagerduty_actions.store.models import IdempotencyRecord

BODY = {
    "name": "checkout",
    "escalationPolicyName": "Default",
    "integrations": [{"type": "events_api_v2"}],
}


def integration_keys(pd: SandboxServer) -> list[str]:
    return [i["integration_key"] for i in pd.state.accounts["default"].integrations.values()]


def services_created(pd: SandboxServer) -> int:
    return len(pd.state.requests("POST", "/services"))


def test_the_database_holds_no_integration_key_and_the_response_still_replays(
    make_app: Callable[..., Flask], pd: SandboxServer, database_url: str
) -> None:
    app = make_app()
    first = post(app, "task-1:create", BODY)
    assert first.status_code == 200, first.json
    keys = integration_keys(pd)
    assert len(keys) == 2 and first.json["output"]["integrationKey"] in keys

    raw = stored_bytes(database_url)
    assert b"task-1:create" in raw  # the bytes read are the table's
    for key in keys:
        assert key.encode() not in raw
    assert b"checkout" not in raw  # nothing of the response, not even the service name

    again = post(app, "task-1:create", BODY)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert services_created(pd) == 1


def test_a_key_from_another_key_is_refused_clearly_and_the_old_key_list_reads_it(
    make_app: Callable[..., Flask], pd: SandboxServer, tmp_path: Path
) -> None:
    """Two processes on one database with their own generated keys: the second cannot read
    the first's response and says so (no second service, no 500); configured with its own
    key plus the first as an old key, it replays, and writes new rows under its own key."""
    first = post(make_app("data-a"), "task-2:create", BODY)
    assert first.status_code == 200

    other = post(make_app("data-b"), "task-2:create", BODY)
    assert other.status_code == 503
    error = other.json["error"]
    assert error["name"] == "ServiceUnavailableError" and "retryable" not in error
    assert "cannot be decrypted" in error["message"]
    assert "idempotency.previousEncryptionKeys" in error["message"]
    assert "task-2:create" in error["message"] and "not run again" in error["message"]
    assert services_created(pd) == 1

    old_key = (tmp_path / "data-a" / "idempotency.key").read_text().strip()
    new_key = RecordCipher.new_key()
    rotated = make_app("data-c", encryptionKey=new_key, previousEncryptionKeys=[old_key])
    replay = post(rotated, "task-2:create", BODY)
    assert replay.status_code == 200 and replay.json == first.json
    assert not (tmp_path / "data-c" / "idempotency.key").exists()

    made = post(rotated, "task-3:create", {**BODY, "name": "payments"})
    assert made.status_code == 200
    only_new = make_app("data-d", encryptionKey=new_key)
    assert post(only_new, "task-3:create", {**BODY, "name": "payments"}).json == made.json
    assert post(only_new, "task-2:create", BODY).status_code == 503
    assert services_created(pd) == 2


def test_the_generated_key_is_private_and_kept(tmp_path: Path, database_url: str) -> None:
    config = validate_config(
        {"dataDir": str(tmp_path / "d"), "database": {"url": database_url}}, "test"
    )
    services = build_services(config, check_scopes=False)
    path = tmp_path / "d" / "idempotency.key"
    try:
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert RecordCipher.from_config(config).open(services.cipher.seal("x"), "") == "x"
    finally:
        services.close()


def test_an_unusable_key_file_stops_start_up_with_what_to_do(
    tmp_path: Path, sqlite_url: str
) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "idempotency.key").write_text("not-a-key\n")
    config = validate_config({"dataDir": str(tmp_path / "d"), "database": {"url": sqlite_url}})
    with pytest.raises(StartupError) as error:
        build_services(config, check_scopes=False)
    message = str(error.value)
    assert "idempotency.key" in message and "idempotency.encryptionKey is not set" in message
    assert "Fernet.generate_key()" in message and "not-a-key" not in message


def store_at(database_url: str, clock: list[datetime], hours: float = 24) -> IdempotencyStore:
    db = Database(database_url)
    db.migrate()
    return IdempotencyStore(
        db, cipher=RecordCipher.generated(), retention_hours=hours, now=lambda: clock[0]
    )


def test_a_response_is_replayed_until_it_expires_then_the_key_is_a_new_key(
    database_url: str,
) -> None:
    clock = [datetime(2026, 3, 1, tzinfo=UTC)]
    store = store_at(database_url, clock, hours=24)
    held = store.reserve("c", "k", "a", "h")
    store.complete(held, {"output": 1})
    clock[0] += timedelta(hours=23, minutes=59)
    assert store.reserve("c", "k", "a", "h").response == {"output": 1}
    with pytest.raises(IdempotencyKeyReused):
        store.reserve("c", "k", "a", "other input")
    clock[0] += timedelta(minutes=2)
    fresh = store.reserve("c", "k", "a", "other input")  # no 409: the old use has expired
    assert not fresh.is_replay and fresh.owner != held.owner
    store.complete(fresh, {"output": 2})
    assert store.reserve("c", "k", "a", "other input").response == {"output": 2}
    store.db.dispose()


def test_a_running_record_does_not_expire_under_its_live_holder(database_url: str) -> None:
    clock = [datetime(2026, 3, 1, tzinfo=UTC)]
    store = store_at(database_url, clock, hours=1)
    held = store.reserve("c", "k", "a", "h")
    for _ in range(5):  # a long run renewing its lease for five hours
        clock[0] += timedelta(hours=1)
        assert store.renew(held)
    with pytest.raises(IdempotencyInProgress):
        store.reserve("c", "k", "a", "h")
    store.db.dispose()


def test_rows_an_older_version_wrote_in_clear_are_encrypted_at_start_up(
    database_url: str, tmp_path: Path
) -> None:
    db = Database(database_url)
    db.migrate()
    now = datetime.now(UTC)
    clear = {"output": {"integrationKey": "0123456789abcdef0123456789abcdef"}, "log": []}
    with db.engine.begin() as conn:
        for key, state, response, progress in [
            ("old-done", "done", json.dumps({**clear, "dryRun": False}), None),
            ("old-running", "running", None, json.dumps({"serviceId": "PABC123"})),
        ]:
            conn.execute(
                insert(IdempotencyRecord).values(
                    scope="backstage", key=key, request_hash="h", action_id="a", state=state,
                    owner="o", lease_expires_at=now - timedelta(seconds=1),
                    response_json=response, progress_json=progress,
                    created_at=now, updated_at=now,
                )
            )  # fmt: skip
    db.dispose()
    config = validate_config({"dataDir": str(tmp_path / "d"), "database": {"url": database_url}})
    services = build_services(config, check_scopes=False)
    try:
        raw = stored_bytes(database_url)
        assert b"0123456789abcdef0123456789abcdef" not in raw and b"PABC123" not in raw
        assert services.db is not None
        store = IdempotencyStore(services.db, cipher=services.cipher)
        assert store.reserve("backstage", "old-done", "a", "h").response == {
            **clear,
            "dryRun": False,
        }
        assert store.reserve("backstage", "old-running", "a", "h").progress == {
            "serviceId": "PABC123"
        }
        with services.db.session() as session:
            rows = session.scalars(select(IdempotencyRecord)).all()
        assert all(RecordCipher.is_sealed(r.response_json or r.progress_json or "") for r in rows)
    finally:
        services.close()


def test_a_malformed_configured_key_is_refused_without_being_shown() -> None:
    with pytest.raises(ConfigError) as error:
        validate_config(
            {
                "idempotency": {
                    "encryptionKey": "hunter2-not-a-key",
                    "previousEncryptionKeys": ["old-secret-value"],
                }
            }
        )
    text = str(error.value)
    assert "$.idempotency.encryptionKey" in text and "Fernet.generate_key()" in text
    assert "$.idempotency.previousEncryptionKeys[0]" in text
    assert "hunter2" not in text and "old-secret-value" not in text
