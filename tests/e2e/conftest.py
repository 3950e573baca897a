"""End to end against a real Backstage backend; run by ``make e2e`` only.

These tests install Backstage's node modules (minutes on a fresh machine) and start three
processes, so the plain ``pytest`` of ``make test`` leaves them out: they are collected only
when ``PAGERDUTY_ACTIONS_E2E=1`` (which ``make e2e`` sets).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from e2e_api import Backstage, Sandbox
from e2e_stack import Stack, start_stack

if os.environ.get("PAGERDUTY_ACTIONS_E2E") != "1":
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    started = time.monotonic()
    running = start_stack(tmp_path_factory.mktemp("e2e-run"))
    print(
        f"\ne2e stack up in {time.monotonic() - started:.1f} s "
        f"(npm ci {running.install_seconds:.1f} s, module npm pack {running.pack_seconds:.1f} s); "
        f"logs in {running.run_dir}"
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def backstage(stack: Stack) -> Backstage:
    return Backstage(stack.backstage_url, stack.backstage_token)


@pytest.fixture(scope="session")
def sandbox(stack: Stack) -> Sandbox:
    return Sandbox(stack.sandbox_url)


@pytest.fixture
def healthy_sandbox(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The sandbox with no faults before and after the test."""
    sandbox.reset_faults()
    yield sandbox
    sandbox.reset_faults()


@pytest.fixture(autouse=True)
def _show_logs_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and "stack" in request.fixturenames:
        print(request.getfixturevalue("stack").logs())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
