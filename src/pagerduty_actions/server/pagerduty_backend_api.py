"""``/api/pagerduty/...``: the routes of PagerDuty's backend plugin (0.14.0), so its card
(``@pagerduty/backstage-plugin``) can use this server through Backstage's ``discovery.endpoints``.

HTTP only: parse, bound, answer. The bodies come from ``entity_page.backend_views``; every
failure, ours or PagerDuty's, answers that router's error shape ``{"errors": [message]}`` (the
card's client reads ``errors``), with PagerDuty's words. No request waits on PagerDuty longer
than ``entityPage.cacheWaitSeconds``: the read runs on a small worker pool and an answer that
has not come by then is a 504 (the read finishes in the background, within the client's own
timeouts, and its answer is cached for the next viewer); when every worker is busy the answer
is an immediate 503. Routes that write into the plugin's own database (mappings, settings,
custom fields) answer 405 saying where this server keeps that instead; docs/entity-page.md
has the table.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ..entity_page import EntityPageReader, entity_page_reader
from ..entity_page import backend_views as views
from ..entity_page.backend_views import BackendError
from ..errors import ActionError
from ..redaction import QUOTE_LIMIT, TEXT_LIMIT, clip, redact
from .actions import read_json_object
from .state import app_state

PREFIX = "/api/pagerduty"
bp = Blueprint("pagerduty_backend", __name__, url_prefix=PREFIX)
_LOG = logging.getLogger("pagerduty_actions.server")
#: Card requests waiting on PagerDuty at once; one more answers 503 at once.
WORKERS = 16
_MAX_ID = 64
_MAX_POLICIES = 20
_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="pagerduty-backend")
_slots = threading.BoundedSemaphore(WORKERS)


def errors_body(status: int, message: str, retry_after: float | None = None) -> Response:
    """The router's error answer: ``{"errors": [message]}``, redacted and cut short."""
    response = jsonify({"errors": [redact(clip(message, TEXT_LIMIT))]})
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


@bp.errorhandler(BackendError)
def _backend_error(exc: BackendError) -> Response:
    return errors_body(exc.status, exc.message, exc.retry_after)


@bp.errorhandler(ActionError)
def _action_error(exc: ActionError) -> Response:
    return errors_body(exc.status, exc.message, exc.retry_after)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return errors_body(exc.code or 500, exc.description or exc.name)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    _LOG.exception("unhandled error on %s %s", request.method, clip(request.path, QUOTE_LIMIT))
    request_id = g.get("request_id", "")
    return errors_body(500, f"Internal server error (request {request_id}); see the server log")


def _bounded(build: Callable[[EntityPageReader], Any]) -> Response:
    """``build(reader)`` on the worker pool, answered within ``entityPage.cacheWaitSeconds``."""
    reader = entity_page_reader(app_state().services)
    budget = reader.settings.cache_wait_seconds
    if not _slots.acquire(blocking=False):
        raise BackendError(
            503, "Too many PagerDuty reads in flight; try again in a moment", retry_after=1
        )

    def work() -> Any:
        try:
            return build(reader)
        finally:
            _slots.release()

    future = _pool.submit(work)
    try:
        return jsonify(future.result(timeout=budget))
    except FutureTimeout:
        raise BackendError(
            504,
            f"PagerDuty did not answer within {budget:g} s (entityPage.cacheWaitSeconds); "
            "the read goes on in the background, within the client's own timeouts",
        ) from None


def _id(value: str, name: str) -> str:
    if not value or len(value) > _MAX_ID or not value.isprintable():
        raise BackendError(400, f"Bad Request: ':{name}' must be 1-{_MAX_ID} printable characters")
    return value


def _account() -> str | None:
    value = request.args.get("account") or None
    return _id(value, "account") if value is not None else None


# -- one service -----------------------------------------------------------------------------

# The reads about one service: the path under the prefix, and the name of both its endpoint and
# the view of ``entity_page.backend_views`` that builds its body (looked up per request).
# Each takes the service id and ``?account=`` and nothing else.
SERVICE_READS: tuple[tuple[str, str], ...] = (
    ("/services/<service_id>", "service"),
    ("/services/<service_id>/incidents", "incidents"),
    ("/services/<service_id>/change-events", "change_events"),
    ("/services/<service_id>/standards", "standards"),
    ("/services/<service_id>/metrics", "metrics"),
    ("/dependencies/service/<service_id>", "dependencies"),
)


