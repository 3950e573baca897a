"""Without PagerDuty credentials the server runs against the built-in sandbox, and says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import validate_config


def test_services_without_credentials_use_a_sandbox(tmp_path: Path) -> None:
    config = validate_config(
        {"dataDir": str(tmp_path), "database": {"url": f"sqlite:///{tmp_path}/d.db"}}
    )
    services = build_services(config)
    try:
        assert services.sandbox_mode
        client = services.pagerduty_client()
        assert client.account.api_base_url == services.sandbox.base_url
        policies = client.get("/escalation_policies")["escalation_policies"]
        assert [p["name"] for p in policies] == ["Default", "Platform On-Call"]
    finally:
        services.close()


def test_services_with_credentials_do_not_start_a_sandbox(tmp_path: Path) -> None:
    config = validate_config(
        {
            "dataDir": str(tmp_path),
            "database": {"url": f"sqlite:///{tmp_path}/d.db"},
            "pagerDuty": {
                "apiToken": "u+realistic-token",
                "apiBaseUrl": "https://api.eu.pagerduty.com",
            },
        }
    )
    services = build_services(config)
    try:
        assert not services.sandbox_mode
        assert services.pagerduty_client().account.api_base_url == "https://api.eu.pagerduty.com"
    finally:
        services.close()


def test_sandbox_command_prints_both_urls_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "pagerduty_actions", "sandbox", "--token", "tok-1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        rest = process.stdout.readline().strip()
        events = process.stdout.readline().strip()
        assert rest.startswith("http://127.0.0.1:")
        assert events == rest + "/events"
        headers = {
            "Authorization": "Token token=tok-1",
            "Accept": "application/vnd.pagerduty+json;version=2",
        }
        response = httpx.get(f"{rest}/services", headers=headers)
        assert response.status_code == 200
        assert (
            httpx.get(f"{rest}/services", headers={"Authorization": "Token token=bad"}).status_code
            == 401
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
