"""The optional schedule (``sync.schedule.every``): started by ``serve`` only when configured,
stopped with the server, and a tick that finds a run going elsewhere skips, never crashes."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sync_world import AFTER_BACKSTAGE, entities, make_services, pd_edges, write_entity_files

from pagerduty_actions import cli
from pagerduty_actions.config import ConfigError
from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer
from pagerduty_actions.services import Services
from pagerduty_actions.store.sync_runs import SyncRunStore
from pagerduty_actions.sync.engine import SyncOptions
from pagerduty_actions.sync.runs import OBSERVERS, SyncRun
from pagerduty_actions.sync.schedule import SyncScheduler, parse_every, start_schedule


@pytest.fixture
def services_for(pd: SandboxServer, tmp_path: Path, database_url: str) -> Iterator[Any]:
    """``services_for(**sync)``: services over the world's catalog files and one database."""
    write_entity_files(tmp_path / "catalog", entities())
    made: list[Services] = []

    def build(**sync: Any) -> Services:
        services = make_services(
            pd,
            database_url,
            tmp_path / f"d{len(made)}",
            catalog={"files": [str(tmp_path / "catalog/*.yaml")]},
            sync=sync,
        )
        made.append(services)
        return services

    yield build
    for services in made:
        services.close()


def test_parse_every() -> None:
    assert [parse_every(t) for t in ("90s", "30m", "2h")] == [90, 1800, 7200]
    for bad in ("0m", "1d", "m", "1.5h"):
        with pytest.raises(ValueError, match=r"sync\.schedule\.every"):
            parse_every(bad)


def test_no_schedule_unless_configured(services_for: Any) -> None:
    assert start_schedule(services_for(strategy="backstage")) is None
    with pytest.raises(ConfigError, match=r"sync\.schedule\.every: must be a positive interval"):
        services_for(schedule={"every": "0s"})  # refused by `config check` already


def test_a_tick_runs_the_configured_strategy(services_for: Any, pd: SandboxServer) -> None:
    services = services_for(strategy="backstage", schedule={"every": "30m"})
    run_id = SyncScheduler(services, 1800).tick()
    assert run_id is not None
    run = SyncRunStore(services.db).get(run_id)
    assert run is not None
    assert (run["status"], run["startedBy"], run["strategy"]) == (
        "succeeded",
        "schedule",
        "backstage",
    )
    assert pd_edges(pd) == AFTER_BACKSTAGE


def test_a_tick_under_a_disabled_strategy_records_nothing(
    services_for: Any, pd: SandboxServer
) -> None:
    services = services_for(strategy="disabled", schedule={"every": "30m"})
    assert SyncScheduler(services, 1800).tick() is None
    assert SyncRunStore(services.db).recent() == []
    assert pd.state.requests() == []


def test_a_tick_skips_while_another_process_runs(
    services_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The other process is another set of services on the same database."""
    mine = services_for(strategy="backstage")
    theirs = services_for(strategy="backstage")
    holding = SyncRun(theirs, SyncOptions(), "elsewhere")  # holds the lease until executed
    with caplog.at_level(logging.INFO, "pagerduty_actions.sync.schedule"):
        assert SyncScheduler(mine, 1800).tick() is None
    assert "scheduled sync skipped: a dependency sync is already running" in caplog.text
    assert [r["id"] for r in SyncRunStore(mine.db).recent()] == [holding.id]
    holding.execute()
    assert SyncScheduler(mine, 1800).tick() is not None


def test_the_loop_ticks_and_stops_cleanly(services_for: Any) -> None:
    services = services_for(strategy="backstage")
    ticked = threading.Event()
    services.extras[OBSERVERS] = [lambda run_id, phase, *rest: ticked.set()]
    scheduler = SyncScheduler(services, 0.01).start()
    try:
        assert ticked.wait(10)
    finally:
        scheduler.stop()
    assert not scheduler._thread.is_alive()
    count = len(SyncRunStore(services.db).recent())
    assert count >= 1
    scheduler.stop()  # twice is fine


class _FakeServer:
    """Stands in for waitress: notes whether the scheduler runs while "serving"."""

    effective_port = 7077
    scheduler_alive: bool | None = None

    def run(self) -> None:
        _FakeServer.scheduler_alive = any(
            t.name == "sync-scheduler" and t.is_alive() for t in threading.enumerate()
        )
        raise KeyboardInterrupt

    def close(self) -> None:
        """serve closes the server when start-up fails after it was bound."""


def _serve(tmp_path: Path, pd: SandboxServer, monkeypatch: pytest.MonkeyPatch, **sync: Any) -> Any:
    import waitress.server

    monkeypatch.setattr(waitress.server, "create_server", lambda app, **kw: _FakeServer())
    _FakeServer.scheduler_alive = None
    config = tmp_path / "serve.yaml"
    config.write_text(
        json.dumps(
            {
                "dataDir": str(tmp_path / "serve-data"),
                "database": {"url": f"sqlite:///{tmp_path}/serve.db"},
                "auth": {"tokens": [{"name": "t", "token": "serve-test-token-0123456789"}]},
                "pagerDuty": {
                    "apiToken": DEFAULT_TOKEN,
                    "apiBaseUrl": pd.base_url,
                    "eventsBaseUrl": pd.events_url,
                },
                "sync": sync,
            }
        )
    )
    return CliRunner().invoke(cli.main, ["serve", "--config", str(config)])


def test_serve_runs_the_schedule_only_when_configured_and_stops_it(
    tmp_path: Path, pd: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _serve(tmp_path, pd, monkeypatch, schedule={"every": "30m"})
    assert result.exit_code == 0, result.output
    assert _FakeServer.scheduler_alive is True
    assert not any(t.name == "sync-scheduler" and t.is_alive() for t in threading.enumerate())

    result = _serve(tmp_path, pd, monkeypatch, strategy="backstage")
    assert result.exit_code == 0, result.output
    assert _FakeServer.scheduler_alive is False


def test_serve_refuses_a_zero_interval(
    tmp_path: Path, pd: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _serve(tmp_path, pd, monkeypatch, schedule={"every": "0m"})
    # A start-up failure of serve: one line, exit code 2 (#15).
    assert result.exit_code == 2 and "sync.schedule.every: must be a positive" in result.output
