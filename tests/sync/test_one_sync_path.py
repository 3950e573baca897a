"""One sync operation (#14.4): the action and ``POST /v2/sync`` refuse the same inputs with the
same error and the same field paths, because both call ``sync/service.py``, which checks the
action's own input schema. That no module imports from a layer above its own is the import
contracts' job (pyproject.toml, tests/foundation/test_import_contracts.py)."""

from __future__ import annotations

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
