"""The integration key of a card's look-up and trigger never reaches our logs, whatever the
outcome: a real ``serve`` process at DEBUG level, its whole stderr read afterwards. The key is
not hex, so the redaction of hex-shaped keys cannot be what hides it."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from pagerduty_actions.sandbox import SandboxServer, sandbox_server

sys.path.insert(0, str(Path(__file__).parents[1] / "actions"))

from card_world import seed
from served import TOKEN, serve

KEY = "R0keynotlogged0xyzwvutsrqponmlkj"  # 32 letters and digits, not hex


def test_the_integration_key_never_reaches_our_logs(tmp_path: Path, sqlite_url: str) -> None:
    world = seed("acme", "us", "checkout", KEY, ("Ada Lovelace", "ada@example.com"))
    world["accounts"][0]["tokens"].append("sandbox-token")  # served.py's PagerDuty token
    with sandbox_server(world) as pd:
        process, url = serve(pd, sqlite_url, tmp_path / "srv", logging={"level": "DEBUG"})
        try:
            _exercise(pd, url)
        finally:
            process.kill()
            process.wait(timeout=10)
    log = (tmp_path / "srv" / "stderr.log").read_text()
    assert "/pagerduty-api/services" in log and "/pagerduty-api/enqueue" in log  # it did log
    assert KEY not in log
    assert KEY[:16] not in log and KEY[16:] not in log  # nor a piece of it


def _exercise(pd: SandboxServer, url: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=url, headers=auth, timeout=30) as client:
        look_up = "/pagerduty-api/services?include[]=integrations&query=" + KEY
        assert client.get(look_up).json()["services"][0]["name"] == "checkout"
        trigger = {
            "event_action": "trigger",
            "routing_key": KEY,
            "payload": {"summary": "down", "source": "backstage", "severity": "error"},
        }
        assert client.post("/pagerduty-api/enqueue", json=trigger).status_code == 202
        assert client.get(look_up + "%01").status_code == 400
        bad = {**trigger, "payload": {"summary": "x"}}
        assert client.post("/pagerduty-api/v2/enqueue", json=bad).status_code == 400
        pd.state.configure_faults(
            {"error_rules": [{"status": 500, "rate": 1.0, "method": "GET", "path": "/services"}]}
        )
        assert client.get(look_up.replace("include[]=integrations&", "")).status_code == 502
        pd.state.configure_faults({"error_rules": [{"status": 503, "rate": 1.0}]})
        assert client.post("/pagerduty-api/enqueue", json=trigger).status_code == 502
