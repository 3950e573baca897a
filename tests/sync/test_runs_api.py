"""Sync runs over HTTP and the CLI: POST /v2/sync (202), a run's progress while it runs
(#10.7), one run at a time across app instances sharing a database (409), the strategy
setting, mapping overrides, and ``pagerduty-actions sync``."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from backstage_catalog import CatalogServer
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sync_world import (
    AFTER_BACKSTAGE,
    IDS,
    PD_DEPS,
    catalog_api,
    entities,
    make_services,
    pd_edges,
    pd_writes,
    write_entity_files,
)

from pagerduty_actions.cli_sync import sync_command
from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer
from pagerduty_actions.server import create_app
from pagerduty_actions.services import Services
from pagerduty_actions.sync.runs import OBSERVERS

TOKEN = "sync-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def make_app(
    pd: SandboxServer, catalog_server: CatalogServer, tmp_path: Path
) -> Iterator[Callable[..., Flask]]:
    """``make_app(database_url, **sync)``: an app reading the simulated catalog."""
    catalog_server.entities.extend(entities())
    made: list[Services] = []

    def factory(database_url: str, **sync: Any) -> Flask:
        services = make_services(
            pd,
            database_url,
            tmp_path / f"d{len(made)}",
            backstage=catalog_api(catalog_server),
            sync=sync,
        )
        made.append(services)
        return create_app(services.config, services=services)

    yield factory
    for services in made:
        services.close()


class Gate:
    """An observer that holds a run at its first stored ``phase`` update until released."""

    def __init__(self, phase: str) -> None:
        self.phase = phase
        self.reached = threading.Event()
        self.release = threading.Event()
        self.seen: list[tuple[str, int, int, int]] = []

    def __call__(self, run_id: str, phase: str, done: int, total: int, calls: int) -> None:
        self.seen.append((phase, done, total, calls))
        if phase == self.phase and not self.reached.is_set():
            self.reached.set()
            assert self.release.wait(10), "the test never released the run"


def gate(app: Flask, phase: str) -> Gate:
    observer = Gate(phase)
    app.extensions["pagerduty_actions"].services.extras[OBSERVERS] = [observer]
    return observer


def finish(run_id: str) -> None:
    """Wait for the background run's thread (named after the run) to end."""
    for thread in threading.enumerate():
        if thread.name == f"sync-{run_id}":
            thread.join(10)
            assert not thread.is_alive()


def start(client: FlaskClient, body: dict[str, Any] | None = None) -> Any:
    return client.post("/v2/sync", json=body or {}, headers=AUTH)


# -- POST /v2/sync and GET /v2/sync/runs ---------------------------------------------------------


def test_a_run_shows_its_progress_while_running_and_a_second_start_gets_409(
    make_app: Callable[..., Flask], database_url: str, pd: SandboxServer
) -> None:
    """Two app instances (two processes' worth of services) share one database."""
    app = make_app(database_url, batchSize=1)
    other = make_app(database_url)
    held = gate(app, "writing PagerDuty")
    client = app.test_client()
    started = start(client, {"strategy": "backstage"})
    assert started.status_code == 202, started.json
    run_id = started.json["runId"]
    assert started.headers["Location"] == f"/v2/sync/runs/{run_id}"
    try:
        assert held.reached.wait(10)
        running = client.get(f"/v2/sync/runs/{run_id}", headers=AUTH)
        assert running.status_code == 200
        assert running.json["status"] == "running"
        # the report so far: every planned change, the first batch applied, the rest to come
        so_far = running.json["report"]
        assert so_far["status"] == "running" and len(so_far["changes"]) == 3
        assert [(c["kind"], c["dependent"], c["supporting"]) for c in so_far["applied"]] == [
            ("remove", IDS["checkout"], IDS["search"])
        ]
        assert so_far["failed"] == [] and len(so_far["notAttempted"]) == 2
        # 4 reads, then the first of 3 one-relationship batches written
        assert running.json["progress"] == {
            "phase": "writing PagerDuty",
            "done": 1,
            "total": 3,
            "calls": 5,
        }
        for instance in (app, other):
            second = start(instance.test_client(), {"strategy": "backstage"})
            assert second.status_code == 409
            assert second.json["error"]["name"] == "ConflictError"
            assert second.json["error"]["retryable"] is True
            assert "already running" in second.json["error"]["message"]
        assert pd_writes(pd) == ["/service_dependencies/disassociate"]
    finally:
        held.release.set()
    finish(run_id)
    done = client.get(f"/v2/sync/runs/{run_id}", headers=AUTH).json
    assert done["status"] == "succeeded" and done["progress"]["phase"] == "finished"
    assert done["report"]["counts"]["applied"] == 3 and done["report"]["runId"] == run_id
    assert pd_edges(pd) == AFTER_BACKSTAGE
    # progress was stored as it went: reads 1..4, then writes 1..3
    assert [s[:3] for s in held.seen if s[0] == "writing PagerDuty"][-1] == (
        "writing PagerDuty",
        3,
        3,
    )
    # the lease is free again, on either instance
    listed = other.test_client().get("/v2/sync/runs", headers=AUTH).json
    assert [r["id"] for r in listed] == [run_id] and "report" not in listed[0]
    gate(other, "none")
    again = start(other.test_client(), {"strategy": "backstage", "dryRun": True})
    assert again.status_code == 202
    finish(again.json["runId"])
    report = other.test_client().get(f"/v2/sync/runs/{again.json['runId']}", headers=AUTH).json
    assert report["dryRun"] is True and report["report"]["counts"]["changes"] == 0


