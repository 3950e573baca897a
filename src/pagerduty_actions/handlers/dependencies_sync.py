"""``pagerduty:dependencies:sync``: one planned pass over the whole catalog.

Synchronous: the step waits for the report. For a catalog large enough to outlast a
template step's timeout, ``POST /v2/sync`` starts the same run in the background (202). Both
are the one operation of ``sync/service.py`` (given here as ``start_sync``); this handler only
adds the step's log lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol, TypedDict

from ..context import ActionContext
from ..sync.runs import SyncRun

ACTION_ID = "pagerduty:dependencies:sync"


class DependenciesSyncInput(TypedDict, total=False):
    """``schemas/actions/dependencies_sync.input.json`` (a test keeps the two in step)."""

    strategy: Literal["backstage", "pagerduty", "both", "disabled"]
    entities: list[str]
    account: str
    dryRun: bool


class StartSync(Protocol):
    """``sync.service.start`` bound to this process's services."""

    def __call__(
        self, payload: Mapping[str, Any], *, dry_run: bool, started_by: str | None
    ) -> SyncRun: ...


def run(
    ctx: ActionContext, payload: DependenciesSyncInput, *, start_sync: StartSync
) -> dict[str, Any]:
    sync_run = start_sync(payload, dry_run=ctx.dry_run, started_by=ctx.initiator or ctx.caller)
    ctx.log(
        f"sync run {sync_run.id} started ({'dry run' if sync_run.options.dry_run else 'applying'})"
    )
    report = sync_run.execute()
    counts = report.get("counts", {})
    if report.get("dryRun"):  # "0 applied" would read as a failure: nothing was to be written
        outcome = f"dry run: {counts.get('changes', 0)} change(s) planned, none written"
    else:
        outcome = (
            f"{report.get('status', 'ended')}: {counts.get('changes', 0)} change(s) planned, "
            f"{counts.get('applied', 0)} applied, {counts.get('failed', 0)} failed, "
            f"{counts.get('notAttempted', 0)} not attempted"
        )
    ctx.log(f"sync run {sync_run.id} {outcome}, {counts.get('calls', 0)} PagerDuty call(s)")
    if report.get("error"):
        ctx.warn(f"sync run {sync_run.id} did not finish: {report['error']}")
    return report