def _service_read(name: str) -> Callable[[str], Response]:
    def read(service_id: str) -> Response:
        sid, account = _id(service_id, "serviceId"), _account()
        view = getattr(views, name)
        return _bounded(lambda r: view(r, sid, account))

    return read


for _path, _name in SERVICE_READS:
    bp.add_url_rule(_path, _name, _service_read(_name), methods=["GET"])


@bp.get("/oncall-users")
def oncall_users() -> Response:
    ids = request.args.getlist("escalation_policy_ids[]") + request.args.getlist(
        "escalation_policy_ids"
    )
    ids = [i for i in ids if i]
    if not ids:
        raise BackendError(400, "Bad Request: 'escalation_policy_ids[]' is required")
    if len(ids) > _MAX_POLICIES:
        raise BackendError(400, f"Bad Request: at most {_MAX_POLICIES} 'escalation_policy_ids[]'")
    policies = [_id(i, "escalation_policy_ids[]") for i in ids]
    account = _account()
    return _bounded(lambda r: views.oncall_users(r, policies, account))


# -- lists -----------------------------------------------------------------------------------


@bp.get("/services")
def services() -> Response:
    account = _account()
    key = request.args.get("integration_key")
    if key:
        integration_key = _id(key, "integration_key")
        return _bounded(lambda r: views.service_by_integration_key(r, integration_key, account))
    team_id = request.args.get("team_id") or None
    if team_id is not None:
        _id(team_id, "team_id")
    query = request.args.get("query") or None
    if query is not None and len(query) > 255:
        raise BackendError(400, "Bad Request: 'query' must be at most 255 characters")
    limit = _limit(request.args.get("limit"))
    return _bounded(
        lambda r: views.services(r, team_id=team_id, query=query, limit=limit, account=account)
    )


