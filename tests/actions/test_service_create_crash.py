"""A server killed (SIGKILL) in the middle of pagerduty:service:create: the retry with the same
Idempotency-Key resumes from what the dead run recorded and answers as it would have.

The kill point is a sandbox fault, not a hook in our code: the sandbox holds the next write of
the create (then drops it, so it changes nothing) while the test kills the server process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from served import TOKEN, serve
from sqlalchemy import select

from pagerduty_actions.registry import request_hash
from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.store import Database, IdempotencyStore
from pagerduty_actions.store.encryption import RecordCipher
from pagerduty_actions.store.models import ActionRun, IdempotencyRecord

ACTION = "pagerduty:service:create"
KEY = "backstage:task-crash:pagerduty"
BODY = {
    "name": "crashy",
    "escalationPolicyName": "Default",
    "alertGrouping": "time",
    "integrations": [{"type": "events_api_v2"}],
}
# The server that dies and the one that resumes share the database, so they share its key.
ENCRYPTION_KEY = "ZmFrZS1rZXktZm9yLXRoZS1jcmFzaC10ZXN0cy0wMDA="
LEASE = {"leaseSeconds": 2, "retryAfterSeconds": 1, "encryptionKey": ENCRYPTION_KEY}


def account(pd: SandboxServer) -> Any:
    return pd.state.accounts["default"]


@pytest.fixture
def server(
    pd: SandboxServer, database_url: str, tmp_path: Path
) -> Iterator[Callable[[], tuple[subprocess.Popen[str], str]]]:
    """``start()`` runs ``pagerduty-actions serve`` in a process of its own: (process, URL)."""
    processes: list[subprocess.Popen[str]] = []

    def start() -> tuple[subprocess.Popen[str], str]:
        process, url = serve(pd, database_url, tmp_path / "served", idempotency=LEASE)
        processes.append(process)
        return process, url

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(20)


def wait_until_held(pd: SandboxServer) -> None:
    """Until the held request has reached the sandbox (its fail-next rule is spent)."""
    deadline = time.monotonic() + 30
    while True:
        with pd.state.lock:
            if not pd.state.faults.describe()["fail_next"]:
                return
        assert time.monotonic() < deadline, "the create never reached the held request"
        time.sleep(0.02)


def recorded_progress(database_url: str) -> dict[str, Any]:
    db = Database(database_url)
    try:
        with db.session() as session:
            row = session.scalars(select(IdempotencyRecord)).one()
            assert row.state == "running" and row.progress_json is not None
            return dict(json.loads(RecordCipher([ENCRYPTION_KEY]).open(row.progress_json, "")))
    finally:
        db.dispose()


def audit_outcomes(database_url: str) -> list[tuple[str, str | None]]:
    db = Database(database_url)
    try:
        with db.session() as session:
            runs = session.scalars(select(ActionRun).order_by(ActionRun.id))
            return [(r.outcome, r.error_name) for r in runs]
    finally:
        db.dispose()


def retry_until_done(app: Flask) -> Any:
    """What Backstage's module does with the same key: ask again after Retry-After."""
    for _ in range(20):
        response = app.test_client().post(
            f"/v2/actions/{ACTION}",
            json=BODY,
            headers={"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": KEY},
        )
        if response.status_code != 409:
            return response
        assert response.json["error"]["retryable"] is True, response.json
        time.sleep(float(response.headers["Retry-After"]))
    raise AssertionError("the key never became available again")


