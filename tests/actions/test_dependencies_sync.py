"""``pagerduty:dependencies:sync`` as a template step: the registry runs the one sync operation
(``sync/service.py``, tested in depth under tests/sync) and the step's log says what it did.

The world is ``tests/sync/sync_world.py``'s: five components in catalog files, the sandbox
seeded with PagerDuty's side of their dependencies.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "sync"))

from sync_world import AFTER_BACKSTAGE, entities, make_services, pd_edges, seed, write_entity_files

from pagerduty_actions.registry import Caller, Registry, RunResult
from pagerduty_actions.sandbox import SandboxServer, sandbox_server

ACTION = "pagerduty:dependencies:sync"


@pytest.fixture
def world() -> Iterator[SandboxServer]:
    with sandbox_server(seed()) as server:
        yield server


def run_step(
    world: SandboxServer, tmp_path: Path, sqlite_url: str, payload: dict[str, Any], **kw: Any
) -> RunResult:
    write_entity_files(tmp_path / "catalog", entities())
    services = make_services(
        world, sqlite_url, tmp_path / "d", catalog={"files": [str(tmp_path / "catalog/*.yaml")]}
    )
    try:
        return Registry.load().run(ACTION, payload, services=services, caller=Caller("t"), **kw)
    finally:
        services.close()


def test_a_dry_run_sync_step_says_nothing_was_written(
    world: SandboxServer, tmp_path: Path, sqlite_url: str
) -> None:
    before = pd_edges(world)
    result = run_step(world, tmp_path, sqlite_url, {"strategy": "both"}, dry_run=True)
    messages = [entry["message"] for entry in result.body()["log"]]
    assert re.fullmatch(
        r"sync run run_\w+ dry run: 3 change\(s\) planned, none written, 4 PagerDuty call\(s\)",
        messages[-1],
    ), messages
    assert pd_edges(world) == before


def test_a_sync_step_makes_pagerduty_follow_backstage_and_says_so(
    world: SandboxServer, tmp_path: Path, sqlite_url: str
) -> None:
    result = run_step(world, tmp_path, sqlite_url, {"strategy": "backstage"})
    assert pd_edges(world) == AFTER_BACKSTAGE
    assert result.output["status"] == "succeeded" and result.output["strategy"] == "backstage"
    last = result.body()["log"][-1]["message"]
    assert re.fullmatch(
        r"sync run run_\w+ succeeded: (\d+) change\(s\) planned, \1 applied, 0 failed, "
        r"0 not attempted, \d+ PagerDuty call\(s\)",
        last,
    ), last
