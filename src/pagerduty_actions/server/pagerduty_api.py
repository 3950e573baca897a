"""``/pagerduty-api/``: PagerDuty's REST paths as ``@backstage/plugin-pagerduty`` 0.6.8 reads
them, served by us, so that card's Backstage proxy route points here instead of at
api.pagerduty.com with an admin token.

HTTP only: which GETs exist and what they take is ``entity_page.card_reads``; the reads go
through ``entity_page``'s reader (the actions' PagerDuty clients, a short cache); the card's
"Create Incident" is ``entity_page.trigger``. The caller authenticates with one of our
``auth.tokens`` (the proxy route's ``headers``); PagerDuty's credential never leaves us.

Answers use PagerDuty's shapes, errors included, because the card reads them: a REST error is
``{"error": {message, code, errors}}`` plus a top-level ``errors`` list (the card builds its
message from ``payload.errors`` and fails on a body without one); an error of the trigger is
the Events API's ``{status, message, errors}``. A 404 stays a 404 (the card shows "service
not found"), a 401 a 401 (it shows "missing token").
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..entity_page import EntityPageReader, ReadWaitTimeoutError, entity_page_reader
from ..entity_page import card_reads as reads
from ..entity_page.trigger import send_trigger
from ..error_mapping import map_pagerduty_error
from ..errors import ActionError, InputError
from ..pagerduty import (
    InvalidInputError,
    ObjectNotFoundError,
    PagerDutyError,
    RateLimitedError,
    UnknownAccountError,
)
from ..redaction import redact
from .actions import read_json_object
from .state import app_state

PREFIX = "/pagerduty-api"
bp = Blueprint("pagerduty_api", __name__, url_prefix=PREFIX)
# What the 404 of an unknown path under the prefix lists (server/errors.py).
SERVED = (
    "GET /services?query=, GET /services/{id}, GET /incidents?service_ids[]=, "
    "GET /services/{id}/change_events, GET /oncalls?escalation_policy_ids[]=, "
    "POST /enqueue (or /v2/enqueue)"
)


def _reader() -> EntityPageReader:
    return entity_page_reader(app_state().services)


def _query() -> tuple[list[tuple[str, str]], str | None]:
    """The request's query pairs without ``account``, and the account asked for."""
    pairs = list(request.args.items(multi=True))
    accounts = [v for k, v in pairs if k == "account"]
    if len(accounts) > 1 or (accounts and not accounts[0]):
        raise InputError(
            "account: give one account id (or none for the default account)",
            details=[{"path": "$.query.account", "message": "one account id"}],
        )
    return [(k, v) for k, v in pairs if k != "account"], (accounts[0] if accounts else None)


def _read(read: reads.CardRead, path_params: dict[str, str] | None = None) -> Response:
    for name, value in (path_params or {}).items():
        if not reads.valid_id(value):
            raise InputError(
                f"{name} must be a PagerDuty id (letters and digits, at most 32)",
                details=[{"path": f"$.path.{name}", "message": "not a PagerDuty id"}],
            )
    pairs, account = _query()
    query = read.checked_query(pairs)
    body = _reader().get(read.template, path_params=path_params, query=query, account=account)
    return jsonify(reads.without_integration_keys(body))


@bp.get("/services")
def services() -> Response:
    return _read(reads.SERVICE_BY_KEY)


@bp.get("/services/<id>")
def service(id: str) -> Response:
    return _read(reads.SERVICE_BY_ID, {"id": id})


@bp.get("/incidents")
def incidents() -> Response:
    return _read(reads.INCIDENTS)


@bp.get("/services/<id>/change_events")
def change_events(id: str) -> Response:
    return _read(reads.CHANGE_EVENTS, {"id": id})


@bp.get("/oncalls")
def oncalls() -> Response:
    return _read(reads.ONCALLS)


@bp.post("/enqueue")
@bp.post("/v2/enqueue")
def enqueue() -> tuple[Response, int]:
    """The card posts ``<pagerDuty.eventsBaseUrl>/enqueue``; with that set to the proxy route
    (``.../api/proxy/pagerduty``, or ``.../v2``) the trigger lands here."""
    try:
        _, account = _query()
        answer = send_trigger(_reader(), read_json_object(), account)
    except (ActionError, PagerDutyError) as exc:
        status, message, errors, retry_after = _status_and_words(exc)
        body = {"status": _EVENT_STATUS.get(status, "error"), "message": message, "errors": errors}
        return _with_retry_after(jsonify(body), retry_after), status
    return jsonify(answer), 202


_EVENT_STATUS = {400: "invalid event", 403: "forbidden", 429: "throttle event"}


@bp.errorhandler(ActionError)
@bp.errorhandler(PagerDutyError)
def _rest_error(exc: Exception) -> tuple[Response, int]:
    """Any failure of a read (and our 401 before it) in PagerDuty's REST error shape."""
    status, message, errors, retry_after = _status_and_words(exc)
    code = exc.code if isinstance(exc, PagerDutyError) else None
    error: dict[str, Any] = {"message": message, "errors": errors}
    if code is not None:
        error["code"] = code
    return _with_retry_after(jsonify({"error": error, "errors": errors}), retry_after), status


def _status_and_words(exc: Exception) -> tuple[int, str, list[str], float | None]:
    """Our status for ``exc``, its message, the detail lines, and a Retry-After."""
    if isinstance(exc, PagerDutyError) and not isinstance(exc, UnknownAccountError):
        status = 502
        if isinstance(exc, ObjectNotFoundError):
            status = 404
        elif isinstance(exc, InvalidInputError):
            status = 400
        elif isinstance(exc, RateLimitedError):
            status = 429
        elif isinstance(exc, ReadWaitTimeoutError):
            status = 504
        mapped = map_pagerduty_error(exc)
        message = mapped.message if mapped is not None else str(exc)
        retry_after = exc.retry_after if isinstance(exc, RateLimitedError) else None
        return status, redact(message), [redact(str(e)) for e in exc.errors], retry_after
    error = map_pagerduty_error(exc) if isinstance(exc, UnknownAccountError) else exc
    assert isinstance(error, ActionError)
    lines = [f"{d.get('path')}: {d.get('message')}" for d in error.details] or [error.message]
    return error.status, redact(error.message), [redact(line) for line in lines], error.retry_after


def _with_retry_after(response: Response, seconds: float | None) -> Response:
    if seconds is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(seconds)))
    return response