@pytest.mark.parametrize(
    ("held", "stranded_integrations"),
    [("/services/{id}/integrations", 0), ("/alert_grouping_settings", 2)],
    ids=["before-the-integrations", "before-the-grouping"],
)
def test_a_retry_after_sigkill_finishes_the_create(
    pd: SandboxServer,
    server: Callable[[], tuple[subprocess.Popen[str], str]],
    make_app: Callable[..., Flask],
    database_url: str,
    held: str,
    stranded_integrations: int,
) -> None:
    pd.state.configure_faults(
        {"fail_next": [{"status": "drop", "method": "POST", "path": held, "delay_ms": 8000}]}
    )
    process, url = server()
    first = threading.Thread(target=_post_ignoring_errors, args=(url,), daemon=True)
    first.start()
    wait_until_held(pd)  # POST /services was answered; the next write hangs in the sandbox
    os.kill(process.pid, signal.SIGKILL)
    process.wait(20)
    first.join(30)

    acct = account(pd)
    [service_id] = list(acct.services)  # stranded: the service, and maybe its integrations
    assert len(acct.integrations) == stranded_integrations and not acct.grouping_settings
    progress = recorded_progress(database_url)
    assert progress["serviceId"] == service_id
    keys = [i["integration_key"] for i in acct.integrations.values()]
    assert not any(key in json.dumps(progress) for key in keys)  # never a secret in the DB
    assert audit_outcomes(database_url) == []

    retry_app = make_app(database={"url": database_url}, idempotency=LEASE)
    response = retry_until_done(retry_app)
    assert response.status_code == 200, response.json
    out = response.json["output"]
    assert list(acct.services) == [service_id] == [out["serviceId"]]
    made = [i for i in acct.integrations.values() if i["service_id"] == service_id]
    assert sorted(i["vendor_id"] or i["type"] for i in made) == [
        "PRO19CT",
        "events_api_v2_inbound_integration",
    ]
    backstage = next(i for i in made if i["vendor_id"] == "PRO19CT")
    assert out["integrationKey"] == backstage["integration_key"]
    assert out["created"] is True and out["serviceUrl"].endswith(service_id)
    assert [(i["type"], i["created"], bool(i["integrationKey"])) for i in out["integrations"]] == [
        ("backstage", True, True),
        ("events_api_v2", True, True),
    ]
    [setting] = acct.grouping_settings.values()
    assert setting["service_ids"] == [service_id]
    assert out["alertGroupingSettingId"] == setting["id"] and out["alertGrouping"] == "time"
    assert len(pd.state.requests("POST", "/services")) == 1
    *waits, last = audit_outcomes(database_url)  # "still running" 409s, then the resumed run
    assert last == ("success", None) and set(waits) <= {("error", "ConflictError")}

    replay = retry_until_done(retry_app)
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json == response.json


def _post_ignoring_errors(url: str) -> None:
    """The request whose server dies under it: it can only fail."""
    try:
        httpx.post(
            f"{url}/v2/actions/{ACTION}",
            json=BODY,
            headers={"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": KEY},
            timeout=30,
        )
    except httpx.HTTPError:
        return
    raise AssertionError("the killed server answered")


def test_a_resumed_create_that_fails_rolls_back_and_frees_the_key(
    make_app: Callable[..., Flask], pd: SandboxServer
) -> None:
    """The record a crashed run left (its service made, nothing else), and the resumed run
    cannot make the integration: it undoes the dead run's service and a later retry runs
    afresh, rather than refusing."""
    app = make_app(idempotency=LEASE)
    db = app.extensions["pagerduty_actions"].services.db
    with pd.state.lock:
        acct = account(pd)
        policy = next(p for p in acct.escalation_policies.values() if p["name"] == "Default")
        orphan = acct.create_service(
            {"name": BODY["name"], "escalation_policy": {"id": policy["id"]}}, unique_names=True
        )["id"]
    store = IdempotencyStore(db, cipher=app.extensions["pagerduty_actions"].services.cipher)
    dead = store.reserve("backstage", KEY, ACTION, request_hash(ACTION, BODY))
    store.save_progress(dead, {"step": "creating the service", "serviceId": orphan})
    store.release(dead)  # as if its lease had lapsed
    pd.state.fail_next(1, 400, "POST", "/services/{id}/integrations")
    failed = retry_until_done(app)
    assert failed.status_code == 400
    assert f"Rolled back: service {orphan}" in failed.json["error"]["message"]
    assert account(pd).services == {}
    again = retry_until_done(app)
    assert again.status_code == 200 and again.json["output"]["serviceId"] != orphan
    assert len(account(pd).services) == 1
