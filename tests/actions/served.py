"""``pagerduty-actions serve`` in a process of its own, PagerDuty played by the test's sandbox:
for the tests that need a real server (kill it, or load its worker threads)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer

TOKEN = "actions-test-token-0123456789"


def serve(
    pd: SandboxServer, database_url: str, folder: Path, **extra: Any
) -> tuple[subprocess.Popen[str], str]:
    """Start the server on a free port; returns the process and its base URL. The caller
    stops it (``kill`` + ``wait``)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        # merged, so a test that sets other server keys still gets a free port
        "server": {"host": "127.0.0.1", "port": 0, **extra.pop("server", {})},
        "dataDir": str(folder / "data"),
        "database": {"url": database_url},
        "auth": {"tokens": [{"name": "backstage", "token": TOKEN}]},
        "pagerDuty": {
            "apiToken": DEFAULT_TOKEN,
            "apiBaseUrl": pd.base_url,
            "eventsBaseUrl": pd.events_url,
        },
        **extra,
    }
    path = folder / "config.yaml"
    path.write_text(json.dumps(config))
    env = {k: v for k, v in os.environ.items() if k != "PAGERDUTY_ACTIONS_CONFIG"}
    with (folder / "stderr.log").open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "pagerduty_actions", "serve", "--config", str(path)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert " listening on " in line, (folder / "stderr.log").read_text()
    return process, line.split(" listening on ")[1].split()[0]
