"""``/ui/mappings``: each row's state, filter and search, paging, auto-match suggestions with
reasons, and accepting two of one repository -> one pull-request branch with both
annotations, shown as "pull request open" until the catalog has them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import respx
from flask.testing import FlaskClient
from ruamel.yaml import YAML
from ui_client import build_app, csrf_of, sign_in
from ui_world import World, git, github_env, make_world

from pagerduty_actions.admin.rows import Row, ServiceInfo, Table, build_rows, select
from pagerduty_actions.catalog.component import CatalogEntity
from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.sync.model import MappingEntry, MappingStatus


def rows_of(html: str) -> dict[str, str]:
    """Each table row's key -> its text (tags dropped)."""
    out = {}
    for key, body in re.findall(r'<tr data-row="([^"]+)">(.*?)</tr>', html, re.S):
        out[key] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()
    return out


def test_every_component_and_unclaimed_service_has_its_state(admin: FlaskClient) -> None:
    rows = rows_of(admin.get("/ui/mappings").text)
    assert "mapped in source" in rows["component:default/checkout"]
    assert "override only" in rows["component:default/search"]
    assert "unmapped" in rows["component:default/inventory"]
    assert "conflict" in rows["component:default/legacy-ui"]
    assert "PGONE01" in rows["component:default/legacy-ui"]
    assert "conflict" in rows["component:default/reports-a"]
    assert "also claimed by component:default/reports-b" in rows["component:default/reports-a"]
    assert "unmapped" in rows["service:PORPHAN"]  # a service no component claims
    assert "service:PCHKOUT" not in rows  # claimed: shown on its component's row


def test_suggestions_show_score_confidence_and_reasons(admin: FlaskClient) -> None:
    rows = rows_of(admin.get("/ui/mappings?suggested=1").text)
    assert set(rows) == {"component:default/inventory", "component:default/billing"}
    billing = rows["component:default/billing"]
    assert "PBILLNG — 100 (exact)" in billing
    assert "same name: 85 points" in billing and "same team: +10" in billing
    inventory = rows["component:default/inventory"]  # "Inventory Service" -> "inventory"
    assert "PINVTRY — 100 (exact)" in inventory


def test_filter_and_search(admin: FlaskClient) -> None:
    conflicts = rows_of(admin.get("/ui/mappings?state=conflict").text)
    assert set(conflicts) == {
        "component:default/legacy-ui",
        "component:default/reports-a",
        "component:default/reports-b",
    }
    found = rows_of(admin.get("/ui/mappings?q=orphan+queue").text)
    assert set(found) == {"service:PORPHAN"}
    assert admin.get("/ui/mappings?state=bogus").status_code == 400


def test_accepting_two_of_one_repository_opens_one_pull_request_with_both(
    admin: FlaskClient, world: World
) -> None:
    page = admin.get("/ui/mappings?suggested=1")
    answer = admin.post(
        "/ui/mappings/accept",
        data={
            "csrf": csrf_of(page.text),
            "pair": ["component:default/inventory|PINVTRY", "component:default/billing|PBILLNG"],
        },
    )
    assert answer.status_code == 200, answer.text
    assert "branch <code>pagerduty/map-services</code> pushed" in answer.text
    assert world.branches("shop") == ["main", "pagerduty/map-services"]
    assert world.branches("tools") == ["main"]
    commits = world.commits("shop", "pagerduty/map-services")
    assert len(commits) == 2 and commits[0] == "Connect inventory, billing to PagerDuty"
    for path, service in (
        ("inventory/catalog-info.yaml", "PINVTRY"),
        ("billing/catalog-info.yaml", "PBILLNG"),
    ):
        document = YAML(typ="safe").load(world.show("shop", "pagerduty/map-services", path))
        assert document["metadata"]["annotations"] == {"pagerduty.com/service-id": service}
    assert "service-id" not in world.show("shop", "main", "billing/catalog-info.yaml")

    rows = rows_of(admin.get("/ui/mappings").text)
    assert "pull request open for PBILLNG" in rows["component:default/billing"]
    assert "pull request open for PINVTRY" in rows["component:default/inventory"]
    assert rows_of(admin.get("/ui/mappings?suggested=1").text) == {}  # not offered twice

    # merged: the checkout has the annotation now, the row is mapped and the note is gone
    checkout = world.checkouts["shop"]
    git(checkout, "pull", "-q", "origin", "pagerduty/map-services")
    rows = rows_of(admin.get("/ui/mappings?refresh=1").text)
    assert "mapped in source" in rows["component:default/billing"]
    assert "pull request open" not in rows["component:default/billing"]


def test_a_stale_or_forged_pair_changes_nothing(admin: FlaskClient, world: World) -> None:
    page = admin.get("/ui/mappings")
    for pair in ("component:default/checkout|PBILLNG", "component:default/billing|PNOPE01"):
        answer = admin.post("/ui/mappings/accept", data={"csrf": csrf_of(page.text), "pair": pair})
        assert answer.status_code == 400 and "reload it" in answer.text
    assert world.branches("shop") == ["main"]


