"""Entity refs spelled every way Backstage accepts name one entity through the sync action
(the registry over HTTP, catalog files, the sandbox): a ``dependsOn`` entry without a namespace
is in its owner's namespace, without a kind it is a component, case never matters, and the
``entities`` scope and ``GET /v2/mappings`` read refs and annotations the same way. The one
normalisation (``catalog/entity_ref.py``) losing its lower-casing or a default fails these."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sync_world import IDS, make_services, pd_edges, seed, write_entity_files

from pagerduty_actions.sandbox import SandboxServer, sandbox_server
from pagerduty_actions.server import create_app

AUTH = {"Authorization": "Bearer sync-test-token-0123456789"}
ACTION = "/v2/actions/pagerduty:dependencies:sync"
# The seed's PagerDuty: checkout -> search, payments -> db, checkout -> legacy, search -> db.
SHOP = {
    "checkout": ("Shop", ["Payments", "default/DB", "resource:bucket"]),
    "payments": ("shop", []),
    "search": ("shop", ["COMPONENT:Shop/Checkout"]),
    "db": ("default", []),
}


def component(name: str, namespace: str, depends_on: list[str], **annotations: str) -> Any:
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
        "spec": {"type": "service", "owner": "team-a", "dependsOn": depends_on},
    }


def shop() -> list[Any]:
    return [
        component(name, namespace, deps, **{"pagerduty.com/service-id": IDS[name]})
        for name, (namespace, deps) in SHOP.items()
    ]


@contextmanager
def client_for(pd: SandboxServer, tmp_path: Path, docs: list[Any]) -> Iterator[FlaskClient]:
    write_entity_files(tmp_path / "catalog", docs)
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


@pytest.fixture
def client(pd: SandboxServer, tmp_path: Path) -> Iterator[FlaskClient]:
    with client_for(pd, tmp_path, shop()) as made:
        yield made


def sync(client: FlaskClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(ACTION, json=body, headers=AUTH)
    assert response.status_code == 200, response.json
    report: dict[str, Any] = response.json["output"]
    assert report["status"] == "succeeded", report
    return report


def test_pagerduty_follows_refs_in_any_spelling(client: FlaskClient, pd: SandboxServer) -> None:
    scope = ["Shop/Checkout", "shop/SEARCH", "Component:shop/payments"]
    report = sync(client, {"strategy": "backstage", "entities": scope})

    assert pd_edges(pd) == {
        ("checkout", "payments"),  # "Payments": the owner's namespace, kind component
        ("checkout", "db"),  # "default/DB": another namespace, any case
        ("search", "checkout"),  # "COMPONENT:Shop/Checkout"
        ("checkout", "legacy"),  # legacy has no component: unmanaged, kept
    }
    assert report["problems"] == []  # resource:bucket is not a component: nothing to sync
    reasons = {c["reason"] for c in report["changes"] if c["kind"] == "add"}
    assert reasons == {
        "shop/checkout depends on shop/payments in Backstage; PagerDuty lacks the dependency",
        "shop/checkout depends on db in Backstage; PagerDuty lacks the dependency",
        "shop/search depends on shop/checkout in Backstage; PagerDuty lacks the dependency",
    }
    assert sync(client, {"strategy": "backstage"})["changes"] == []


def test_entries_proposed_from_pagerduty_are_written_in_the_shortest_resolving_form(
    client: FlaskClient,
) -> None:
    report = sync(client, {"strategy": "pagerduty", "dryRun": True})
    edits = {
        c["entityRef"]: (c["added"], c["removed"], c["dependsOn"])
        for c in report["changes"]
        if c["side"] == "backstage"
    }
    assert edits == {
        "component:shop/checkout": (
            ["component:search"],  # same namespace as checkout: the name only
            ["Payments", "default/DB"],  # removed as written
            ["resource:bucket", "component:search"],
        ),
        "component:shop/payments": (["component:default/db"], [], ["component:default/db"]),
        "component:shop/search": (
            ["component:default/db"],
            ["COMPONENT:Shop/Checkout"],
            ["component:default/db"],
        ),
    }


def test_a_blank_service_id_is_no_service_id_for_the_key_lookup_too(
    tmp_path: Path,
) -> None:
    """The mapping reads a blank ``service-id`` as none and falls back to the integration key;
    the run's one key listing is made by the same reading (it was skipped, and the key then
    reported as owned by no service)."""
    document = seed()
    legacy = next(s for s in document["accounts"][0]["services"] if s["id"] == IDS["legacy"])
    legacy["integrations"] = [{"vendor": "PRO19CT"}]
    with sandbox_server(document) as pd:
        account = pd.state.accounts["default"]
        key = next(i["integration_key"] for i in account.integrations.values())
        annotations = {"pagerduty.com/service-id": "  ", "pagerduty.com/integration-key": key}
        docs = [*shop(), component("legacy", "default", [], **annotations)]
        with client_for(pd, tmp_path, docs) as client:
            listed = client.get("/v2/mappings", headers=AUTH)
            assert listed.status_code == 200, listed.json
            entry = next(e for e in listed.json if e["entityRef"] == "component:default/legacy")
            assert (entry["serviceId"], entry["status"], entry["source"]) == (
                IDS["legacy"],
                "mapped",
                "annotation:integration-key",
            )
            report = sync(client, {"strategy": "backstage", "dryRun": True})
            assert report["counts"]["byStatus"]["mapped"] == 5
