"""The Flask app factory: wires config, services and the registry into blueprints."""

from __future__ import annotations

import logging
import os
import time

from flask import Flask, Response, g, request
from werkzeug.routing import PathConverter

from .. import ui
from ..bootstrap import build_services
from ..config import Config
from ..redaction import QUOTE_LIMIT, clip
from ..registry import Registry
from ..services import Services
from . import actions, docs, health, pagerduty_api, pagerduty_backend_api, sync_api, templates_api
from .auth import CallerAuthenticator
from .errors import register_error_handlers
from .metrics import Metrics
from .state import AppState, app_state

_ACCESS = logging.getLogger("pagerduty_actions.access")
_PUBLIC_ENDPOINTS = {"health.healthz", "health.readyz"}


def create_app(
    config: Config,
    *,
    services: Services | None = None,
    registry: Registry | None = None,
) -> Flask:
    """Build the WSGI app. ``services``/``registry`` default to those the config describes."""
    app = Flask("pagerduty_actions")
    # A path segment the API takes as a value (an entity ref, an action id) reaches its handler
    # whatever it holds, to be refused with a 400 naming it: no 308 to a path with merged
    # slashes, no 404 for a line break (both found by the OpenAPI fuzzer).
    app.url_map.merge_slashes = False
    app.url_map.converters["path"] = _AnyPath
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    services = services or build_services(config)
    registry = registry or Registry.load()
    app.extensions["pagerduty_actions"] = AppState(
        config=config,
        services=services,
        registry=registry,
        auth=CallerAuthenticator(config.auth_tokens),
        metrics=Metrics(),
    )
    app.extensions["pagerduty_actions"].metrics.follow_sync(services)
    for blueprint in (
        health.bp,
        actions.bp,
        docs.bp,
        sync_api.bp,
        templates_api.bp,
        pagerduty_api.bp,
        pagerduty_backend_api.bp,
    ):
        app.register_blueprint(blueprint)
    state = app.extensions["pagerduty_actions"]
    ui.register(app, config=config, services=services, authenticate=state.auth.authenticate)
    register_error_handlers(app, not_found_hints={pagerduty_api.PREFIX: pagerduty_api.SERVED})
    app.before_request(_before)
    app.after_request(_after)
    return app


class _AnyPath(PathConverter):
    """Werkzeug's ``path`` converter, also matching line breaks (its ``.`` stops at them) and
    a leading slash (``//x`` is refused by the handler, not redirected)."""

    regex = r"[\s\S]+?"
    part_isolating = False  # spans slashes (werkzeug infers it from "/" in the regex)


def _before() -> None:
    # Read once, and headers straight from the WSGI environ (what ``request.headers.get``
    # reads, after spelling the name as its key): each proxy use is a context-variable lookup.
    context = g._get_current_object()
    served = request._get_current_object()  # type: ignore[attr-defined]
    environ = served.environ
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    context.request_id = (
        incoming if 0 < len(incoming) <= 100 and incoming.isprintable() else os.urandom(8).hex()
    )
    context.started = time.monotonic()
    if served.endpoint in _PUBLIC_ENDPOINTS or _is_page(served.path):
        return
    context.caller = app_state().auth.authenticate(environ.get("HTTP_AUTHORIZATION"))


def _is_page(path: str) -> bool:
    """The admin pages (``/ui``) sign their callers in by session cookie, not bearer token."""
    return path == "/ui" or path.startswith("/ui/")


def _after(response: Response) -> Response:
    # Read once: each use of ``request`` or ``g`` is a context-variable lookup through a proxy.
    context = g._get_current_object()
    served = request._get_current_object()  # type: ignore[attr-defined]
    duration = time.monotonic() - getattr(context, "started", time.monotonic())
    rule, method = served.url_rule, served.method
    route = rule.rule if rule else "unmatched"
    app_state().metrics.request_served(method, route, str(response.status_code), duration)
    request_id = getattr(context, "request_id", None)
    response.headers["X-Request-Id"] = request_id or ""
    caller = getattr(context, "caller", None)
    _ACCESS.info(
        "%s %s %s %.1fms caller=%s",
        method,
        clip(served.path, QUOTE_LIMIT),
        response.status_code,
        duration * 1000,
        caller.name if caller else "-",
        extra={"request_id": request_id},
    )
    return response