def _big_table(count: int) -> Table:
    entities = {
        f"component:default/c{i:05d}": CatalogEntity(f"component:default/c{i:05d}")
        for i in range(count)
    }
    entries = [
        MappingEntry(ref, f"P{i:06d}", MappingStatus.MAPPED, "annotation:service-id")
        if i % 2
        else MappingEntry(ref, None, MappingStatus.UNMAPPED, "-")
        for i, ref in enumerate(entities)
    ]
    services = [ServiceInfo(f"P{i:06d}", f"svc {i}", "default") for i in range(count)]
    return build_rows(entities, entries, services, {}, {})


def test_five_thousand_rows_are_paged() -> None:
    table = _big_table(5000)
    assert len(table.rows) == 7500  # 5,000 components, 2,500 services nobody claims
    first = select(table)
    assert (first.number, first.pages, first.total, len(first.rows)) == (1, 150, 7500, 50)
    last = select(table, state="mapped", page=999)
    assert (last.number, last.pages, last.total) == (50, 50, 2500)
    assert all(isinstance(r, Row) and r.state == "mapped" for r in last.rows)
    searched = select(table, query="c04999")
    assert [r.entity_ref for r in searched.rows] == ["component:default/c04999"]


def test_the_page_links_to_the_next_page(admin: FlaskClient) -> None:
    html = admin.get("/ui/mappings").text
    assert "page 1 of 1" in html and 'rel="next"' not in html


GITHUB_TOKEN = "ghp_UiTestTokenDoNotLeak0123456789abcdefgh"


def test_on_github_the_row_links_the_pull_request(
    pd: SandboxServer, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repository on a host with a pull-request API: one pull request opened for both
    components, and each row links it until merged."""
    world = make_world(tmp_path / "gh", github=True)
    for key, value in github_env(world).items():
        monkeypatch.setenv(key, value)
    pulls = "https://api.github.com/repos/acme/shop/pulls"
    pull = {
        "number": 7,
        "html_url": "https://github.com/acme/shop/pull/7",
        "head": {"ref": "pagerduty/map-services"},
        "base": {"ref": "main"},
        "draft": False,
    }
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        listed = router.get(pulls).respond(200, json=[])
        opened = router.post(pulls).respond(201, json=pull)
        app = build_app(
            pd,
            world,
            sqlite_url,
            integrations={"github": [{"host": "github.com", "token": GITHUB_TOKEN}]},
        )
        client = app.test_client()
        sign_in(client)
        page = client.get("/ui/mappings?suggested=1")
        answer = client.post(
            "/ui/mappings/accept",
            data={
                "csrf": csrf_of(page.text),
                "pair": [
                    "component:default/inventory|PINVTRY",
                    "component:default/billing|PBILLNG",
                ],
            },
        )
        assert answer.status_code == 200, answer.text
        assert opened.call_count == 1 and listed.call_count == 1
        sent = json.loads(opened.calls[0].request.content)
        assert sent["head"] == "pagerduty/map-services" and sent["base"] == "main"
        assert GITHUB_TOKEN not in answer.text
        rows = rows_of(client.get("/ui/mappings").text)
        for ref in ("component:default/inventory", "component:default/billing"):
            assert "pull request open" in rows[ref]
            assert "https://github.com/acme/shop/pull/7" in rows[ref]
        app.extensions["pagerduty_actions"].services.close()


def test_a_file_naming_another_service_meanwhile_is_left_alone(
    admin: FlaskClient, world: World
) -> None:
    """Someone annotated billing in the repository after the page was read: accepting the
    suggestion does not re-point it, says so, and proposes inventory alone."""
    other = world.root / "other-clone"
    git(world.root, "clone", "-q", str(world.bare["shop"]), str(other))
    path = other / "billing/catalog-info.yaml"
    path.write_text(
        path.read_text().replace(
            "  name: billing\n",
            "  name: billing\n  annotations:\n    pagerduty.com/service-id: PSEARCH\n",
        )
    )
    git(other, "commit", "-q", "-am", "billing is search now")
    git(other, "push", "-q", "origin", "HEAD:main")
    page = admin.get("/ui/mappings?suggested=1")
    answer = admin.post(
        "/ui/mappings/accept",
        data={
            "csrf": csrf_of(page.text),
            "pair": ["component:default/inventory|PINVTRY", "component:default/billing|PBILLNG"],
        },
    )
    assert "component:default/billing: its catalog file already names service PSEARCH" in (
        answer.text
    )
    billing = world.show("shop", "pagerduty/map-services", "billing/catalog-info.yaml")
    assert "PSEARCH" in billing and "PBILLNG" not in billing
    assert "PINVTRY" in world.show("shop", "pagerduty/map-services", "inventory/catalog-info.yaml")
    rows = rows_of(admin.get("/ui/mappings").text)
    assert "pull request open" in rows["component:default/inventory"]
    assert "pull request open" not in rows["component:default/billing"]
