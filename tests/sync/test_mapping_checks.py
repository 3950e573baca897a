"""``PUT /v2/mappings/{entityRef}`` stores only an override naming an entity the catalog has and
a service the account has (#15.9): it stored any ref and any id, so a typo sat in the table
claiming nothing (or a stranger's service) until some run's report. Real parts: the simulated
catalog API or catalog files, the PagerDuty sandbox over loopback HTTP, SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from backstage_catalog import CatalogServer
from flask import Flask
from sync_world import IDS, catalog_api, entities, make_services, write_entity_files

from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.server import create_app
from pagerduty_actions.services import Services
from pagerduty_actions.store.settings import MappingStore

AUTH = {"Authorization": "Bearer sync-test-token-0123456789"}
Put = Callable[[str, dict[str, Any]], Any]


@pytest.fixture
def make_app(pd: SandboxServer, tmp_path: Path, sqlite_url: str) -> Iterator[Callable[..., Flask]]:
    made: list[Services] = []

    def factory(**sections: Any) -> Flask:
        services = make_services(pd, sqlite_url, tmp_path / f"d{len(made)}", **sections)
        made.append(services)
        return create_app(services.config, services=services)

    yield factory
    for services in made:
        services.close()


def putter(app: Flask) -> Put:
    client = app.test_client()
    return lambda ref, body: client.put(f"/v2/mappings/{ref}", json=body, headers=AUTH)


def stored(app: Flask) -> dict[str, str | None]:
    return MappingStore(app.extensions["pagerduty_actions"].services.db).overrides()


def refused(response: Any, path: str, message: str) -> None:
    assert response.status_code == 400, response.json
    assert response.json["error"]["details"] == [{"path": path, "message": message}]
    assert response.json["error"]["message"] == f"mapping not stored: {path}: {message}"


def test_the_catalog_api_is_asked_for_the_one_entity(
    make_app: Callable[..., Flask], catalog_server: CatalogServer, pd: SandboxServer
) -> None:
    catalog_server.entities.extend(entities())
    app = make_app(backstage=catalog_api(catalog_server))
    put = putter(app)
    before = len(catalog_server.requests)
    refused(
        put("component:default/inventry", {"serviceId": IDS["legacy"]}),
        "$.entityRef",
        "component:default/inventry is not in the Backstage catalog",
    )
    [asked] = catalog_server.requests[before:]  # one query for one entity, not the catalog
    assert asked.query["filter"] == [
        "kind=component,metadata.namespace=default,metadata.name=inventry"
    ]
    pd_reads = len(pd.state.requests("GET", "/services/PLEGACY"))
    assert pd_reads == 0  # a refused entity costs no PagerDuty call
    refused(
        put("Inventory", {"serviceId": "PNOSUCH"}),
        "$.serviceId",
        "PagerDuty service PNOSUCH does not exist in account 'default'",
    )
    assert stored(app) == {}  # refusals change nothing
    ok = put("Inventory", {"serviceId": IDS["legacy"]})
    assert ok.status_code == 200, ok.json
    assert stored(app) == {"component:default/inventory": IDS["legacy"]}


def test_catalog_files_are_read_as_the_sync_reads_them(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    write_entity_files(tmp_path / "catalog", entities())
    app = make_app(catalog={"files": [str(tmp_path / "catalog" / "**" / "*.yaml")]})
    put = putter(app)
    refused(
        put("inventry", {"serviceId": None}),
        "$.entityRef",
        "component:default/inventry is not in catalog.files; did you mean "
        "component:default/inventory?",
    )
    assert put("inventory", {"serviceId": None}).status_code == 200
    assert stored(app) == {"component:default/inventory": None}


def test_without_a_catalog_the_override_cannot_be_checked(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    refused(
        putter(app)("checkout", {"serviceId": IDS["checkout"]}),
        "$.entityRef",
        "cannot check that component:default/checkout is in the catalog: no catalog is "
        "configured (set catalog.files or backstage.baseUrl)",
    )
    assert stored(app) == {}


def test_a_catalog_that_fails_is_an_upstream_error_not_a_refusal(
    make_app: Callable[..., Flask], catalog_server: CatalogServer
) -> None:
    catalog_server.entities.extend(entities())
    app = make_app(backstage=catalog_api(catalog_server))
    catalog_server.state.fail_next(503, times=10)
    response = putter(app)("inventory", {"serviceId": IDS["legacy"]})
    assert response.status_code == 502, response.json
    assert response.json["error"]["name"] == "UpstreamError"
    assert "backstage.baseUrl" in response.json["error"]["message"]
    assert stored(app) == {}
