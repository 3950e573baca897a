"""The sandbox WSGI app: PagerDuty REST, Events API v2, OAuth and the ``/_sandbox`` admin routes,
with authentication, fault injection and request logging applied around every handler.

Handlers run under the state's lock (taken in ``before_request``, released on teardown), so the
data is consistent; fault latency is served before the lock is taken. A persisted state's file
lock is held with it (see ``SandboxState.acquire_file``), and a successful write is saved
before either is let go, so processes sharing the file see each other's changes.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from pagerduty_actions.sandbox.admin import admin
from pagerduty_actions.sandbox.errors import ErrorCode, PagerDutyErrorResponse, error_body
from pagerduty_actions.sandbox.events import events
from pagerduty_actions.sandbox.faults import DEPENDENCY_WRITES, DROP
from pagerduty_actions.sandbox.oauth import oauth
from pagerduty_actions.sandbox.reqlog import LoggedRequest, scrub_body, scrub_headers
from pagerduty_actions.sandbox.rest_directory import directory
from pagerduty_actions.sandbox.rest_operations import operations
from pagerduty_actions.sandbox.scopes import required_scope
from pagerduty_actions.sandbox.state import SandboxState
from pagerduty_actions.sandbox.web import state

_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_CODE_FOR_STATUS = {
    400: ErrorCode.INVALID_INPUT,
    401: ErrorCode.AUTHENTICATION_FAILED,
    402: ErrorCode.ABILITY_MISSING,
    403: ErrorCode.ACCESS_DENIED,
    404: ErrorCode.NOT_FOUND,
    429: ErrorCode.RATE_LIMITED,
}
_WRITE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}


def path_template() -> str:
    """The OpenAPI-style template of the matched route (``/services/{id}``), else the path."""
    if request.url_rule is None:
        return request.path
    return _RULE_ARG.sub(r"{\1}", request.url_rule.rule)


def _kind(path: str) -> str:
    if path.startswith("/_sandbox"):
        return "admin"
    if path.startswith("/events/"):
        return "events"
    if path.startswith("/oauth/"):
        return "oauth"
    return "rest"


def _drop_connection() -> None:
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _injected(status: int, kind: str, headers: dict[str, str]) -> Any:
    if kind == "events":
        message = "Too many requests" if status == 429 else "Injected failure"
        return jsonify({"status": "error", "message": message, "errors": []}), status, headers
    code = _CODE_FOR_STATUS.get(status, ErrorCode.INTERNAL_ERROR)
    return jsonify(error_body(code)), status, headers


def _before() -> Any:
    g.started = time.monotonic()
    g.kind = _kind(request.path)
    if g.kind == "admin":
        _hold(state())  # a dump shows, and a reset saves, what every process shares
        return None
    st = state()
    g.template = path_template()
    g.caller = None
    g.rate_headers = {}
    if g.kind == "rest":
        g.caller = st.authenticate(request.headers.get("Authorization"))
        if g.caller is None:
            raise PagerDutyErrorResponse(401, ErrorCode.AUTHENTICATION_FAILED)
    with st.lock:
        decision = st.faults.decide(
            request.method, g.template, g.caller.rate_key if g.caller else None, time.time()
        )
    g.rate_headers = decision.headers
    racing = False
    is_write = (request.method, g.template) in DEPENDENCY_WRITES
    if g.caller is not None and decision.status is None and is_write:
        with st.lock:
            racing = st.faults.begin_write(g.caller.account.name)
        g.write_account = g.caller.account.name
    if decision.delay_seconds > 0:
        time.sleep(decision.delay_seconds)
    if racing:
        return _injected(500, g.kind, decision.headers)
    if decision.status == DROP:
        g.dropped = True
        _drop_connection()
        return Response(status=500)
    if isinstance(decision.status, int):
        return _injected(decision.status, g.kind, decision.headers)
    if g.caller is not None and g.caller.scopes is not None:
        scope = required_scope(request.method, g.template)
        if scope is not None and scope not in g.caller.scopes:
            raise PagerDutyErrorResponse(
                403, ErrorCode.ACCESS_DENIED, [f"The access token lacks the {scope} scope"]
            )
    _hold(st)
    if g.caller is not None:  # the accounts may have been reloaded from the shared file
        account = st.accounts.get(g.caller.account.name)
        if account is None:
            raise PagerDutyErrorResponse(401, ErrorCode.AUTHENTICATION_FAILED)
        g.caller.account = account
    return None


def _hold(st: SandboxState) -> None:
    st.lock.acquire()
    try:
        st.acquire_file()
    except BaseException:
        st.lock.release()
        raise
    g.locked = True


def _teardown(_exc: BaseException | None) -> None:
    if g.pop("locked", False):
        st = state()
        st.release_file()
        st.lock.release()
    write_account = g.pop("write_account", None)
    if write_account is not None:
        st = state()
        with st.lock:
            st.faults.end_write(write_account)


def _after(response: Response) -> Response:
    if g.get("kind", "admin") == "admin":
        if request.method in _WRITE_METHODS and response.status_code < 400:
            state().persist()
        return response
    for name, value in (g.get("rate_headers") or {}).items():
        response.headers.setdefault(name, value)
    st = state()
    status = 0 if g.get("dropped") else response.status_code
    response_body = response.get_json(silent=True) if response.is_json else None
    caller = g.get("caller")
    with st.lock:
        st.record(
            LoggedRequest(
                seq=st.log.next_seq(),
                account=caller.account.name if caller else None,
                method=request.method,
                path=request.path,
                template=g.get("template", request.path),
                query={k: request.args.getlist(k) for k in request.args},
                headers=scrub_headers(dict(request.headers)),
                body=scrub_body(request.get_json(silent=True)) if request.data else None,
                status=status,
                response_body=response_body,
                started=g.started,
                finished=time.monotonic(),
                response_headers=dict(response.headers),
            )
        )
        if request.method in _WRITE_METHODS and status and status < 400:
            st.persist()
    return response


def _pagerduty_error(error: PagerDutyErrorResponse) -> Any:
    return jsonify(error.body()), error.status, error.headers


def _http_error(error: HTTPException) -> Any:
    status = error.code or 500
    return jsonify(error_body(_CODE_FOR_STATUS.get(status, ErrorCode.INTERNAL_ERROR))), status


def _unexpected(_error: Exception) -> Any:
    return jsonify(error_body(ErrorCode.INTERNAL_ERROR)), 500


def create_sandbox_app(sandbox_state: SandboxState | None = None) -> Flask:
    """A Flask app serving ``sandbox_state`` (the default seed when omitted)."""
    app = Flask("pagerduty_sandbox")
    app.extensions["pagerduty_sandbox"] = sandbox_state or SandboxState.from_seed()
    app.json.sort_keys = False  # type: ignore[attr-defined]
    for blueprint in (admin, directory, operations, events, oauth):
        app.register_blueprint(blueprint)
    app.before_request(_before)
    app.after_request(_after)
    app.teardown_request(_teardown)
    app.register_error_handler(PagerDutyErrorResponse, _pagerduty_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    return app