def test_start_refuses_bad_input_and_unknown_runs_are_404(
    make_app: Callable[..., Flask], sqlite_url: str, pd: SandboxServer
) -> None:
    client = make_app(sqlite_url).test_client()
    bad = start(client, {"strategy": "sideways"})
    assert bad.status_code == 400
    assert bad.json["error"]["details"] == [
        {
            "path": "$.strategy",
            "message": "'sideways' is not a sync strategy "
            "(allowed: 'backstage', 'pagerduty', 'both', 'disabled')",
        }
    ]
    unknown = start(client, {"strategies": "both"})
    assert unknown.status_code == 400 and "strategies" in unknown.json["error"]["message"]
    scope = start(client, {"entities": ["a:b:c"]})
    assert scope.status_code == 400
    assert scope.json["error"]["details"][0]["path"] == "$.entities[0]"
    assert client.get("/v2/sync/runs", headers=AUTH).json == []
    assert client.get("/v2/sync/runs/run_nope", headers=AUTH).status_code == 404
    assert client.post("/v2/sync", json={}).status_code == 401
    assert pd_writes(pd) == []


def test_a_run_that_fails_records_the_error(
    make_app: Callable[..., Flask], sqlite_url: str, catalog_server: CatalogServer
) -> None:
    app = make_app(sqlite_url)
    gate(app, "none")
    catalog_server.fail_next(401, times=1)
    client = app.test_client()
    started = start(client, {"strategy": "backstage"})
    finish(started.json["runId"])
    run = client.get(f"/v2/sync/runs/{started.json['runId']}", headers=AUTH).json
    assert run["status"] == "failed"
    assert "401" in run["error"] and "backstage.token" in run["error"]
    # nothing was planned, so nothing was written: the report says so and why
    assert run["report"]["error"] == run["error"] and run["report"]["status"] == "failed"
    assert run["report"]["changes"] == run["report"]["applied"] == []
    assert catalog_server.token not in json.dumps(run)


# -- settings ---------------------------------------------------------------------------------


def test_the_strategy_setting_is_used_by_the_next_run(
    make_app: Callable[..., Flask], sqlite_url: str, pd: SandboxServer
) -> None:
    app = make_app(sqlite_url)
    gate(app, "none")
    client = app.test_client()
    url = "/v2/settings/dependency-sync-strategy"
    assert client.get(url, headers=AUTH).json == {
        "id": "dependency-sync-strategy",
        "value": "disabled",
        "stored": False,
    }
    bad = client.put(url, json={"value": "sideways"}, headers=AUTH)
    assert bad.status_code == 400 and bad.json["error"]["details"][0]["path"] == "$.value"
    assert client.put(url, json={"value": "backstage"}, headers=AUTH).json["stored"] is True
    assert client.get(url, headers=AUTH).json["value"] == "backstage"
    assert client.get("/v2/settings/nope", headers=AUTH).status_code == 404

    started = start(client)
    finish(started.json["runId"])
    run = client.get(f"/v2/sync/runs/{started.json['runId']}", headers=AUTH).json
    assert run["strategy"] == "backstage" and run["report"]["strategy"] == "backstage"
    assert pd_edges(pd) == AFTER_BACKSTAGE


# -- mappings ---------------------------------------------------------------------------------


