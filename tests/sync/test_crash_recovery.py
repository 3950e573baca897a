"""#14.3 and #14.1 with real processes: ``pagerduty-actions serve`` killed mid-sync
(SIGKILL) leaves a run that the restarted server closes as ``abandoned`` with what it had
recorded, the lease free, and a new run completes the rest; told to stop (SIGTERM) mid-sync,
the server stores the run's report (``partial``) before it exits. SQLite and PostgreSQL.

The sandbox plays PagerDuty in this process; its latency fault slows every answer, so the
test can watch the run write (its report so far) and act while a batch is in flight.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer, default_seed, sandbox_server
from pagerduty_actions.store import Database
from pagerduty_actions.store.leases import LeaseStore
from pagerduty_actions.store.sync_runs import SyncRunStore
from pagerduty_actions.sync.runs import LEASE_NAME

TOKEN = "crash-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CHAIN = 8  # components s0..s7, s<i> depends on s<i+1> in Backstage, PagerDuty has none
ASSOCIATE = "/service_dependencies/associate"
DEADLINE = 60.0


def service_id(i: int) -> str:
    return f"PSVC{i:03d}"


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    document = default_seed()
    account = document["accounts"][0]
    account["services"] = [
        {"id": service_id(i), "name": f"s{i}", "escalation_policy": "Default"} for i in range(CHAIN)
    ]
    account["dependencies"] = []
    with sandbox_server(document) as server:
        server.state.faults.rate_limit_enabled = False
        yield server


def edges(pd: SandboxServer) -> set[tuple[str, str]]:
    with pd.state.lock:
        return {
            (d["dependent"]["id"], d["supporting"]["id"])
            for d in pd.state.accounts["default"].dependencies.values()
        }


WANTED = {(service_id(i), service_id(i + 1)) for i in range(CHAIN - 1)}


@pytest.fixture
def config(pd: SandboxServer, tmp_path: Path, database_url: str) -> Path:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    for i in range(CHAIN):
        depends = f"\n  dependsOn: [component:s{i + 1}]" if i + 1 < CHAIN else ""
        (catalog / f"s{i}.yaml").write_text(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
            f"metadata:\n  name: s{i}\n  annotations:\n"
            f"    pagerduty.com/service-id: {service_id(i)}\n"
            f"spec:\n  type: service\n  owner: team-a{depends}\n",
            encoding="utf-8",
        )
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                "dataDir": str(tmp_path / "data"),
                "database": {"url": database_url},
                "auth": {"tokens": [{"name": "ops", "token": TOKEN}]},
                "pagerDuty": {
                    "apiToken": DEFAULT_TOKEN,
                    "apiBaseUrl": pd.base_url,
                    "eventsBaseUrl": pd.events_url,
                },
                "catalog": {"files": [str(catalog / "*.yaml")]},
                "sync": {"batchSize": 1},
            }
        ),
        encoding="utf-8",
    )
    return path


class Server:
    """``pagerduty-actions serve`` in its own process."""

    def __init__(self, config: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PAGERDUTY_ACTIONS_CONFIG"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pagerduty_actions", "serve", "--config", str(config),
             "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )  # fmt: skip
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        assert " listening on " in first, first + self.stop(signal.SIGKILL)
        self.url = first.split(" listening on ")[1].split()[0]
        self.http = httpx.Client(base_url=self.url, headers=AUTH, timeout=30)

    def stop(self, sig: int) -> str:
        """Send ``sig``; wait for the process to end (it is reaped); its stderr."""
        self.process.send_signal(sig)
        _, err = self.process.communicate(timeout=DEADLINE)
        self.http.close()
        return err


def until(what: str, check: Callable[[], Any]) -> Any:
    """Poll ``check`` until it returns something truthy; fail after a generous deadline."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"never saw: {what}")


def start_and_catch_in_flight(pd: SandboxServer, server: Server) -> tuple[str, dict[str, Any]]:
    """Start a run; once a batch is applied, slow PagerDuty right down and wait until the run
    has a batch in flight. Returns the run id and its report at that moment."""
    pd.state.faults.latency_ms = 150
    started = server.http.post("/v2/sync", json={"strategy": "backstage"})
    assert started.status_code == 202, started.text
    run_id = started.json()["runId"]

    def report() -> dict[str, Any]:
        return server.http.get(f"/v2/sync/runs/{run_id}").json()["report"] or {}

    until("a batch applied", lambda: report().get("applied"))
    pd.state.faults.latency_ms = 4000
    seen = until("a batch in flight", lambda: (r := report()).get("inFlight") and r)
    # the run notes a batch in flight before sending it: wait until PagerDuty has it
    until("the batch to reach PagerDuty", lambda: pd.state.faults.writes_in_flight() > 0)
    assert seen["status"] == "running" and len(seen["applied"]) < CHAIN - 1
    return run_id, seen


