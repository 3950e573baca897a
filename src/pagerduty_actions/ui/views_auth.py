"""Sign in with a server token, sign out, and the landing page."""

from __future__ import annotations

from typing import Any

from flask import g, make_response, redirect, render_template, request

from ..errors import AuthenticationError
from .blueprint import bp
from .session import COOKIE, LIFETIME_SECONDS, PRE_COOKIE, new_pre_session
from .state import ui_state

MAX_TOKEN = 1000


def _next_page(value: str | None) -> str:
    """Where to go after sign-in: a page of ours only (never ``//host`` or another site)."""
    if value and value.startswith("/ui/") and not value.startswith("/ui//") and "\\" not in value:
        return value[:500]
    return "/ui/mappings"


@bp.get("/")
def home() -> Any:
    return redirect("/ui/mappings", 303)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    state = ui_state()
    pre = request.cookies.get(PRE_COOKIE) or ""
    error = None
    if request.method == "POST":
        token = request.form.get("token", "")
        if not state.signer.csrf_ok(pre, request.form.get("csrf")):
            error = "The form expired or came from elsewhere: try again."
        elif not token or len(token) > MAX_TOKEN:
            error = "Paste one of this server's tokens (auth.tokens in its config)."
        else:
            try:
                caller = state.authenticate(f"Bearer {token}")
            except AuthenticationError:
                error = "That token is not one of this server's tokens (auth.tokens)."
            else:
                response = redirect(_next_page(request.form.get("next")), 303)
                response.set_cookie(
                    COOKIE,
                    state.signer.issue(token, caller),
                    max_age=LIFETIME_SECONDS,
                    path="/ui",
                    httponly=True,
                    secure=request.is_secure,
                    samesite="Strict",
                )
                response.delete_cookie(PRE_COOKIE, path="/ui")
                g.caller = caller
                return response
    if not pre or len(pre) > 100:
        pre = new_pre_session()
    body = render_template(
        "ui/sign_in.html",
        title="Sign in",
        error=error,
        next=_next_page(request.values.get("next")),
        sign_in_csrf=state.signer.csrf(pre),
    )
    response = ui_response(body, 401 if error else 200)
    response.set_cookie(
        PRE_COOKIE, pre, path="/ui", httponly=True, secure=request.is_secure, samesite="Strict"
    )
    return response


@bp.post("/sign-out")
def sign_out() -> Any:
    response = redirect("/ui/sign-in", 303)
    response.delete_cookie(COOKIE, path="/ui")
    return response


def ui_response(body: str, status: int = 200) -> Any:
    response = make_response(body, status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response
