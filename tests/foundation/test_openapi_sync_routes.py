"""The sync, settings and mapping routes answer as /openapi.json says: each request and each
response (200, 202, 204, 400, 403, 404, 409) is checked by openapi-core against the document
the server itself serves, so a shape changed in sync_api.py without the document fails here."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from werkzeug.test import TestResponse

from pagerduty_actions.store.leases import LeaseStore
from pagerduty_actions.sync.runs import LEASE_NAME

from .conftest import LIMITED_TOKEN, TOKEN

Auth = Callable[..., dict[str, str]]
HOST = "http://localhost"
STRATEGY = "/v2/settings/dependency-sync-strategy"
# The / of the entity ref percent-encoded: one path segment for the document's {entityRef};
# Flask decodes it before routing, as it would the / sent as is.
MAPPING = "/v2/mappings/component:default%2Fweb"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def spec(client: FlaskClient, auth: Auth) -> OpenAPI:
    return OpenAPI.from_dict(client.get("/openapi.json", headers=auth()).json)


def exchange(
    client: FlaskClient,
    spec: OpenAPI,
    method: str,
    path: str,
    body: Any = None,
    token: str = TOKEN,
    bad_input: bool = False,
) -> TestResponse:
    """Send one request; raise unless the response (and, unless it is ``bad_input`` on
    purpose, the request) is what the document says."""
    headers = {"Authorization": f"Bearer {token}"}
    response = client.open(path, method=method, json=body, headers=headers)
    data = json.dumps(body).encode() if body is not None else None
    request = MockRequest(
        HOST, method.lower(), path, headers=headers, data=data, content_type="application/json"
    )
    if not bad_input:
        spec.validate_request(request)
    spec.validate_response(
        request,
        MockResponse(
            response.data,
            status_code=response.status_code,
            headers=dict(response.headers),
            content_type=response.mimetype or "application/json",
        ),
    )
    return response


def test_settings_answer_as_documented(client: FlaskClient, spec: OpenAPI) -> None:
    first = exchange(client, spec, "GET", STRATEGY)
    assert first.status_code == 200 and first.json["stored"] is False
    stored = exchange(client, spec, "PUT", STRATEGY, {"value": "both"})
    assert stored.json == {"id": "dependency-sync-strategy", "value": "both", "stored": True}
    assert exchange(client, spec, "GET", STRATEGY).json["value"] == "both"
    assert exchange(client, spec, "GET", "/v2/settings/nope").status_code == 404


def test_mapping_overrides_answer_as_documented(
    client: FlaskClient,
    spec: OpenAPI,
    make_app: Callable[..., Flask],
    sqlite_url: str,
    tmp_path: Path,
) -> None:
    # No catalog configured here: an override cannot be checked, so it is refused.
    unchecked = exchange(client, spec, "PUT", MAPPING, {"serviceId": "PWEB001"})
    assert unchecked.status_code == 400
    assert unchecked.json["error"]["details"][0]["path"] == "$.entityRef"
    # ... and the listing says so in the documented error body.
    refused = exchange(client, spec, "GET", "/v2/mappings")
    assert refused.status_code == 400 and "no catalog" in refused.json["error"]["message"]

    catalog = tmp_path / "web.yaml"
    catalog.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: web}\n"
    )
    app = make_app(sqlite_url, catalog={"files": [str(catalog)]})
    with_catalog = app.test_client()
    account = app.extensions["pagerduty_actions"].services.sandbox.state.accounts["default"]
    policy = next(iter(account.escalation_policies))
    fields = {"name": "web", "escalation_policy": {"id": policy}}
    service_id = account.create_service(fields, unique_names=True)["id"]
    put = exchange(with_catalog, spec, "PUT", MAPPING, {"serviceId": service_id})
    assert put.json == {
        "entityRef": "component:default/web",
        "serviceId": service_id,
        "source": "override",
    }
    unknown = exchange(with_catalog, spec, "PUT", MAPPING, {"serviceId": "PNOSUCH"})
    assert unknown.status_code == 400
    assert unknown.json["error"]["details"][0]["path"] == "$.serviceId"
    unmapped = exchange(with_catalog, spec, "PUT", MAPPING, {"serviceId": None, "account": None})
    assert unmapped.json["serviceId"] is None
    assert exchange(with_catalog, spec, "DELETE", MAPPING).status_code == 204
    assert exchange(with_catalog, spec, "DELETE", MAPPING).status_code == 404
    bad = exchange(with_catalog, spec, "DELETE", "/v2/mappings/not a ref", bad_input=True)
    assert bad.status_code == 400


def test_the_mapping_listing_answers_as_documented(
    make_app: Callable[..., Flask], sqlite_url: str, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        "metadata: {name: web, annotations: {pagerduty.com/service-id: PWEB001}}\n"
        "spec: {type: service, owner: team-a, lifecycle: production}\n---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        "metadata: {name: docs}\nspec: {type: website, owner: team-a, lifecycle: production}\n"
    )
    client = make_app(sqlite_url, catalog={"files": [str(catalog)]}).test_client()
    spec = OpenAPI.from_dict(client.get("/openapi.json", headers=AUTH).json)
    listed = exchange(client, spec, "GET", "/v2/mappings").json
    by_ref = {m["entityRef"]: m for m in listed}
    assert by_ref["component:default/web"]["serviceId"] == "PWEB001"
    assert by_ref["component:default/docs"]["status"] == "unmapped"


def test_sync_runs_answer_as_documented(app: Flask, client: FlaskClient, spec: OpenAPI) -> None:
    assert exchange(client, spec, "GET", "/v2/sync/runs").json == []
    assert exchange(client, spec, "GET", "/v2/sync/runs/run_none").status_code == 404
    db = app.extensions["pagerduty_actions"].services.db
    owner = LeaseStore(db).acquire(LEASE_NAME, 60)  # another process's run
    assert owner is not None
    busy = exchange(client, spec, "POST", "/v2/sync", {"strategy": "disabled"})
    assert busy.status_code == 409 and busy.json["error"]["retryable"] is True
    LeaseStore(db).release(LEASE_NAME, owner)

    started = exchange(client, spec, "POST", "/v2/sync", {"strategy": "disabled"})
    assert started.status_code == 202
    run_id = started.json["runId"]
    for thread in threading.enumerate():  # a disabled run reads nothing and ends at once
        if thread.name == f"sync-{run_id}":
            thread.join(10)
            assert not thread.is_alive()
    run = exchange(client, spec, "GET", f"/v2/sync/runs/{run_id}").json
    assert run["status"] == "succeeded" and run["report"]["strategy"] == "disabled"
    listed = exchange(client, spec, "GET", "/v2/sync/runs").json
    assert [r["id"] for r in listed] == [run_id] and "report" not in listed[0]


def test_sync_route_errors_answer_as_documented(client: FlaskClient, spec: OpenAPI) -> None:
    unknown = exchange(client, spec, "POST", "/v2/sync", {"strategy": "sometimes"}, bad_input=True)
    assert unknown.status_code == 400
    refused = exchange(client, spec, "GET", "/v2/sync/runs", token=LIMITED_TOKEN)
    assert refused.status_code == 403
    bad_value = exchange(client, spec, "PUT", STRATEGY, {"value": "sometimes"}, bad_input=True)
    assert bad_value.status_code == 400
