"""``/ui/sync``: the strategy with the overwrite warning, starting a dry run and reading its
report, a running run's page refreshing itself, and who may start what."""

from __future__ import annotations

import re
import time

from flask import Flask
from flask.testing import FlaskClient
from ui_client import build_app, csrf_of, sign_in
from ui_world import VIEWER_TOKEN, World

from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.store.sync_runs import SyncRunStore


def finished(client: FlaskClient, location: str) -> str:
    """The run page once the run has ended (bounded wait)."""
    deadline = time.monotonic() + 60
    while True:
        page = client.get(location)
        assert page.status_code == 200
        status = re.search(r'<dd id="run-status">(\w+)</dd>', page.text)
        assert status
        if status.group(1) != "running":
            return page.text
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.2)


def pd_writes(pd: SandboxServer) -> list[str]:
    return [e.path for e in pd.state.requests() if e.method != "GET" and "/_sandbox" not in e.path]


def test_strategy_change_needs_the_overwrite_to_be_understood(admin: FlaskClient) -> None:
    page = admin.get("/ui/sync")
    assert '<strong id="strategy">disabled</strong>' in page.text
    assert "overwrite their destination" in page.text
    token = csrf_of(page.text)
    refused = admin.post("/ui/sync/strategy", data={"csrf": token, "strategy": "backstage"})
    assert refused.status_code == 400 and "overwrites its destination" in refused.text
    assert '<strong id="strategy">disabled</strong>' in admin.get("/ui/sync").text
    saved = admin.post(
        "/ui/sync/strategy", data={"csrf": token, "strategy": "backstage", "confirm": "yes"}
    )
    assert saved.status_code == 303
    assert '<strong id="strategy">backstage</strong>' in admin.get("/ui/sync").text
    both = admin.post("/ui/sync/strategy", data={"csrf": token, "strategy": "both"})
    assert both.status_code == 303  # removes nothing: no confirmation asked


def test_a_dry_run_started_from_the_page_reports_without_writing(
    admin: FlaskClient, pd: SandboxServer
) -> None:
    token = csrf_of(admin.get("/ui/sync").text)
    admin.post("/ui/sync/strategy", data={"csrf": token, "strategy": "backstage", "confirm": "yes"})
    started = admin.post("/ui/sync/start", data={"csrf": token, "dryRun": "true"})
    assert started.status_code == 303
    location = started.headers["Location"]
    assert re.fullmatch(r"/ui/sync/runs/run_[0-9a-f]{20}", location)
    html = finished(admin, location)
    assert "(dry run)" in html and 'http-equiv="refresh"' not in html
    assert '<dd id="run-status">succeeded</dd>' in html
    # checkout -> search is in PagerDuty, not in the catalog: the backstage strategy removes it;
    # checkout -> orphan queue has an unmapped end: kept
    assert "PagerDuty: <strong>remove</strong> PCHKOUT → PSEARCH" in html
    assert "PCHKOUT → PORPHAN" in html
    assert pd_writes(pd) == []
    listed = admin.get("/ui/sync").text
    assert location.rpartition("/")[2] in listed


def test_a_running_run_refreshes_itself_with_its_progress(admin: FlaskClient, app: Flask) -> None:
    services = app.extensions["pagerduty_actions"].services
    store = SyncRunStore(services.db)
    run_id = store.create("backstage", False, "admin")
    store.progress(run_id, phase="reading PagerDuty", done=3, total=7, calls=5)
    html = admin.get(f"/ui/sync/runs/{run_id}").text
    assert '<meta http-equiv="refresh" content="2">' in html
    assert "reading PagerDuty: 3/7" in html and "5 to PagerDuty" in html
    assert '<progress value="3" max="7">' in html
    assert admin.get("/ui/sync/runs/run_nope").status_code == 404


def test_a_sync_only_token_and_read_only_mode(
    pd: SandboxServer, world: World, sqlite_url: str
) -> None:
    app = build_app(pd, world, sqlite_url, entityPage={"readOnly": True})
    client = app.test_client()
    sign_in(client, VIEWER_TOKEN)
    page = client.get("/ui/sync")
    assert 'id="start-dry-run"' in page.text
    assert 'id="start-run"' not in page.text and "Save the strategy" not in page.text
    token = csrf_of(page.text)
    refused = client.post("/ui/sync/start", data={"csrf": token, "dryRun": "false"})
    assert refused.status_code == 403 and "read-only" in refused.text
    dry = client.post("/ui/sync/start", data={"csrf": token, "dryRun": "true"})
    assert dry.status_code == 303
    finished(client, dry.headers["Location"])
    changed = client.post("/ui/sync/strategy", data={"csrf": token, "strategy": "both"})
    assert changed.status_code == 403
    app.extensions["pagerduty_actions"].services.close()
