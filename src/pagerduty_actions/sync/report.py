"""A run's report: built from the plan and the ledger, whichever way the run ended.

A run that finishes builds it from its live ledger; a run stopped by an exception or a signal,
and a run found abandoned by a dead process, build it from the planned report stored before
the first write and the last ledger snapshot stored after it. So every run that wrote ends
with the same report shape, listing what was applied, what failed and why, and what was not
attempted, and a status that says which of those it was.
"""

from __future__ import annotations

from typing import Any

from .ledger import outcome_of
from .model import Mapping, MappingStatus, Plan, Strategy

SUCCEEDED = "succeeded"
PARTIAL = "partial"  # some changes applied, others failed or not attempted
FAILED = "failed"  # nothing applied, and something failed (or the run could not start)
ABANDONED = "abandoned"  # the process running it died; closed by another from its record
RUNNING = "running"
ABANDONED_REASON = (
    "abandoned: the process running this sync stopped (killed, crashed or restarted) before "
    "the run finished"
)


def planned_report(
    strategy: Strategy, dry_run: bool, mapping: Mapping, plan: Plan
) -> dict[str, Any]:
    """The report before anything is written: every change planned, none applied yet."""
    by_status: dict[str, int] = {}
    for entry in mapping.entries:
        by_status[entry.status.value] = by_status.get(entry.status.value, 0) + 1
    changes = [c.as_dict() for c in plan.pagerduty] + [c.as_dict() for c in plan.backstage]
    return {
        "strategy": strategy.value,
        "dryRun": dry_run,
        "changes": changes,
        "applied": [],
        "failed": [],
        "notAttempted": [],
        "deliveries": [],
        "kept": [
            {"dependent": k.dependent, "supporting": k.supporting, "reason": k.reason}
            for k in plan.kept
        ],
        "unmapped": [
            {"entityRef": e.entity_ref, "status": e.status.value, "detail": e.detail}
            for e in mapping.entries
            if e.status is not MappingStatus.MAPPED
        ],
        "problems": list(plan.problems),
        "counts": {
            "entities": len(mapping.entries),
            "mapped": by_status.get("mapped", 0),
            "byStatus": by_status,
            "changes": plan.change_count,
            "pagerdutyChanges": len(plan.pagerduty),
            "backstageChanges": len(plan.backstage),
            "applied": 0,
            "failed": 0,
            "notAttempted": 0,
            "kept": len(plan.kept),
        },
    }


def with_outcome(
    planned: dict[str, Any],
    snapshot: dict[str, Any] | None,
    *,
    ended: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """``planned`` with the ledger's lists and counts filled in, and its status.

    ``ended`` (a run that stopped without finishing: abandoned, interrupted) turns writes still
    in flight into failures with that reason. ``error`` (else the ledger's stop reason, else
    ``ended``) is the run-level reason it did not finish.
    """
    report = dict(planned)
    if snapshot is not None:
        report.update(outcome_of(planned.get("changes") or [], snapshot, ended=ended))
        error = error or snapshot.get("stopped")
    error = error or ended
    counts = dict(report.get("counts") or {})
    for key in ("applied", "failed", "notAttempted"):
        counts[key] = len(report.get(key) or [])
    report["counts"] = counts
    if error:
        report["error"] = error
    report["status"] = status_of(report)
    return report


def status_of(report: dict[str, Any]) -> str:
    """``succeeded`` when everything planned was applied (or it was a dry run), else
    ``partial`` when something was applied and ``failed`` when nothing was."""
    counts = report.get("counts") or {}
    unfinished = counts.get("failed") or counts.get("notAttempted") or report.get("error")
    if not unfinished:
        return SUCCEEDED
    return PARTIAL if counts.get("applied") else FAILED


def empty_report(strategy: str, dry_run: bool, error: str) -> dict[str, Any]:
    """The report of a run that ended before it planned anything (nothing was written)."""
    return {
        "strategy": strategy,
        "dryRun": dry_run,
        "status": FAILED,
        "error": error,
        "changes": [],
        "applied": [],
        "failed": [],
        "notAttempted": [],
        "deliveries": [],
        "kept": [],
        "unmapped": [],
        "problems": [],
        "counts": {"changes": 0, "applied": 0, "failed": 0, "notAttempted": 0},
    }
