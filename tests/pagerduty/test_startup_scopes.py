"""#10.5 at start-up: a server whose OAuth app lacks a scope our actions need says so, by name,
in its log and on /readyz, before any action fails with PagerDuty's 403."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import validate_config
from pagerduty_actions.pagerduty import REQUIRED_SCOPES
from pagerduty_actions.sandbox import OAuthClient, SandboxServer, sandbox_server
from pagerduty_actions.server import create_app

SECRET = "startup-secret-7c6d5e4f3a2b"


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with sandbox_server() as server:
        yield server


def oauth_config(sandbox: SandboxServer, tmp_path: Path, client_id: str) -> dict[str, Any]:
    return {
        "dataDir": str(tmp_path / "data"),
        "database": {"url": f"sqlite:///{tmp_path}/db.sqlite"},
        "auth": {"tokens": [{"name": "t", "token": "startup-test-token-0123456789"}]},
        "pagerDuty": {
            "apiBaseUrl": sandbox.base_url,
            "eventsBaseUrl": sandbox.events_url,
            "oauth": {
                "clientId": client_id,
                "clientSecret": SECRET,
                "subDomain": "sandbox",
                "identityUrl": sandbox.oauth_token_url,
            },
        },
    }


def readyz_checks(sandbox: SandboxServer, tmp_path: Path, client_id: str) -> dict[str, Any]:
    config = validate_config(oauth_config(sandbox, tmp_path, client_id), "test")
    services = build_services(config)
    try:
        app = create_app(config, services=services)
        response = app.test_client().get("/readyz")
        assert response.status_code == 200  # survivable: the server still serves
        return dict(response.json["checks"])
    finally:
        services.close()


def test_missing_scopes_are_named_in_the_log_and_on_readyz(
    sandbox: SandboxServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    granted = set(REQUIRED_SCOPES) - {"services.write"}
    sandbox.state.add_oauth_client(OAuthClient("narrow", SECRET, "default", granted))
    with caplog.at_level(logging.ERROR, logger="pagerduty_actions.startup"):
        checks = readyz_checks(sandbox, tmp_path, "narrow")
    problem = checks["pagerduty:default"]
    assert "lacks the scopes services.write" in problem
    assert "abilities.read" not in problem  # only what is really missing
    assert any("services.write" in r.getMessage() for r in caplog.records)
    assert SECRET not in caplog.text + str(checks)


def test_a_fully_scoped_app_reports_nothing(sandbox: SandboxServer, tmp_path: Path) -> None:
    sandbox.state.add_oauth_client(OAuthClient("full", SECRET, "default", set(REQUIRED_SCOPES)))
    assert readyz_checks(sandbox, tmp_path, "full") == {"database": "ok"}


def test_a_refused_token_is_reported_not_fatal(
    sandbox: SandboxServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.state.add_oauth_client(OAuthClient("useless", SECRET, "default", {"teams.read"}))
    with caplog.at_level(logging.ERROR, logger="pagerduty_actions.startup"):
        checks = readyz_checks(sandbox, tmp_path, "useless")
    assert "could not obtain an OAuth token" in checks["pagerduty"]
    assert "account 'default'" in checks["pagerduty"]
    assert SECRET not in caplog.text + str(checks)


def test_api_token_accounts_cost_no_start_up_call(sandbox: SandboxServer, tmp_path: Path) -> None:
    data = oauth_config(sandbox, tmp_path, "unused")
    data["pagerDuty"] = {"apiToken": "sandbox-token", "apiBaseUrl": sandbox.base_url}
    services = build_services(validate_config(data, "test"))
    services.close()
    assert services.startup_problems == {}
    assert sandbox.state.requests() == []
