"""What an operator sees: JSON logs that are JSON from the first line on (no token in them), a
failed action's error name, message, task and step on its log line, and action metrics."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer, sandbox_server

Auth = Callable[..., dict[str, str]]
TOKEN = "operator-test-token-0123456789"
# Shaped like a GitHub token: redaction must remove it from every log line.
LEAKY = "ghp_" + "A1b2C3d4E5f6G7h8I9j0" * 2
TASK = "5b0f6c2e-9a41-4d0e-8c55-1f2e3d4c5b6a"
DEADLINE = 60.0


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    with sandbox_server() as server:
        yield server


def start_json_server(
    folder: Path, args: list[str], config: dict[str, Any] | None = None
) -> tuple[subprocess.Popen[str], str, Path]:
    """``serve`` with JSON logs; returns the process, its URL (from the banner record) and the
    file its stderr goes to."""
    folder.mkdir(parents=True, exist_ok=True)
    if config is not None:
        path = folder / "config.yaml"
        path.write_text(json.dumps(config))
        args = [*args, "--config", str(path)]
    env = {k: v for k, v in os.environ.items() if k != "PAGERDUTY_ACTIONS_CONFIG"}
    stderr_path = folder / "stderr.log"
    with stderr_path.open("w") as stderr, (folder / "stdout.log").open("w") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "pagerduty_actions", "serve", "--log-format", "json", *args],
            stdout=stdout,
            stderr=stderr,
            text=True,
            env=env,
        )
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline and process.poll() is None:
        for line in stderr_path.read_text().splitlines():
            record = json.loads(line)
            if "url" in record:
                return process, record["url"], stderr_path
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"no banner record:\n{stderr_path.read_text()}")


def stop(process: subprocess.Popen[str], stderr_path: Path) -> list[dict[str, Any]]:
    """Stop the server; every line it wrote to stderr, each parsed as one JSON object."""
    process.terminate()
    process.wait(timeout=DEADLINE)
    return [json.loads(line) for line in stderr_path.read_text().splitlines()]


def test_json_logs_are_json_from_the_first_line_and_point_to_the_token_file(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    process, url, stderr_path = start_json_server(
        tmp_path, ["--port", "0", "--data-dir", str(data)]
    )
    try:
        token = (data / "local-token").read_text().strip()
        ok = httpx.get(f"{url}/v2/actions", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
    finally:
        records = stop(process, stderr_path)
    stdout = (tmp_path / "stdout.log").read_text()
    assert stdout == ""  # the banner is a log record too, not a text line elsewhere
    banner = next(r for r in records if "url" in r)
    assert banner["url"] == url
    assert "listening on" in banner["message"]
    pointer = next(r for r in records if "tokenFile" in r)
    assert pointer["tokenFile"] == str(data / "local-token")
    assert token not in stderr_path.read_text()
    assert any(r["logger"] == "pagerduty_actions.access" for r in records)


def test_a_failed_action_logs_its_error_task_and_step(
    tmp_path: Path, pd: SandboxServer, sqlite_url: str
) -> None:
    config = {
        "server": {"host": "127.0.0.1", "port": 0},
        "dataDir": str(tmp_path / "data"),
        "database": {"url": sqlite_url},
        "auth": {"tokens": [{"name": "backstage", "token": TOKEN}]},
        "pagerDuty": {
            "apiToken": DEFAULT_TOKEN,
            "apiBaseUrl": pd.base_url,
            "eventsBaseUrl": pd.events_url,
        },
    }
    process, url, stderr_path = start_json_server(tmp_path, [], config)
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "X-Backstage-Task-Id": TASK,
        "X-Backstage-Step-Id": "pagerduty",
        "X-Request-Id": "req-operator-1",
    }
    try:
        refused = httpx.post(
            f"{url}/v2/actions/pagerduty:service:create",
            json={"name": "checkout", "escalationPolicyName": LEAKY},
            headers=headers,
            timeout=DEADLINE,
        )
        assert refused.status_code == 400
        pd.state.fail_next(5, 500, "POST", "/services")
        upstream = httpx.post(
            f"{url}/v2/actions/pagerduty:service:create",
            json={"name": "checkout", "escalationPolicyName": "Default"},
            headers={**headers, "X-Backstage-Step-Id": "create-service"},
            timeout=DEADLINE,
        )
        assert upstream.status_code == 502
    finally:
        records = stop(process, stderr_path)
    assert LEAKY not in stderr_path.read_text()
    runs = [r for r in records if r["logger"] == "pagerduty_actions.actions"]
    assert [r["errorName"] for r in runs] == ["InputError", "UpstreamError"]
    refused_line, upstream_line = runs

    assert refused_line["level"] == "WARNING"
    assert refused_line["action"] == "pagerduty:service:create"
    assert refused_line["taskId"] == TASK
    assert refused_line["stepId"] == "pagerduty"
    assert refused_line["requestId"] == "req-operator-1"
    assert "escalation polic" in refused_line["errorMessage"]
    assert "[REDACTED]" in refused_line["errorMessage"]  # the leaky name was quoted, then hidden
    assert f"task {TASK}, step pagerduty" in refused_line["message"]
    assert "InputError" in refused_line["message"]

    assert upstream_line["level"] == "ERROR"
    assert upstream_line["stepId"] == "create-service"
    assert upstream_line["status"] == 502
    assert "500" in upstream_line["errorMessage"]
    assert upstream_line["errorMessage"] == upstream.json()["error"]["message"]


def _run(client: FlaskClient, auth: Auth, body: object, **headers: str) -> int:
    return client.post("/v2/actions/test:echo", json=body, headers=auth(**headers)).status_code


def _samples(client: FlaskClient, auth: Auth) -> dict[tuple[str, tuple[Any, ...]], float]:
    text = client.get("/metrics", headers=auth()).get_data(as_text=True)
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _runs(samples: dict[tuple[str, tuple[Any, ...]], float], outcome: str) -> float:
    labels = (("action", "test:echo"), ("dry_run", "false"), ("outcome", outcome))
    return samples.get(("pagerduty_actions_action_runs_total", labels), 0.0)


def _timed(samples: dict[tuple[str, tuple[Any, ...]], float]) -> float:
    key = ("pagerduty_actions_action_duration_seconds_count", (("action", "test:echo"),))
    return samples.get(key, 0.0)


def test_metrics_count_runs_by_outcome_with_a_latency_histogram(
    client: FlaskClient, auth: Auth
) -> None:
    before = _samples(client, auth)
    assert _timed(before) == 0
    assert _run(client, auth, {"message": "hi"}, **{"Idempotency-Key": "k-1"}) == 200
    after_success = _samples(client, auth)
    assert _runs(after_success, "success") == 1
    assert _timed(after_success) == 1

    assert _run(client, auth, {"message": "hi"}, **{"Idempotency-Key": "k-1"}) == 200
    after_replay = _samples(client, auth)
    assert _runs(after_replay, "replayed") == 1
    assert _runs(after_replay, "success") == 1
    assert _timed(after_replay) == 2

    assert _run(client, auth, {"message": ""}) == 400
    after_failure = _samples(client, auth)
    assert _runs(after_failure, "InputError") == 1
    assert _timed(after_failure) == 3
    buckets = [
        value
        for (name, labels), value in after_failure.items()
        if name == "pagerduty_actions_action_duration_seconds_bucket"
        and dict(labels)["le"] == "+Inf"
    ]
    assert buckets == [3.0]


def test_text_log_line_of_a_failed_run_names_error_task_and_step(
    client: FlaskClient, auth: Auth, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pagerduty_actions.actions")
    headers = {"X-Backstage-Task-Id": TASK, "X-Backstage-Step-Id": "echo"}
    assert _run(client, auth, {"message": "x", "tags": [LEAKY]}, **headers) == 400
    assert _run(client, auth, {"message": "fine"}) == 200
    failed, succeeded = (r for r in caplog.records if r.name == "pagerduty_actions.actions")
    assert failed.levelno == logging.WARNING
    text = failed.getMessage()
    assert text.startswith(f"action test:echo failed (task {TASK}, step echo): InputError: ")
    assert "$.tags[0]" in text
    assert LEAKY not in text
    assert succeeded.levelno == logging.INFO
    assert succeeded.getMessage().startswith("action test:echo: success in ")
