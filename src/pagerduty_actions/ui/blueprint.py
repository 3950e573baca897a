"""The ``/ui`` blueprint: every page signs its caller in by session cookie, checks the CSRF
token of every POST, and answers in HTML (errors too)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, g, redirect, render_template, request

from ..entity_page import refuse_if_read_only
from ..errors import ActionError, NotAllowedError
from ..redaction import QUOTE_LIMIT, clip
from ..sync.service import SYNC_ACTION
from .session import COOKIE
from .state import ui_state

ANNOTATE_ACTION = "pagerduty:entity:annotate"
bp = Blueprint(
    "ui",
    __name__,
    url_prefix="/ui",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
_OPEN = {"ui.sign_in", "ui.static"}
#: No script runs on these pages; styles and images only from here.
_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@bp.before_request
def _session() -> Any:
    if request.endpoint in _OPEN:
        return None
    session = ui_state().signer.check(request.cookies.get(COOKIE))
    if session is None:
        if request.method == "GET":
            return redirect(f"/ui/sign-in?next={quote(request.full_path.rstrip('?'))}", 303)
        return page_error(401, "Your session has ended: sign in again.")
    g.ui_session = session
    g.caller = session.caller
    if request.method == "POST" and not ui_state().signer.csrf_ok(
        session.cookie, request.form.get("csrf")
    ):
        return page_error(
            403,
            "The form was not sent from this site's page (CSRF token "
            "missing or wrong): reload the page and try again.",
        )
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "ui.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(ActionError)
def _action_error(error: ActionError) -> tuple[str, int]:
    return page_error(error.status, error.message)


def page_error(status: int, message: str) -> tuple[str, int]:
    return render_template(
        "ui/error.html", status=status, message=clip(message, 2000), title="Error"
    ), status


def can(action: str) -> bool:
    session = g.get("ui_session")
    return session is not None and session.caller.may_run(action)


def may_write(action: str) -> bool:
    return can(action) and not ui_state().read_only


def require(action: str, *, write: bool = False) -> None:
    """Refuse (403) a page or form this session's token may not use."""
    caller = g.ui_session.caller
    if not caller.may_run(action):
        raise NotAllowedError(
            f"token {caller.name!r} may not use {action!r}: add it to its auth.tokens[].actions"
        )
    if write:  # the entity page's read-only rule, with its words
        refuse_if_read_only(ui_state().entity_page, f"{request.method} {request.path}")


@bp.app_template_global()
def csrf_token() -> str:
    session = g.get("ui_session")
    return ui_state().signer.csrf(session.cookie) if session else ""


@bp.context_processor
def _common() -> dict[str, Any]:
    session = g.get("ui_session")
    return {
        "caller": session.caller if session else None,
        "read_only": ui_state().read_only,
        "can_mappings": can(ANNOTATE_ACTION) or can(SYNC_ACTION),
        "can_sync": can(SYNC_ACTION),
        "may_annotate": may_write(ANNOTATE_ACTION),
        "may_sync": may_write(SYNC_ACTION),
        "path": clip(request.path, QUOTE_LIMIT),
    }
