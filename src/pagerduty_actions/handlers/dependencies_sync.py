"""``pagerduty:dependencies:sync``: one planned pass over the whole catalog.

Synchronous: the step waits for the report. For a catalog large enough to outlast a
template step's timeout, ``POST /v2/sync`` starts the same run in the background (202).
"""

from __future__ import annotations

from typing import Any

from ..catalog import InvalidEntityRefError, parse_entity_ref
from ..context import ActionContext
from ..errors import InputError
from ..sync.engine import SyncOptions
from ..sync.runs import SyncRun


def options_from_input(payload: dict[str, Any], dry_run: bool) -> SyncOptions:
    """Validated input -> options, entity refs normalised as Backstage compares them."""
    entities = []
    for index, text in enumerate(payload.get("entities") or []):
        try:
            entities.append(str(parse_entity_ref(text)).lower())
        except InvalidEntityRefError as exc:
            raise InputError(
                str(exc), details=[{"path": f"$.entities[{index}]", "message": str(exc)}]
            ) from None
    return SyncOptions(
        strategy=payload.get("strategy"),
        dry_run=dry_run or bool(payload.get("dryRun")),
        entities=tuple(entities),
        account=payload.get("account"),
    )


def run(ctx: ActionContext, payload: dict[str, Any]) -> dict[str, Any]:
    options = options_from_input(payload, ctx.dry_run)
    sync_run = SyncRun(ctx.services, options, started_by=ctx.initiator or ctx.caller)
    ctx.log(f"sync run {sync_run.id} started ({'dry run' if options.dry_run else 'applying'})")
    report = sync_run.execute()
    counts = report.get("counts", {})
    ctx.log(
        f"sync run {sync_run.id}: {counts.get('changes', 0)} change(s) planned, "
        f"{counts.get('applied', 0)} applied, {counts.get('failed', 0)} failed, "
        f"{counts.get('calls', 0)} PagerDuty call(s)"
    )
    return report
