"""Temporary folders live under ``<dataDir>/work/`` and outlive no process: real processes,
killed with SIGKILL mid-request, and a second live process on the same data dir.

The servers' PagerDuty is a socket that accepts connections and never answers, so a template
dry-run stays in flight (its ``dry-run-*`` folder written) for as long as a test needs.
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from pagerduty_actions.paths import data_dir as shipped
from pagerduty_actions.work_area import WorkArea, sweep

TOKEN = "work-area-test-token-0123456789"
TEMPLATE = shipped("templates") / "pagerduty-service"


@pytest.fixture
def silent_pagerduty() -> Iterator[str]:
    """A PagerDuty base URL whose connections are accepted by the kernel, never answered."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def config_file(tmp_path: Path, silent_pagerduty: str) -> Path:
    data = tmp_path / "data"
    path = tmp_path / "config.yaml"
    path.write_text(
        f"dataDir: '{data}'\n"
        f"database: {{url: 'sqlite:///{data}/db.sqlite'}}\n"
        f"auth: {{tokens: [{{name: backstage, token: {TOKEN}}}]}}\n"
        f"pagerDuty: {{apiToken: u+0123456789abcdefghij, apiBaseUrl: '{silent_pagerduty}'}}\n"
    )
    return path


class Server:
    """``pagerduty-actions serve`` in its own process group (so a kill takes its children)."""

    def __init__(self, config: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PAGERDUTY_ACTIONS_CONFIG"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pagerduty_actions", "serve", "--config", str(config),
             "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
            start_new_session=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # printed once start-up (and the sweep) is done
        assert " listening on " in line, line
        self.url = line.split(" listening on ")[1].split()[0]

    def dry_run_in_background(self) -> threading.Thread:
        """Start a dry-run of the shipped template; it hangs on the silent PagerDuty."""
        yaml = YAML(typ="safe", pure=True)
        files = [
            {
                "path": p.relative_to(TEMPLATE).as_posix(),
                "base64Content": base64.b64encode(p.read_bytes()).decode(),
            }
            for p in sorted(TEMPLATE.rglob("*"))
            if p.is_file()
        ]
        body: dict[str, Any] = {
            "template": yaml.load((TEMPLATE / "template.yaml").read_text()),
            "values": yaml.load((TEMPLATE / "values.example.yaml").read_text()),
            "directoryContents": files,
        }

        def post() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
                httpx.post(
                    f"{self.url}/v2/dry-run", json=body, timeout=120,
                    headers={"Authorization": f"Bearer {TOKEN}"},
                )  # fmt: skip

        thread = threading.Thread(target=post, daemon=True)
        thread.start()
        return thread

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """As Ctrl-C does: the server closes its services, its work folder with them."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(find: Any, deadline_s: float = 60) -> Any:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        found = find()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def process_folders(work: Path) -> set[str]:
    return {p.name for p in work.iterdir() if p.is_dir()}


def test_a_killed_servers_folder_is_swept_at_the_next_start_a_live_ones_never(
    config_file: Path, tmp_path: Path
) -> None:
    work = tmp_path / "data" / "work"
    first = Server(config_file)
    servers = [first]
    try:
        first.dry_run_in_background()
        skeleton = wait_for(lambda: list(work.glob("p*/dry-run-*/template/template.yaml")))
        in_flight = skeleton[0].parent.parent
        owner = in_flight.parent
        assert owner.name.startswith(f"p{first.process.pid}-")

        second = Server(config_file)  # starts (and sweeps) while the first one is busy
        servers.append(second)
        assert in_flight.is_dir(), "a live server's folder was swept"
        assert len(process_folders(work)) == 2

        first.kill()  # mid dry-run: nothing of ours runs to remove the folder
        assert in_flight.is_dir()
        third = Server(config_file)
        servers.append(third)
        assert not owner.exists() and not Path(f"{owner}.lock").exists()
        survivors = process_folders(work)
        assert len(survivors) == 2
        assert all(not name.startswith(f"p{first.process.pid}-") for name in survivors)

        second.stop()
        third.stop()
        assert list(work.iterdir()) == []  # clean stops leave nothing either
    finally:
        for server in servers:
            server.stop()


HOLDER = """
import sys, time
from pathlib import Path
from pagerduty_actions.work_area import WorkArea
area = WorkArea.claim(Path(sys.argv[1]))
folder = area.mkdtemp("lint-")
(folder / "half-written.yaml").write_text("x")
print(folder, flush=True)
time.sleep(600)
"""


def hold_a_work_folder(data: Path) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def test_sweep_spares_a_live_holder_and_takes_a_killed_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    live, live_folder = hold_a_work_folder(data)
    dead, dead_folder = hold_a_work_folder(data)
    try:
        dead.kill()
        dead.wait(timeout=30)
        area = WorkArea.claim(data)  # the next start, in this process
        try:
            assert not dead_folder.parent.exists()
            assert (live_folder / "half-written.yaml").read_text() == "x"
            assert sweep(data / "work") == []  # nothing more to take while the holder lives
            assert area.mkdtemp("dry-run-").parent == area.folder
        finally:
            area.close()
        assert not area.folder.exists()
        assert live_folder.exists()
    finally:
        live.kill()
        live.wait(timeout=30)
    assert sweep(data / "work") == [live_folder.parent.name]  # dead now: taken too
    assert list((data / "work").iterdir()) == []


def test_sweep_leaves_what_is_not_ours(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("mine")
    (work / "p12-cache").mkdir()
    orphan = work / "p4242-20240101T000000Z-0123abcd"  # a folder whose lock is gone
    orphan.mkdir()
    (orphan / "x").write_text("x")
    assert sweep(work) == [orphan.name]
    assert sorted(p.name for p in work.iterdir()) == ["notes.txt", "p12-cache"]


def test_an_unwritable_data_dir_is_a_start_up_error(tmp_path: Path) -> None:
    from pagerduty_actions.bootstrap import build_services
    from pagerduty_actions.config import validate_config
    from pagerduty_actions.errors import StartupError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    config = validate_config(
        {"dataDir": str(blocker), "database": {"url": f"sqlite:///{tmp_path}/db.sqlite"}}
    )
    with pytest.raises(StartupError, match=r"dataDir .* set dataDir"):
        build_services(config)


def test_a_relative_data_dir_gives_an_absolute_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git runs inside these folders: a relative ``.data/work/...`` would be read from there
    (the annotate action cloned into a nested folder and found no catalog file)."""
    monkeypatch.chdir(tmp_path)
    area = WorkArea.claim(Path(".data"))
    try:
        assert area.folder.is_absolute()
        assert area.folder.parent == tmp_path / ".data" / "work"
        assert area.mkdtemp("scm-").is_absolute()
    finally:
        area.close()
