"""``/ui/sync``: the strategy (changed with the seed's warning: the destination is
overwritten), recent runs with their progress, each run's report, and starting a dry run or a
run. A running run's page refreshes itself (``<meta http-equiv=refresh>``), no script."""

from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request

from ..errors import InputError, NotFoundError
from ..store.settings import SettingsStore
from ..sync import service as sync_service
from ..sync.engine import STRATEGY_SETTING, effective_strategy
from ..sync.model import STRATEGIES
from ..sync.service import SYNC_ACTION
from .blueprint import bp, require
from .state import ui_state

#: What each strategy does to its destination, as the page warns before changing it.
EFFECTS = {
    "backstage": "PagerDuty follows Backstage: PagerDuty dependencies between mapped services "
    "that the catalog does not list are removed from PagerDuty.",
    "pagerduty": "Backstage follows PagerDuty: pull requests rewrite spec.dependsOn in the "
    "catalog files, removing entries between mapped components that PagerDuty does not have.",
    "both": "Each side gets what the other has; nothing is removed.",
    "disabled": "Nothing is read or written.",
}
OVERWRITING = ("backstage", "pagerduty")
REFRESH_SECONDS = 2


def _settings() -> SettingsStore:
    services = ui_state().services
    if services.db is None:
        raise InputError("the database is not configured: the sync keeps its runs there")
    return SettingsStore(services.db)


@bp.get("/sync")
def sync_page() -> Any:
    require(SYNC_ACTION)
    services = ui_state().services
    stored = _settings().get(STRATEGY_SETTING)
    return render_template(
        "ui/sync.html",
        title="Dependency sync",
        strategy=effective_strategy(services, None).value,
        stored=stored is not None,
        strategies=STRATEGIES,
        effects=EFFECTS,
        overwriting=OVERWRITING,
        runs=sync_service.recent_runs(services),
    )


@bp.post("/sync/strategy")
def change_strategy() -> Any:
    require(SYNC_ACTION, write=True)
    value = request.form.get("strategy", "")
    if value not in STRATEGIES:
        raise InputError(f"strategy must be one of {', '.join(STRATEGIES)}")
    if value in OVERWRITING and request.form.get("confirm") != "yes":
        raise InputError(
            f"strategy {value!r} overwrites its destination ({EFFECTS[value]}) Tick the box "
            "that says you understand, or run a dry run first to see what it would change."
        )
    _settings().put(STRATEGY_SETTING, value, by=g.caller.name)
    return redirect("/ui/sync", 303)


@bp.post("/sync/start")
def start_run() -> Any:
    dry_run = request.form.get("dryRun") == "true"
    require(SYNC_ACTION, write=not dry_run)  # a dry run writes nothing: read-only allows it
    run = sync_service.start(ui_state().services, {"dryRun": dry_run}, started_by=g.caller.name)
    run.start_in_background()
    return redirect(f"/ui/sync/runs/{run.id}", 303)


@bp.get("/sync/runs/<run_id>")
def run_page(run_id: str) -> Any:
    require(SYNC_ACTION)
    run = sync_service.get_run(ui_state().services, run_id)
    if run is None:
        raise NotFoundError(f"no sync run {run_id[:100]!r}")
    report = run.get("report") or {}
    return render_template(
        "ui/run.html",
        title=f"Sync run {run['id']}",
        run=run,
        report=report,
        refresh=REFRESH_SECONDS if run["status"] == "running" else None,
    )
