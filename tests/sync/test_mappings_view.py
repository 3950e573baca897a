"""What ``GET /v2/mappings`` knows, as docs/sync.md states it: the catalog and the stored
overrides, with no PagerDuty read unless an integration key needs resolving. An override to a
service PagerDuty does not have therefore lists as ``mapped``; a run (a dry run will do) is
what reads the service and reports ``missing-service``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from backstage_catalog import CatalogServer
from sync_world import catalog_api, entities, make_services, pd_calls, pd_writes

from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.services import Services
from pagerduty_actions.store.settings import MappingStore
from pagerduty_actions.sync.engine import SyncEngine, SyncOptions
from pagerduty_actions.sync.mappings_view import current_mappings

GONE = "PGONE01"  # a well-formed id the sandbox account has never had


@pytest.fixture
def services(
    pd: SandboxServer, catalog_server: CatalogServer, sqlite_url: str, tmp_path: Path
) -> Iterator[Services]:
    catalog_server.entities.extend(entities())
    made = make_services(
        pd,
        sqlite_url,
        tmp_path / "data",
        backstage=catalog_api(catalog_server),
    )
    yield made
    made.close()


def test_an_override_to_an_unknown_service_lists_as_mapped_until_a_run_reads_it(
    services: Services, pd: SandboxServer
) -> None:
    assert services.db is not None
    MappingStore(services.db).put("component:default/inventory", GONE, None, by="test")
    before = pd_calls(pd)
    listed = {e["entityRef"]: e for e in current_mappings(services)}
    assert listed["component:default/inventory"] == {
        "entityRef": "component:default/inventory",
        "serviceId": GONE,
        "status": "mapped",
        "source": "override",
        "detail": "",
    }
    assert pd_calls(pd) == before  # no key to resolve: PagerDuty is not read at all

    report = SyncEngine(services).run(SyncOptions(strategy="backstage", dry_run=True))
    unmapped = {e["entityRef"]: e for e in report["unmapped"]}
    assert unmapped["component:default/inventory"]["status"] == "missing-service"
    assert GONE in unmapped["component:default/inventory"]["detail"]
    assert report["counts"]["byStatus"]["missing-service"] == 1
    assert pd_writes(pd) == []  # the dry run checked without writing
