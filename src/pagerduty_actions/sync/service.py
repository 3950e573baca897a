"""The dependency sync as one operation, whichever way it is started.

The action (``pagerduty:dependencies:sync``), ``POST /v2/sync``, the schedule and the CLI all
call :func:`start` (or :func:`run`, which also waits for the report). It validates the request
with the action's own input schema, so an input is refused with the same message and field
paths whichever way it came in; it refuses a run that cannot read a catalog before any lease
is taken; and every error leaving it has been mapped in one place (``sync/errors.py``). The
callers add only their transport: the route answers 202 with a ``Location``, the CLI prints.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from ..catalog import InvalidEntityRefError, normalise_ref
from ..errors import InputError
from ..paths import schema_path
from ..services import Services
from ..store.sync_runs import SyncRunStore
from ..validation import check_action_input, input_validator
from .engine import SyncOptions, effective_strategy, require_catalog_source
from .errors import as_action_error
from .model import Strategy
from .runs import Listener, SyncRun, live_report

SYNC_ACTION = "pagerduty:dependencies:sync"
RUN_ID = re.compile(r"run_[0-9a-f]{20}")  # what SyncRunStore.create makes
INPUT_SCHEMA = "actions/dependencies_sync.input.json"


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(schema_path(INPUT_SCHEMA).read_text(encoding="utf-8"))
    return input_validator(schema)


def sync_options(
    payload: Any, *, dry_run: bool = False, allow_real_git: bool = False
) -> SyncOptions:
    """A request (the action's input) as options: checked against the action's input schema,
    entity refs normalised as Backstage compares them. ``dry_run`` (the action's dry-run
    flag) or the input's ``dryRun`` makes it a dry run. ``allow_real_git`` (the CLI's
    ``--allow-real-git``): against the sandbox, still deliver to hosted repositories."""
    check_action_input(_validator(), SYNC_ACTION, payload)
    entities = []
    for index, text in enumerate(payload.get("entities") or []):
        try:
            entities.append(normalise_ref(text))
        except InvalidEntityRefError as exc:
            raise InputError(
                str(exc), details=[{"path": f"$.entities[{index}]", "message": str(exc)}]
            ) from None
    return SyncOptions(
        strategy=payload.get("strategy"),
        dry_run=dry_run or bool(payload.get("dryRun")),
        entities=tuple(entities),
        account=payload.get("account"),
        allow_real_git=allow_real_git,
    )


def start(
    services: Services,
    payload: Any,
    *,
    dry_run: bool = False,
    started_by: str | None,
    allow_real_git: bool = False,
) -> SyncRun:
    """Validate and start a run (it holds the lease; call ``execute`` or
    ``start_in_background``). Raises the caller's error: 400 for bad input or no catalog,
    409 when a run is going, 503 while the server stops. Against the
    built-in sandbox, a run that would deliver to a hosted git repository is refused (400)
    before it writes, unless ``allow_real_git`` or ``sync.allowRealGit`` (see real_git)."""
    options = sync_options(payload, dry_run=dry_run, allow_real_git=allow_real_git)
    try:
        if effective_strategy(services, options.strategy) is not Strategy.DISABLED:
            require_catalog_source(services)  # a 400 now, not a run failing later
        return SyncRun(services, options, started_by)
    except Exception as exc:
        raise _mapped(exc) from None


def run(
    services: Services,
    payload: Any,
    *,
    dry_run: bool = False,
    started_by: str | None,
    listener: Listener | None = None,
    allow_real_git: bool = False,
) -> dict[str, Any]:
    """Start a run and wait for its report (the action, the CLI, the schedule)."""
    run = start(
        services, payload, dry_run=dry_run, started_by=started_by, allow_real_git=allow_real_git
    )
    return run.execute(listener)


def get_run(services: Services, run_id: str) -> dict[str, Any] | None:
    """A stored run; while it writes, its report so far (what its ledger says). An id of
    another shape is not looked up: no run has it, and PostgreSQL refuses some text (a NUL)."""
    store = _store(services)
    if not RUN_ID.fullmatch(run_id):
        return None
    found = store.get(run_id)
    if found is None or found["status"] != "running":
        return found
    return {**found, "report": live_report(found, store.ledger(run_id))}


def recent_runs(services: Services) -> list[dict[str, Any]]:
    return _store(services).recent()


def _store(services: Services) -> SyncRunStore:
    return SyncRunStore(services.db)


def _mapped(exc: Exception) -> Exception:
    mapped = as_action_error(exc)
    return mapped if mapped is not None else exc
