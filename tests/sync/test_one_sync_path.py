"""One sync operation (#14.4): the action and ``POST /v2/sync`` refuse the same inputs with the
same error and the same field paths, because both call ``sync/service.py``, which checks the
action's own input schema; and no module imports from a layer above its own."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sync_world import entities, make_services, pd_writes, write_entity_files

from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.server import create_app

TOKEN = "sync-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ACTION = "/v2/actions/pagerduty:dependencies:sync"

BAD_INPUTS: list[Any] = [
    {"entities": "abc", "dryRun": "no"},  # the route took this (202, a dry run) before
    {"strategy": "sideways"},
    {"strategy": None},
    {"strategies": "both"},
    {"entities": ["a:b:c"]},
    {"entities": ["component:default/ok", "x/y/z"]},
    {"entities": [""]},
    {"entities": ["checkout", "checkout"]},
    {"entities": [1]},
    {"account": ""},
    {"account": 5},
    {"dryRun": 1},
    {"strategy": "both", "dryRun": "true", "extra": {}},
    [],
    "both",
]


@pytest.fixture
def client(pd: SandboxServer, tmp_path: Path) -> Iterator[FlaskClient]:
    write_entity_files(tmp_path / "catalog", entities())
    services = make_services(
        pd,
        f"sqlite:///{tmp_path}/db.sqlite",
        tmp_path / "data",
        catalog={"files": [str(tmp_path / "catalog/*.yaml")]},
    )
    try:
        yield create_app(services.config, services=services).test_client()
    finally:
        services.close()


@pytest.mark.parametrize("body", BAD_INPUTS, ids=[repr(b) for b in BAD_INPUTS])
def test_the_action_and_the_route_refuse_the_same_inputs_the_same_way(
    client: FlaskClient, pd: SandboxServer, body: Any
) -> None:
    action = client.post(ACTION, json=body, headers=AUTH)
    route = client.post("/v2/sync", json=body, headers=AUTH)
    assert action.status_code == route.status_code == 400, (action.json, route.json)
    assert action.json["error"] == route.json["error"]
    assert route.json["error"]["details"], "each refusal names the field"
    assert client.get("/v2/sync/runs", headers=AUTH).json == []  # nothing was started
    assert pd.state.requests() == []


def test_the_input_check_names_every_field(client: FlaskClient) -> None:
    refused = client.post("/v2/sync", json={"entities": "abc", "dryRun": "no"}, headers=AUTH)
    assert [d["path"] for d in refused.json["error"]["details"]] == ["$.dryRun", "$.entities"]
    assert refused.json["error"]["message"].startswith(
        "invalid input for pagerduty:dependencies:sync: $.dryRun: 'no' is not of type 'boolean'"
    )


def test_a_valid_input_is_accepted_by_both(client: FlaskClient, pd: SandboxServer) -> None:
    body = {"strategy": "backstage", "dryRun": True, "entities": ["Component:default/Checkout"]}
    action = client.post(ACTION, json=body, headers=AUTH)
    assert action.status_code == 200, action.json
    assert action.json["output"]["dryRun"] is True
    assert action.json["output"]["status"] == "succeeded"
    route = client.post("/v2/sync", json=body, headers=AUTH)
    assert route.status_code == 202, route.json
    assert pd_writes(pd) == []


# -- layers ------------------------------------------------------------------------------------

SOURCE = Path(__file__).resolve().parents[2] / "src" / "pagerduty_actions"
ENTRY_POINTS = {"server", "cli", "cli_sync", "cli_template", "__main__"}
# package -> the packages and modules above it, which it must never import
ABOVE: dict[str, set[str]] = {
    "handlers": {"registry", *ENTRY_POINTS},
    "sync": {"handlers", "registry", *ENTRY_POINTS},
    **{
        adapter: {"sync", "handlers", "registry", "templating", *ENTRY_POINTS}
        for adapter in ("catalog", "pagerduty", "scm", "store")
    },
}


def _imported(package: list[str], text: str) -> Iterator[tuple[int, str]]:
    """(line, top-level name under pagerduty_actions) of every project import in ``text``, a
    module of ``package`` (its folder parts under pagerduty_actions)."""
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.startswith("pagerduty_actions."):
                target = node.module.split(".")[1:]
            else:
                continue
            for name in target[:1] or [alias.name for alias in node.names]:
                yield node.lineno, name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pagerduty_actions."):
                    yield node.lineno, alias.name.split(".")[1]


def upward_imports(package: str) -> list[str]:
    found = []
    for module in sorted((SOURCE / package).rglob("*.py")):
        parts = list(module.relative_to(SOURCE).parts[:-1])
        for line, name in _imported(parts, module.read_text(encoding="utf-8")):
            if name in ABOVE[package]:
                found.append(f"{module.relative_to(SOURCE)}:{line} imports {name}")
    return found


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    assert [found for package in ABOVE for found in upward_imports(package)] == []


def test_the_layer_check_sees_the_imports_it_forbids() -> None:
    """The two imports #14 named are seen, and the relative forms resolve as Python does."""
    sync_runs = "from ..handlers.errors import ERROR_MAPPERS\nfrom . import service\n"
    assert list(_imported(["sync"], sync_runs)) == [(1, "handlers"), (2, "sync")]
    catalog_files = "from ..sync.model import Location\nfrom .errors import CatalogError\n"
    assert list(_imported(["catalog"], catalog_files)) == [(1, "sync"), (2, "catalog")]
    top = "from .. import pagerduty as pd\nimport pagerduty_actions.server.app\n"
    assert list(_imported(["handlers"], top)) == [(1, "pagerduty"), (2, "server")]
    assert "handlers" in ABOVE["sync"] and "sync" in ABOVE["catalog"]
