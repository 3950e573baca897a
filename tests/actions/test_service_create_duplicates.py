"""Duplicates of a slow create at a real server: each is answered at once with 409 and
Retry-After instead of holding one of the server's worker threads, /healthz keeps answering,
and once the first run is done a duplicate gets its response replayed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from served import TOKEN, serve

from pagerduty_actions.sandbox import SandboxServer

ACTION = "pagerduty:service:create"
BODY = {"name": "slow", "escalationPolicyName": "Default", "alertGrouping": "time"}
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "backstage:task-slow:pd"}


@pytest.fixture
def server_url(pd: SandboxServer, sqlite_url: str, tmp_path: Path) -> Iterator[str]:
    process, url = serve(pd, sqlite_url, tmp_path / "served", server={"threads": 4})
    yield url
    process.kill()
    process.wait(20)


def test_forty_duplicates_of_a_slow_create_are_answered_409_while_it_runs(
    pd: SandboxServer, server_url: str
) -> None:
    pd.state.configure_faults({"latency_ms": 1000})  # every PagerDuty call takes a second
    first: dict[str, Any] = {}

    def run_first() -> None:
        response = httpx.post(
            f"{server_url}/v2/actions/{ACTION}", json=BODY, headers=HEADERS, timeout=120
        )
        first.update(status=response.status_code, body=response.json())

    runner = threading.Thread(target=run_first)
    runner.start()
    while not pd.state.requests():  # the first run holds the key and talks to PagerDuty
        assert runner.is_alive()
        time.sleep(0.02)

    def duplicate(_: int) -> tuple[int, str | None, Any, bool]:
        response = httpx.post(
            f"{server_url}/v2/actions/{ACTION}", json=BODY, headers=HEADERS, timeout=120
        )
        return (
            response.status_code,
            response.headers.get("Retry-After"),
            response.json()["error"].get("retryable") if response.status_code >= 400 else None,
            "status" not in first,  # answered while the first run was still going
        )

    with ThreadPoolExecutor(max_workers=40) as pool:
        duplicates = list(pool.map(duplicate, range(40)))
        health = httpx.get(f"{server_url}/healthz", timeout=120)
        health_while_running = "status" not in first
    assert duplicates == [(409, "2", True, True)] * 40
    assert health.status_code == 200 and health_while_running

    runner.join(120)
    assert first["status"] == 200, first
    assert len(pd.state.requests("POST", "/services")) == 1
    replay = httpx.post(f"{server_url}/v2/actions/{ACTION}", json=BODY, headers=HEADERS)
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first["body"]
