"""Fixtures for the templating tests: one renderer and a Backstage-like task context."""

from __future__ import annotations

from typing import Any

import pytest

from pagerduty_actions.templating import TemplateRenderer


@pytest.fixture(scope="session")
def renderer() -> TemplateRenderer:
    return TemplateRenderer()


@pytest.fixture
def context() -> dict[str, Any]:
    return {
        "parameters": {
            "name": "payments",
            "count": 3,
            "ratio": 0.5,
            "enabled": True,
            "disabled": False,
            "empty": "",
            "nothing": None,
            "tags": ["api", "payments"],
            "owner": "group:default/team-a",
            "repoUrl": "github.com?owner=acme&repo=payments",
            "nested": {"escalation": {"id": "P123"}, "zero": 0},
            "title": "the payments service",
        },
        "steps": {
            "create-service": {"output": {"serviceId": "PSVC1"}},
            "fetch": {"output": {"code": 200, "body": {"output": {"serviceId": "PSVC2"}}}},
        },
        "user": {"ref": "user:default/alice", "entity": {"metadata": {"name": "alice"}}},
        "secrets": {"token": "s3cr3t-token-value"},
        "each": {"key": "0", "value": "api"},
    }
