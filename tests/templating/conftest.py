"""Fixtures for the templating tests: a renderer, a Backstage-like task context, and for the
template runner the real registry, sandbox-backed services and templates written to disk."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import validate_config
from pagerduty_actions.registry import Registry
from pagerduty_actions.services import Services
from pagerduty_actions.template_engine import TemplateRenderer


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


# -- template runner fixtures ------------------------------------------------------------


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The real registry, every shipped action."""
    return Registry.load()


@pytest.fixture(scope="session")
def action_inputs(registry: Registry) -> dict[str, Any]:
    return {spec.id: spec.input_schema for spec in registry.specs()}


@pytest.fixture
def sandbox_services(tmp_path: Path) -> Iterator[Services]:
    """Services as the CLI builds them without PagerDuty credentials: the built-in sandbox.

    Local git repositories under ``tmp_path`` are allowed (``integrations.local``), so a
    template whose example values name ``${BARE_GIT_REMOTE}`` can write to it."""
    config = validate_config(
        {"dataDir": str(tmp_path / "data"), "integrations": {"local": [{"root": str(tmp_path)}]}},
        "templating test config",
    )
    services = build_services(config)
    yield services
    services.close()


@pytest.fixture
def template_dir(tmp_path: Path) -> Callable[..., Path]:
    """``template_dir(yaml_text, files={path: text})`` -> the template.yaml path on disk."""

    def make(text: str, files: dict[str, str | bytes] | None = None) -> Path:
        root = tmp_path / "template"
        root.mkdir(exist_ok=True)
        for name, content in (files or {}).items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        path = root / "template.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return make
