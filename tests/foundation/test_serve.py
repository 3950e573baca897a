"""`pagerduty-actions serve` with no config, as `make serve` runs it on a fresh machine."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx


def start(
    data_dir: Path, preexec_fn: Callable[[], None] | None = None
) -> tuple[subprocess.Popen[str], str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PAGERDUTY_ACTIONS_CONFIG"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pagerduty_actions",
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=preexec_fn,
    )
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(4)]
    url = lines[0].split(" listening on ")[1].split()[0]
    token = lines[2].split("token:")[1].strip()
    return process, url, token


def test_serve_generates_a_local_token_and_answers(tmp_path: Path) -> None:
    process, url, token = start(tmp_path)
    try:
        assert url.startswith("http://127.0.0.1:")
        assert token.startswith("pda_")
        ok = httpx.get(f"{url}/v2/actions", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        assert isinstance(ok.json(), list)
        assert httpx.get(f"{url}/v2/actions").status_code == 401
        assert httpx.get(f"{url}/readyz").status_code == 200
        stored = (tmp_path / "local-token").read_text().strip()
        assert stored == token
        assert oct((tmp_path / "local-token").stat().st_mode & 0o777) == "0o600"
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    assert token not in err  # the access log never carries the token


def test_serve_keeps_the_same_local_token_across_restarts(tmp_path: Path) -> None:
    first, _, token1 = start(tmp_path)
    first.terminate()
    first.communicate(timeout=20)
    second, _, token2 = start(tmp_path)
    second.terminate()
    second.communicate(timeout=20)
    assert token1 == token2
