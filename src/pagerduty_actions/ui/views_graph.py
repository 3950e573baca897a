"""``/ui/graph``: one component's (or a team's) neighbourhood, catalog and PagerDuty side by
side, each edge coloured as the next run would treat it; SVG drawn on the server."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from markupsafe import Markup

from ..admin.graph import EDGE_KINDS, neighbourhood
from ..admin.svg import render
from ..errors import InputError
from ..sync.engine import effective_strategy
from ..sync.errors import as_action_error
from ..sync.model import STRATEGIES, Strategy
from ..sync.service import SYNC_ACTION
from .blueprint import bp, require
from .state import ui_state

MAX_FIELD = 200


@bp.get("/graph")
def graph_page() -> Any:
    require(SYNC_ACTION)
    entity = request.args.get("entity", "").strip()[:MAX_FIELD]
    team = request.args.get("team", "").strip()[:MAX_FIELD]
    services = ui_state().services
    chosen = request.args.get("strategy") or effective_strategy(services, None).value
    if chosen not in STRATEGIES:
        raise InputError(f"strategy must be one of {', '.join(STRATEGIES)}")
    found = None
    pictures: dict[str, Markup] = {}
    if entity or team:
        try:
            found = neighbourhood(
                services, entity=entity or None, team=team or None, strategy=Strategy(chosen)
            )
        except Exception as exc:
            error = as_action_error(exc)
            if error is None:
                raise
            raise error from None
        subject = entity or f"team {team}"
        if found.focus:
            # svg.render escapes every name it writes (a test feeds it markup), so its output
            # is safe to place in the page as it is.
            catalog = render(found.catalog, f"Catalog: {subject}", "catalog-graph")
            pagerduty = render(found.pagerduty, f"PagerDuty: {subject}", "pagerduty-graph")
            pictures = {"catalog": Markup(catalog), "pagerduty": Markup(pagerduty)}  # noqa: S704
    return render_template(
        "ui/graph.html",
        title="Dependency graph",
        entity=entity,
        team=team,
        strategy=chosen,
        strategies=STRATEGIES,
        found=found,
        pictures=pictures,
        kinds=EDGE_KINDS,
    )