def _limit(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise BackendError(400, "Bad Request: 'limit' must be a whole number from 1 to 100")
    return int(raw)


@bp.get("/escalation_policies")
def escalation_policies() -> Response:
    return _bounded(views.escalation_policies)


@bp.get("/teams")
def teams() -> Response:
    account = _account()
    return _bounded(lambda r: views.teams(r, account))


@bp.get("/accounts")
def accounts() -> Response:
    return jsonify(views.accounts(app_state().config.section("pagerDuty")))


@bp.get("/health")
def health() -> Response:
    return jsonify({"status": "ok"})


# -- the card's trigger and its config -------------------------------------------------------

TRIGGER_ACTION = "pagerduty:incident:trigger"


@bp.post("/events/v2/enqueue")
def enqueue() -> tuple[Response, int]:
    """The card's trigger (it posts PagerDuty's Events API body to ``<eventsBaseUrl>/enqueue``),
    run as ``pagerduty:incident:trigger``: same validation, read-only rule, log and audit."""
    state = app_state()
    payload = _trigger_input(read_json_object())
    result = state.registry.run(
        TRIGGER_ACTION,
        payload,
        services=state.services,
        dry_run=False,
        caller=g.caller,
        initiator=request.headers.get("X-Backstage-Initiator"),
        request_id=g.request_id,
    )
    output = result.output
    body = {"status": output.get("status") or "success", "message": output.get("message") or "",
            "dedup_key": output["dedupKey"]}  # fmt: skip
    return jsonify(body), 202


def _trigger_input(event: dict[str, Any]) -> dict[str, Any]:
    """The Events API v2 trigger body as the action's input (unknown fields are refused by
    the action's schema, naming them)."""
    if event.get("event_action") != "trigger":
        raise BackendError(400, "Bad Request: only 'event_action': 'trigger' is accepted here")
    key = event.get("routing_key")
    if not isinstance(key, str) or not key:
        raise BackendError(400, "Bad Request: 'routing_key' (the integration key) is required")
    fields = event.get("payload")
    if not isinstance(fields, dict):
        raise BackendError(400, "Bad Request: 'payload' must be an object")
    out: dict[str, Any] = {"integrationKey": key, "summary": fields.get("summary")}
    for source, target in (("severity", "severity"), ("source", "source"), ("class", "class"),
                           ("component", "component"), ("group", "group"),
                           ("custom_details", "customDetails")):  # fmt: skip
        if fields.get(source) is not None:
            out[target] = fields[source]
    if event.get("dedup_key"):
        out["dedupKey"] = event["dedup_key"]
    client_url = event.get("client_url")
    if isinstance(client_url, str) and client_url.startswith(("https://", "http://")):
        out["links"] = [{"href": client_url, "text": str(event.get("client") or "Backstage")}]
    return out


@bp.get("/config")
def config() -> Response:
    """What the card's server is set to: read-only (every trigger refused) and cache time."""
    settings = entity_page_reader(app_state().services).settings
    return jsonify({"readOnly": settings.read_only, "cacheSeconds": settings.cache_seconds})


# -- what this server keeps elsewhere --------------------------------------------------------

_MAPPINGS = (
    "pagerduty-actions keeps entity mappings in the catalog, as the entity's annotations "
    "(pagerduty.com/service-id, pagerduty.com/integration-key, pagerduty.com/account): write "
    "them with the pagerduty:entity:annotate action (a pull request to catalog-info.yaml); "
    "GET /v2/mappings lists every component with its service"
)
KEPT_ELSEWHERE: list[tuple[str, str, str]] = [
    ("POST", "/mapping/entity", _MAPPINGS),
    ("GET", "/mapping/entity", _MAPPINGS),
    ("POST", "/mapping/entities", _MAPPINGS),
    ("POST", "/mapping/entities/bulk", _MAPPINGS),
    ("GET", "/mapping/entity/<kind>/<namespace>/<name>", _MAPPINGS),
    ("GET", "/mapping/entity/service/<serviceId>", _MAPPINGS),
    ("POST", "/mapping/entity/auto-match/start", _MAPPINGS),
    ("GET", "/mapping/entity/auto-match/<jobId>", _MAPPINGS),
    ("GET", "/catalog/entity/<kind>/<namespace>/<name>",
     "pagerduty-actions does not read entities for the card: the card reads the entity's "
     "pagerduty.com/service-id annotation itself; GET /v2/mappings lists every component with "
     "its service"),
    ("POST", "/settings",
     "pagerduty-actions keeps its settings in its own store: PUT /v2/settings/"
     "dependency-sync-strategy sets the dependency sync strategy"),
    ("GET", "/settings/<settingId>",
     "pagerduty-actions keeps its settings in its own store: GET /v2/settings/"
     "dependency-sync-strategy reads the dependency sync strategy"),
    ("POST", "/dependencies/service/<serviceId>",
     "pagerduty-actions changes PagerDuty's service dependencies only by the dependency sync, "
     "which follows the catalog's spec.dependsOn (pagerduty:dependencies:sync, POST /v2/sync)"),
    ("DELETE", "/dependencies/service/<serviceId>",
     "pagerduty-actions changes PagerDuty's service dependencies only by the dependency sync, "
     "which follows the catalog's spec.dependsOn (pagerduty:dependencies:sync, POST /v2/sync)"),
    ("POST", "/services/<serviceId>/integration/<vendorId>",
     "pagerduty-actions creates a service's Backstage integration with the service "
     "(pagerduty:service:create) and writes its key to the catalog with "
     "pagerduty:entity:annotate (integrationKey: true)"),
    *[
        (method, path, "pagerduty-actions does not manage PagerDuty custom fields")
        for method, path in (
            ("GET", "/custom-fields"),
            ("POST", "/custom-fields"),
            ("PUT", "/custom-fields/<fieldId>"),
            ("PATCH", "/custom-fields/<fieldId>/enabled"),
            ("DELETE", "/custom-fields/<fieldId>"),
            ("POST", "/custom-fields/sync"),
            ("POST", "/custom-fields/sync-logs"),
            ("GET", "/custom-fields/sync-logs"),
        )
    ],
]  # fmt: skip
"""(method, path, where instead): routes of the 0.14.0 router served only by this answer."""


def _served_methods(path: str) -> list[str]:
    """The methods this blueprint really serves at ``path`` (for a 405's ``Allow``)."""
    return ["GET"] if path == "/dependencies/service/<serviceId>" else []


def _elsewhere_view(method: str, path: str, where: str) -> Callable[..., Response]:
    def view(**_params: str) -> Response:
        if method == "GET" or path == "/mapping/entities":
            return errors_body(404, f"Not served here: {where}")
        response = errors_body(405, f"Not served here: {where}")
        response.headers["Allow"] = ", ".join(_served_methods(path))
        return response

    return view


for _method, _path, _where in KEPT_ELSEWHERE:
    _endpoint = (
        "elsewhere_" + _method.lower() + _path.replace("/", "_").replace("<", "").replace(">", "")
    )
    bp.add_url_rule(_path, _endpoint, _elsewhere_view(_method, _path, _where), methods=[_method])
