"""``/ui/mappings``: every component and service with its state, auto-match suggestions, and
accepting them (the annotate pull requests, one per repository)."""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request

from ..admin.proposals import MAX_ACCEPT, Accepted, accept
from ..admin.rows import STATE_LABELS, STATES, select
from ..admin.snapshot import Snapshot
from ..errors import InputError
from ..sync.errors import as_action_error
from ..sync.service import SYNC_ACTION
from .blueprint import ANNOTATE_ACTION, bp, can, require
from .state import ui_state


def snapshot(fresh: bool = False) -> Snapshot:
    """The cached snapshot; a catalog or PagerDuty failure becomes the error it maps to."""
    try:
        return ui_state().snapshots.get(fresh=fresh)
    except Exception as exc:
        error = as_action_error(exc)
        if error is None:
            raise
        raise error from None


def _page_number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) < 7 else 1


@bp.get("/mappings")
def mappings() -> Any:
    if not (can(ANNOTATE_ACTION) or can(SYNC_ACTION)):
        require(ANNOTATE_ACTION)
    state = request.args.get("state") or None
    if state not in (None, *STATES):
        raise InputError(f"state must be one of {', '.join(STATES)}")
    query = request.args.get("q", "")[:100]
    suggested = request.args.get("suggested") == "1"
    current = snapshot(fresh=request.args.get("refresh") == "1")
    table = current.table()
    page = select(
        table,
        state=state,
        query=query,
        suggested=suggested,
        page=_page_number(request.args.get("page")),
    )
    return render_template(
        "ui/mappings.html",
        title="Mappings",
        table=table,
        page=page,
        state=state,
        states=STATES,
        labels=STATE_LABELS,
        query=query,
        suggested=suggested,
        problems=current.problems,
        read_at=current.read_at,
    )


@bp.post("/mappings/accept")
def accept_suggestions() -> Any:
    require(ANNOTATE_ACTION, write=True)
    chosen = request.form.getlist("pair")[: MAX_ACCEPT + 1]
    if not chosen:
        raise InputError("choose at least one suggestion to accept")
    if len(chosen) > MAX_ACCEPT:
        raise InputError(f"accept at most {MAX_ACCEPT} suggestions at once")
    current = snapshot()
    known = {s.id: s for s in current.services}
    unmapped = {r.entity_ref for r in current.table().rows if r.state == "unmapped"}
    pool = ui_state().services.pagerduty
    default = pool.accounts.default if pool is not None else None
    pairs = []
    for value in chosen:
        entity_ref, _, service_id = value.partition("|")
        service = known.get(service_id)
        if entity_ref not in unmapped or service is None:
            raise InputError(
                f"{value[:200]!r} is not an unmapped component and a known service: the page "
                "is out of date, reload it"
            )
        account = None if default is not None and service.account == default.id else service.account
        pairs.append(Accepted(entity_ref, service_id, account))
    outcomes = accept(ui_state().services, current.graph.entities, pairs, by=g.caller.name)
    ui_state().snapshots.drop()
    return render_template("ui/accepted.html", title="Suggestions accepted", outcomes=outcomes)
