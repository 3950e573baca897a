"""Start-up failures of `serve` and `sandbox`, in real processes: each is one line on stderr that
names the cause and the fix, exit code 2, never a traceback; and `make serve PORT=…` works."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 120  # seconds; a start-up that hangs instead of failing is a failure too


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PAGERDUTY_ACTIONS_CONFIG"}


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pagerduty_actions", *args],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=cwd,
        timeout=DEADLINE,
    )


def assert_one_line_failure(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Exit code 2, and stderr is exactly one line holding every ``expected`` text."""
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something else listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_busy_port_is_one_line_with_the_fix(tmp_path: Path, busy_port: int) -> None:
    result = run_cli("serve", "--port", str(busy_port), "--data-dir", "data", cwd=tmp_path)
    line = assert_one_line_failure(
        result,
        f"port {busy_port} is in use",
        "set server.port",
        f"`make serve PORT={busy_port + 1}`",
    )
    assert line.startswith("Error: ")
    # Failed before anything was set up: the database was not created.
    assert not (tmp_path / "data" / "pagerduty-actions.db").exists()


def test_busy_port_in_json_mode_is_one_json_object(tmp_path: Path, busy_port: int) -> None:
    result = run_cli(
        "serve", "--port", str(busy_port), "--data-dir", "data", "--log-format", "json",
        cwd=tmp_path,
    )  # fmt: skip
    line = assert_one_line_failure(result, f"port {busy_port} is in use")
    record = json.loads(line)
    assert record["level"] == "CRITICAL"
    assert f"`make serve PORT={busy_port + 1}`" in record["message"]


def test_busy_port_from_the_config_file(tmp_path: Path, busy_port: int) -> None:
    config = write_config(
        tmp_path / "config.yaml", f"server: {{port: {busy_port}}}\ndataDir: data\n"
    )
    result = run_cli("serve", "--config", str(config), cwd=tmp_path)
    assert_one_line_failure(result, f"port {busy_port} is in use", "set server.port")


def test_invalid_config_is_one_line_naming_the_key_and_the_check(tmp_path: Path) -> None:
    config = write_config(tmp_path / "bad.yaml", "server: {port: seven}\nlogging: {level: LOUD}\n")
    result = run_cli("serve", "--config", str(config), cwd=tmp_path)
    assert_one_line_failure(
        result,
        "$.server.port",
        "$.logging.level",
        f"pagerduty-actions config check {config}",
    )


def test_missing_config_file_is_one_line(tmp_path: Path) -> None:
    result = run_cli("serve", "--config", "nowhere.yaml", cwd=tmp_path)
    assert_one_line_failure(result, "nowhere.yaml", "cannot read the file")


def test_unreachable_database_is_one_line_naming_database_url(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    config = write_config(
        tmp_path / "config.yaml",
        f"database: {{url: 'postgresql+psycopg://someone:pw-0123456789@127.0.0.1:{dead}/x'}}\n"
        "dataDir: data\n",
    )
    result = run_cli("serve", "--config", str(config), "--port", "0", cwd=tmp_path)
    line = assert_one_line_failure(result, "unreachable", "database.url")
    assert "pw-0123456789" not in line


def test_data_dir_that_cannot_be_used_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    result = run_cli("serve", "--port", "0", "--data-dir", "a-file/data", cwd=tmp_path)
    assert_one_line_failure(result, "dataDir a-file/data", "set dataDir (or serve --data-dir)")
    result = run_cli("serve", "--port", "0", "--data-dir", "a-file", cwd=tmp_path)
    assert_one_line_failure(result, "dataDir a-file", "it is a file, not a folder")


def test_address_not_of_this_machine_is_one_line(tmp_path: Path) -> None:
    # 203.0.113.0/24 is TEST-NET-3 (RFC 5737): never an address of this machine.
    result = run_cli(
        "serve", "--host", "203.0.113.9", "--port", "0", "--data-dir", "data", cwd=tmp_path
    )
    assert_one_line_failure(result, "203.0.113.9", "not an address of this machine", "server.host")


def test_sandbox_busy_port_is_one_line(tmp_path: Path, busy_port: int) -> None:
    result = run_cli("sandbox", "--port", str(busy_port), cwd=tmp_path)
    assert_one_line_failure(
        result, f"port {busy_port} is in use", f"sandbox --port {busy_port + 1}"
    )
    assert result.stdout == ""  # no URL printed for a sandbox that is not there


def test_sandbox_bad_seed_file_is_one_line(tmp_path: Path) -> None:
    seed = write_config(tmp_path / "seed.yaml", "services: [\n")
    result = run_cli("sandbox", "--seed", str(seed), cwd=tmp_path)
    assert_one_line_failure(result, f"seed file {seed}", "--seed")
    seed.write_text(
        "accounts: [{name: a, subdomain: a, services: [{name: api, escalation_policy: nobody}]}]\n"
    )
    result = run_cli("sandbox", "--seed", str(seed), cwd=tmp_path)
    assert_one_line_failure(result, f"seed file {seed}", "nobody")


def test_sandbox_broken_state_file_is_one_line(tmp_path: Path) -> None:
    state = write_config(tmp_path / "state.json", "{")
    result = run_cli("sandbox", "--persist", str(state), cwd=tmp_path)
    assert_one_line_failure(result, f"state file {state}", "delete it")


def test_sandbox_state_file_in_a_folder_that_cannot_be_used_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    result = run_cli("sandbox", "--persist", "a-file/state.json", cwd=tmp_path)
    assert_one_line_failure(result, "a-file", "not a folder", "--persist")


def test_make_serve_passes_port(tmp_path: Path) -> None:
    """`make serve PORT=…` listens on that port (the venv is taken as built: no reinstall)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = write_config(tmp_path / "config.yaml", f"dataDir: {tmp_path / 'data'}\n")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "-o", ".venv/.installed-stamp", "serve",
         f"PORT={port}", f"CONFIG={config}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
        start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        banner = ""
        for line in process.stdout:  # make echoes the command first
            if " listening on " in line:
                banner = line
                break
        assert f" listening on http://127.0.0.1:{port} " in banner
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=DEADLINE)
