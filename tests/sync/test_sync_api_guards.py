"""The sync's HTTP routes refuse early: a token limited to other actions gets 403 on every one
of them (as it would running the action), and a run with no catalog to read is a 400 at once
instead of a 202 whose background run fails later."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sync_world import make_services

from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.server import create_app
from pagerduty_actions.store.sync_runs import SyncRunStore

FULL = "full-sync-token-0123456789"
LIMITED = "service-only-token-0123456789"
TOKENS = [
    {"name": "platform", "token": FULL},
    {"name": "templates", "token": LIMITED, "actions": ["pagerduty:service:*"]},
]


def client_for(pd: SandboxServer, tmp_path: Path, **sections: Any) -> Iterator[FlaskClient]:
    services = make_services(
        pd,
        f"sqlite:///{tmp_path}/db.sqlite",
        tmp_path / "data",
        auth={"tokens": TOKENS},
        **sections,
    )
    try:
        yield create_app(services.config, services=services).test_client()
    finally:
        services.close()


@pytest.fixture
def no_catalog(pd: SandboxServer, tmp_path: Path) -> Iterator[FlaskClient]:
    yield from client_for(pd, tmp_path)


def call(client: FlaskClient, method: str, path: str, token: str, body: Any = None) -> Any:
    return client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {token}"})


ROUTES = [
    ("POST", "/v2/sync", {"strategy": "disabled"}),
    ("GET", "/v2/sync/runs", None),
    ("GET", "/v2/sync/runs/run_x", None),
    ("GET", "/v2/settings/dependency-sync-strategy", None),
    ("PUT", "/v2/settings/dependency-sync-strategy", {"value": "both"}),
    ("GET", "/v2/mappings", None),
    ("PUT", "/v2/mappings/component:default/web", {"serviceId": "PWEB001"}),
    ("DELETE", "/v2/mappings/component:default/web", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_token_limited_to_other_actions_may_not_steer_the_sync(
    no_catalog: FlaskClient, method: str, path: str, body: Any
) -> None:
    refused = call(no_catalog, method, path, LIMITED, body)
    assert refused.status_code == 403, refused.json
    assert "pagerduty:dependencies:sync" in refused.json["error"]["message"]
    assert call(no_catalog, method, path, FULL, body).status_code != 403


def test_nothing_changed_by_a_refused_token(no_catalog: FlaskClient) -> None:
    call(no_catalog, "PUT", "/v2/settings/dependency-sync-strategy", LIMITED, {"value": "both"})
    setting = call(no_catalog, "GET", "/v2/settings/dependency-sync-strategy", FULL).json
    assert setting["value"] != "both"


def test_no_catalog_is_a_400_before_any_run_is_recorded(
    no_catalog: FlaskClient, pd: SandboxServer
) -> None:
    refused = call(no_catalog, "POST", "/v2/sync", FULL, {"strategy": "backstage"})
    assert refused.status_code == 400
    assert "catalog.files" in refused.json["error"]["message"]
    assert call(no_catalog, "GET", "/v2/sync/runs", FULL).json == []
    # A disabled run reads nothing, so it needs no catalog.
    assert call(no_catalog, "POST", "/v2/sync", FULL, {"strategy": "disabled"}).status_code == 202
    assert pd.state.requests() == []


def test_the_lease_is_not_taken_by_a_refused_start(no_catalog: FlaskClient, tmp_path: Path) -> None:
    call(no_catalog, "POST", "/v2/sync", FULL, {"strategy": "both"})
    again = call(no_catalog, "POST", "/v2/sync", FULL, {"strategy": "both"})
    assert again.status_code == 400  # not 409: the first refusal held no lease
    assert no_catalog.application.extensions["pagerduty_actions"].services.db is not None
    db = no_catalog.application.extensions["pagerduty_actions"].services.db
    assert SyncRunStore(db).recent() == []


def test_a_null_strategy_is_refused_as_the_action_refuses_it(no_catalog: FlaskClient) -> None:
    refused = call(no_catalog, "POST", "/v2/sync", FULL, {"strategy": None})
    assert refused.status_code == 400
    assert [d["path"] for d in refused.json["error"]["details"]] == ["$.strategy"]
    assert "$.strategy: null is not a sync strategy (allowed: " in refused.json["error"]["message"]
