"""Idempotency-Key: replay, conflict, concurrency — on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from pagerduty_actions.store import Database, IdempotencyStore
from pagerduty_actions.store.encryption import RecordCipher
from pagerduty_actions.store.idempotency import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    IdempotencyLeaseLost,
)

Auth = Callable[..., dict[str, str]]


def test_same_key_same_input_replays_without_running_again(
    make_app: Callable[..., Flask], database_url: str, auth: Auth
) -> None:
    client = make_app(database_url).test_client()
    headers = auth(**{"Idempotency-Key": "k-1"})
    first = client.post("/v2/actions/test:echo", json={"message": "a"}, headers=headers)
    second = client.post("/v2/actions/test:echo", json={"message": "a"}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json == second.json
    assert second.json["output"]["calls"] == 1
    assert second.headers["Idempotent-Replayed"] == "true"


def test_same_key_other_input_is_409(
    make_app: Callable[..., Flask], database_url: str, auth: Auth
) -> None:
    client = make_app(database_url).test_client()
    headers = auth(**{"Idempotency-Key": "k-2"})
    assert (
        client.post("/v2/actions/test:echo", json={"message": "a"}, headers=headers).status_code
        == 200
    )
    clash = client.post("/v2/actions/test:echo", json={"message": "b"}, headers=headers)
    assert clash.status_code == 409
    assert "different input" in clash.json["error"]["message"]


def test_key_is_scoped_per_caller(
    make_app: Callable[..., Flask], sqlite_url: str, auth: Auth, limited_token: str
) -> None:
    client = make_app(sqlite_url).test_client()
    a = client.post(
        "/v2/actions/test:slow", json={"seconds": 0}, headers=auth(**{"Idempotency-Key": "same"})
    )
    b = client.post(
        "/v2/actions/test:slow",
        json={"seconds": 0},
        headers=auth(token=limited_token, **{"Idempotency-Key": "same"}),
    )
    assert a.json["output"]["calls"] == 1
    assert b.json["output"]["calls"] == 2


def test_failed_run_releases_the_key(
    make_app: Callable[..., Flask], sqlite_url: str, auth: Auth
) -> None:
    client = make_app(sqlite_url).test_client()
    headers = auth(**{"Idempotency-Key": "k-3"})
    assert (
        client.post("/v2/actions/test:boom", json={"seconds": 0}, headers=headers).status_code
        == 500
    )
    again = client.post("/v2/actions/test:boom", json={"seconds": 0}, headers=headers)
    assert again.status_code == 500  # it ran again rather than replaying a failure


def test_concurrent_duplicates_run_once(
    make_app: Callable[..., Flask], database_url: str, auth: Auth
) -> None:
    app = make_app(database_url)
    headers = auth(**{"Idempotency-Key": "k-concurrent"})

    def call(_: int) -> tuple[int, int]:
        response = app.test_client().post(
            "/v2/actions/test:slow", json={"seconds": 0.3}, headers=headers
        )
        return response.status_code, response.json["output"]["calls"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, range(8)))
    assert results == [(200, 1)] * 8


def test_two_processes_share_keys_through_the_database(
    make_app: Callable[..., Flask], database_url: str, auth: Auth
) -> None:
    """Two apps (as two server processes would) on one database, with one key, never both
    run."""
    shared = {"waitSeconds": 10, "encryptionKey": RecordCipher.new_key()}
    first, second = (
        make_app(database_url, idempotency=shared),
        make_app(database_url, idempotency=shared),
    )
    headers = auth(**{"Idempotency-Key": "k-two-apps"})
    barrier = threading.Barrier(2)
    results: list[int] = []

    def call(app: Flask) -> None:
        barrier.wait()
        r = app.test_client().post("/v2/actions/test:slow", json={"seconds": 0.2}, headers=headers)
        results.append(r.json["output"]["calls"])

    threads = [threading.Thread(target=call, args=(a,)) for a in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [1, 1]


def test_waiting_duplicate_gets_409_when_the_first_outlasts_the_wait(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    store = IdempotencyStore(db, cipher=RecordCipher.generated(), wait_seconds=0.2)
    held = store.reserve("c", "k", "a", "h")
    assert not held.is_replay
    with pytest.raises(IdempotencyInProgress):
        store.reserve("c", "k", "a", "h")
    with pytest.raises(IdempotencyKeyReused):
        store.reserve("c", "k", "a", "other-hash")
    store.complete(held, {"output": {}, "log": [], "dryRun": False})
    replay = store.reserve("c", "k", "a", "h")
    assert replay.response == {"output": {}, "log": [], "dryRun": False}
    db.dispose()


def test_a_crashed_holder_is_taken_over_after_its_lease(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    clock = [datetime(2026, 1, 1, tzinfo=UTC)]
    store = IdempotencyStore(
        db,
        cipher=RecordCipher.generated(),
        lease_seconds=60,
        wait_seconds=0.1,
        now=lambda: clock[0],
    )
    crashed = store.reserve("c", "k", "a", "h")
    clock[0] += timedelta(seconds=61)
    taken = store.reserve("c", "k", "a", "h")
    assert taken.owner != crashed.owner and not taken.is_replay
    store.complete(crashed, {"stale": True})  # the crashed owner no longer holds the key
    store.complete(taken, {"output": 1})
    assert store.reserve("c", "k", "a", "h").response == {"output": 1}
    db.dispose()


def test_dry_runs_do_not_take_the_key(
    make_app: Callable[..., Flask], sqlite_url: str, auth: Auth
) -> None:
    client = make_app(sqlite_url).test_client()
    headers = auth(**{"Idempotency-Key": "k-dry"})
    dry = client.post("/v2/actions/test:echo?dryRun=true", json={"message": "a"}, headers=headers)
    real = client.post("/v2/actions/test:echo", json={"message": "a"}, headers=headers)
    assert dry.json["dryRun"] is True and real.json["dryRun"] is False
    assert real.json["output"]["calls"] == 2


def test_bad_idempotency_key_is_400(
    make_app: Callable[..., Flask], sqlite_url: str, auth: Auth
) -> None:
    client = make_app(sqlite_url).test_client()
    response = client.post(
        "/v2/actions/test:echo",
        json={"message": "a"},
        headers=auth(**{"Idempotency-Key": "x" * 300}),
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json["error"]["message"]


def test_a_renewed_lease_holds_and_a_lapsed_run_is_resumed_with_its_progress(
    database_url: str,
) -> None:
    db = Database(database_url)
    db.migrate()
    clock = [datetime(2026, 1, 1, tzinfo=UTC)]
    store = IdempotencyStore(
        db, cipher=RecordCipher.generated(), lease_seconds=30, now=lambda: clock[0]
    )
    first = store.reserve("c", "k", "a", "h")
    store.save_progress(first, {"serviceId": "P1", "integrationIds": ["I1"]})
    clock[0] += timedelta(seconds=25)
    assert store.renew(first)
    clock[0] += timedelta(seconds=25)  # 50 s after the start, 25 s after the renewal
    with pytest.raises(IdempotencyInProgress) as busy:
        store.reserve("c", "k", "a", "h")
    assert busy.value.retry_after == 2
    clock[0] += timedelta(seconds=10)  # the holder died: its lease lapsed
    resumed = store.reserve("c", "k", "a", "h")
    assert resumed.owner != first.owner
    assert resumed.progress == {"serviceId": "P1", "integrationIds": ["I1"]}
    assert not store.renew(first)
    with pytest.raises(IdempotencyLeaseLost, match="lost Idempotency-Key 'k'"):
        store.save_progress(first, {"serviceId": "P2"})
    store.complete(resumed, {"output": 1})
    assert store.reserve("c", "k", "a", "h").response == {"output": 1}
    db.dispose()


def test_a_failed_run_with_work_left_is_resumed_at_once_and_one_without_runs_afresh(
    database_url: str,
) -> None:
    db = Database(database_url)
    db.migrate()
    store = IdempotencyStore(db, cipher=RecordCipher.generated(), lease_seconds=900)
    failed = store.reserve("c", "k", "a", "h")
    store.save_progress(failed, {"serviceId": "P1"})
    store.release(failed)  # its rollback left P1 behind
    again = store.reserve("c", "k", "a", "h")  # no waiting for the 900 s lease
    assert again.progress == {"serviceId": "P1"}
    store.save_progress(again, None)  # this time it rolled back completely
    store.release(again)
    fresh = store.reserve("c", "k", "a", "h")
    assert fresh.progress is None and fresh.owner != again.owner
    db.dispose()


def slow_calls() -> int:
    from fixture_actions.calls import CALLS  # on sys.path through conftest's autouse fixture

    return int(CALLS.get("slow", 0))


def test_a_running_duplicate_is_answered_at_once_with_retry_after(
    make_app: Callable[..., Flask], database_url: str, auth: Auth
) -> None:
    app = make_app(database_url, idempotency={"retryAfterSeconds": 3})
    headers = auth(**{"Idempotency-Key": "k-busy"})
    first = threading.Thread(
        target=lambda: app.test_client().post(
            "/v2/actions/test:slow", json={"seconds": 1.5}, headers=headers
        )
    )
    first.start()
    while not slow_calls():  # the first holds the key and runs
        time.sleep(0.01)
    busy = app.test_client().post("/v2/actions/test:slow", json={"seconds": 1.5}, headers=headers)
    done_meanwhile = not first.is_alive()
    first.join()
    assert busy.status_code == 409 and not done_meanwhile
    assert busy.headers["Retry-After"] == "3" and busy.json["error"]["retryable"] is True
    replay = app.test_client().post("/v2/actions/test:slow", json={"seconds": 1.5}, headers=headers)
    assert replay.status_code == 200 and replay.json["output"]["calls"] == 1