def wait_for_writes(pd: SandboxServer, count: int) -> None:
    until(
        f"{count} associate calls answered",
        lambda: len(pd.state.requests("POST", ASSOCIATE)) >= count,
    )


def test_a_server_killed_mid_sync_leaves_an_abandoned_run_and_the_next_run_converges(
    pd: SandboxServer, config: Path, database_url: str
) -> None:
    server = Server(config)
    run_id, seen = start_and_catch_in_flight(pd, server)
    server.stop(signal.SIGKILL)
    db = Database(database_url)
    try:
        left = SyncRunStore(db).get(run_id)
        assert left is not None and left["status"] == "running"  # nobody closed it
    finally:
        db.dispose()
    # the write in flight lands in PagerDuty after the process died: its outcome was unknown
    wait_for_writes(pd, len(seen["applied"]) + 1)
    pd.state.faults.latency_ms = 0

    server = Server(config)  # the same machine: the dead holder's lease is taken at start
    try:
        run = server.http.get(f"/v2/sync/runs/{run_id}").json()
        assert run["status"] == "abandoned", run
        report = run["report"]
        assert report["status"] == "abandoned" and "abandoned" in report["error"]
        assert run["error"] == report["error"]
        # what it had recorded: the batches applied, the one in flight, the rest not tried
        assert report["applied"] == seen["applied"]
        assert report["failed"] == [
            {**change, "error": report["failed"][0]["error"]} for change in seen["inFlight"]
        ]
        assert "in flight" in report["failed"][0]["error"]
        assert len(report["notAttempted"]) == CHAIN - 1 - len(seen["applied"]) - 1
        assert report["counts"]["applied"] == len(seen["applied"])
        # the lease is free: a new run starts at once and completes the rest
        again = server.http.post("/v2/sync", json={"strategy": "backstage"})
        assert again.status_code == 202, again.text
        new_id = again.json()["runId"]
        done = until(
            "the new run to end",
            lambda: (
                (r := server.http.get(f"/v2/sync/runs/{new_id}").json())["status"] != "running"
                and r
            ),
        )
        assert done["status"] == "succeeded", done
        applied_before = {(c["dependent"], c["supporting"]) for c in report["applied"]}
        applied_now = {(c["dependent"], c["supporting"]) for c in done["report"]["applied"]}
        assert not applied_before & applied_now
        assert edges(pd) == WANTED
        listed = server.http.get("/v2/sync/runs").json()
        assert [(r["id"], r["status"]) for r in listed] == [
            (new_id, "succeeded"),
            (run_id, "abandoned"),
        ]
    finally:
        server.stop(signal.SIGTERM)


def test_a_server_told_to_stop_mid_sync_stores_the_runs_report_first(
    pd: SandboxServer, config: Path, database_url: str
) -> None:
    server = Server(config)
    run_id, seen = start_and_catch_in_flight(pd, server)
    err = server.stop(signal.SIGTERM)
    assert server.process.returncode == 0, err
    db = Database(database_url)
    try:
        run = SyncRunStore(db).get(run_id)
        lease_taken = LeaseStore(db).acquire(LEASE_NAME, 60)
    finally:
        db.dispose()
    assert run is not None and run["status"] == "partial", run
    report = run["report"]
    assert report["error"] == "the server was told to stop, so the run stopped writing"
    # the batch in flight was let finish; nothing after it was sent
    assert report["applied"] == seen["applied"] + seen["inFlight"]
    assert report["failed"] == []
    assert len(report["notAttempted"]) == CHAIN - 1 - len(report["applied"])
    assert len(pd.state.requests("POST", ASSOCIATE)) == len(report["applied"])
    assert f"sync run {run_id} ended: strategy=backstage dryRun=false status=partial" in err
    assert lease_taken is not None  # the stopping server released it


def test_the_sync_command_told_to_stop_ends_with_its_report(
    pd: SandboxServer, config: Path, database_url: str
) -> None:
    db = Database(database_url)
    db.migrate()  # before the command does, so the test can read the run's record at once
    pd.state.faults.latency_ms = 150
    env = {k: v for k, v in os.environ.items() if k != "PAGERDUTY_ACTIONS_CONFIG"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pagerduty_actions", "sync", "--config", str(config),
         "--strategy", "backstage", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )  # fmt: skip
    try:
        store = SyncRunStore(db)

        def applied() -> bool:
            runs = store.recent()
            ledger = store.ledger(runs[0]["id"]) if runs else None
            return bool(ledger and "a" in ledger["states"])

        until("a batch applied", applied)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=DEADLINE)
    finally:
        db.dispose()
    assert process.returncode == 1, err
    report = json.loads(out)
    assert report["status"] == "partial"
    assert report["error"] == (
        "the sync command was told to stop (SIGTERM), so the run stopped writing"
    )
    assert report["applied"] and report["notAttempted"] and report["failed"] == []
    assert len(pd.state.requests("POST", ASSOCIATE)) == len(report["applied"])
