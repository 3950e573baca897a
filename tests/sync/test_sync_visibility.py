"""#14.5: every run's end is visible without reading its report: one log line (id, strategy,
status, applied, failed, duration) and ``/metrics`` (runs by strategy and status, changes by
side and result, when a run that wrote last succeeded, kept across a restart)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sync_world import entities, make_services, write_entity_files

from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.server import create_app
from pagerduty_actions.services import Services
from pagerduty_actions.sync import service

TOKEN = "sync-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DISASSOCIATE = "/service_dependencies/disassociate"


@pytest.fixture
def apps(pd: SandboxServer, tmp_path: Path, sqlite_url: str) -> Iterator[Any]:
    write_entity_files(tmp_path / "catalog", entities())
    made: list[Services] = []

    def build() -> Flask:
        services = make_services(
            pd,
            sqlite_url,
            tmp_path / f"d{len(made)}",
            catalog={"files": [str(tmp_path / "catalog/*.yaml")]},
        )
        made.append(services)
        return create_app(services.config, services=services)

    yield build
    for services in made:
        services.close()


def metric(app: Flask, name: str, **labels: str) -> float | None:
    text = app.test_client().get("/metrics", headers=AUTH).get_data(as_text=True)
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if labels else ''} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else None


def test_each_run_logs_one_line_and_is_counted(
    apps: Any, pd: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    app = apps()
    services = app.extensions["pagerduty_actions"].services
    assert metric(app, "pagerduty_actions_sync_last_success_timestamp_seconds") == 0.0

    pd.state.configure_faults(
        {"fail_next": [{"count": 50, "status": 503, "method": "POST", "path": DISASSOCIATE}]}
    )
    with caplog.at_level(logging.INFO, logger="pagerduty_actions.sync"):
        failed = service.run(services, {"strategy": "backstage"}, started_by="test")
        pd.state.faults.reset()
        done = service.run(services, {"strategy": "backstage"}, started_by="test")
        service.run(services, {"strategy": "backstage", "dryRun": True}, started_by="test")
    assert failed["status"] == "failed" and done["status"] == "succeeded"

    ends = [r.getMessage() for r in caplog.records if " ended: " in r.getMessage()]
    assert len(ends) == 3
    assert re.fullmatch(
        rf"sync run {failed['runId']} ended: strategy=backstage dryRun=false status=failed "
        r"applied=0 failed=2 notAttempted=1 duration=\d+\.\ds",
        ends[0],
    )
    assert ends[1].startswith(
        f"sync run {done['runId']} ended: strategy=backstage dryRun=false status=succeeded "
        "applied=3 failed=0 notAttempted=0 duration="
    )
    assert [r.levelname for r in caplog.records if " ended: " in r.getMessage()] == [
        "WARNING",
        "INFO",
        "INFO",
    ]

    runs = "pagerduty_actions_sync_runs_total"
    assert metric(app, runs, strategy="backstage", status="failed") == 1.0
    assert metric(app, runs, strategy="backstage", status="succeeded") == 2.0
    changes = "pagerduty_actions_sync_changes_total"
    assert metric(app, changes, side="pagerduty", result="applied") == 3.0
    # the two removals (one batch) refused, so the addition was not sent
    assert metric(app, changes, side="pagerduty", result="failed") == 2.0
    assert metric(app, changes, side="pagerduty", result="not_attempted") == 1.0
    last = metric(app, "pagerduty_actions_sync_last_success_timestamp_seconds")
    assert last is not None and last > 0

    # a restarted server reads it back from the database
    restarted = apps()
    again = metric(restarted, "pagerduty_actions_sync_last_success_timestamp_seconds")
    assert again is not None and int(again) == int(last)
    assert metric(restarted, runs, strategy="backstage", status="failed") is None