def test_mapping_overrides_show_status_and_drive_the_next_run(
    make_app: Callable[..., Flask], sqlite_url: str, pd: SandboxServer
) -> None:
    app = make_app(sqlite_url)
    gate(app, "none")
    client = app.test_client()

    def statuses() -> dict[str, tuple[str, str | None, str]]:
        listed = client.get("/v2/mappings", headers=AUTH)
        assert listed.status_code == 200
        return {
            e["entityRef"].split("/")[1]: (e["status"], e["serviceId"], e["source"])
            for e in listed.json
        }

    assert statuses() == {
        "checkout": ("mapped", IDS["checkout"], "annotation:service-id"),
        "db": ("mapped", IDS["db"], "annotation:service-id"),
        "inventory": ("unmapped", None, "-"),
        "payments": ("mapped", IDS["payments"], "annotation:service-id"),
        "search": ("mapped", IDS["search"], "annotation:service-id"),
    }
    # two entities claiming one service: both reported, neither guessed
    put = client.put(
        "/v2/mappings/Component:default/Inventory",
        json={"serviceId": IDS["checkout"]},
        headers=AUTH,
    )
    assert put.status_code == 200 and put.json["entityRef"] == "component:default/inventory"
    now = statuses()
    assert now["inventory"][0] == "conflict" and now["checkout"][0] == "conflict"

    assert (
        client.put(
            "/v2/mappings/inventory", json={"serviceId": IDS["legacy"]}, headers=AUTH
        ).status_code
        == 200
    )
    assert statuses()["inventory"] == ("mapped", IDS["legacy"], "override")
    # the next run uses the override: inventory (legacy) -> checkout is now managed
    started = start(client, {"strategy": "backstage"})
    finish(started.json["runId"])
    assert pd_edges(pd) == {
        ("checkout", "payments"),
        ("payments", "db"),
        ("legacy", "checkout"),
    }  # checkout -> legacy is now managed, and Backstage does not have it

    assert client.delete("/v2/mappings/inventory", headers=AUTH).status_code == 204
    assert statuses()["inventory"][0] == "unmapped"
    assert client.delete("/v2/mappings/inventory", headers=AUTH).status_code == 404


def test_mapping_input_errors(make_app: Callable[..., Flask], sqlite_url: str) -> None:
    client = make_app(sqlite_url).test_client()
    for ref, body in (
        ("a:b:c", {"serviceId": "PABC"}),
        ("checkout", {"serviceId": "P-1; drop"}),
        ("checkout", {"service": "PABC"}),
    ):
        answer = client.put(f"/v2/mappings/{ref}", json=body, headers=AUTH)
        assert answer.status_code == 400, (ref, body)
    # an explicit null unmaps an annotated entity
    assert (
        client.put("/v2/mappings/checkout", json={"serviceId": None}, headers=AUTH).status_code
        == 200
    )
    listed = {e["entityRef"]: e for e in client.get("/v2/mappings", headers=AUTH).json}
    assert listed["component:default/checkout"]["status"] == "unmapped"


# -- the CLI ----------------------------------------------------------------------------------


@pytest.fixture
def cli_config(pd: SandboxServer, tmp_path: Path) -> Path:
    write_entity_files(tmp_path / "catalog", entities())
    path = tmp_path / "config.yaml"
    path.write_text(
        json.dumps(
            {
                "dataDir": str(tmp_path / "data"),
                "database": {"url": f"sqlite:///{tmp_path}/cli.db"},
                "pagerDuty": {
                    "apiToken": DEFAULT_TOKEN,
                    "apiBaseUrl": pd.base_url,
                    "eventsBaseUrl": pd.events_url,
                },
                "catalog": {"files": [str(tmp_path / "catalog/*.yaml")]},
            }
        )
    )
    return path


def test_cli_dry_run_json(cli_config: Path, pd: SandboxServer) -> None:
    result = CliRunner().invoke(
        sync_command,
        ["--config", str(cli_config), "--strategy", "backstage", "--dry-run", "--json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dryRun"] is True and report["strategy"] == "backstage"
    assert report["counts"]["changes"] == 3 and report["applied"] == []
    assert result.stderr == ""  # no progress lines around JSON
    assert pd_writes(pd) == [] and pd_edges(pd) == {tuple(d) for d in PD_DEPS}


def test_cli_applies_with_progress_on_stderr(cli_config: Path, pd: SandboxServer) -> None:
    result = CliRunner().invoke(sync_command, ["--config", str(cli_config), "--strategy", "both"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "strategy both: 5 component(s), 4 mapped, 3 change(s), 5 PagerDuty call(s)"
    )
    assert "unmanaged, kept" in result.stdout and "unmapped: component:default/inventory" in (
        result.stdout
    )
    assert result.stderr.splitlines() == [
        "reading the catalog: 0/0 done, 0 PagerDuty call(s)",
        "reading PagerDuty: 4/4 done, 4 PagerDuty call(s)",
        "writing PagerDuty: 1/1 done, 5 PagerDuty call(s)",
        "writing catalog files: 2/2 done, 5 PagerDuty call(s)",
    ]
    assert ("checkout", "payments") in pd_edges(pd)


def test_cli_reports_errors_plainly(cli_config: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        sync_command, ["--config", str(cli_config), "--strategy", "backstage", "--entity", "x/y/z"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: invalid entity ref 'x/y/z'")
    missing = CliRunner().invoke(sync_command, ["--config", str(tmp_path / "nope.yaml")])
    assert missing.exit_code != 0 and "nope.yaml" in missing.output
