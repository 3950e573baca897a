"""Every error leaves as Backstage's error body; nothing else (no HTML, no stack trace)."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping

from flask import Flask, Request, Response, current_app, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from ..errors import ActionError, InternalError, NotFoundError, PayloadTooLargeError
from ..redaction import QUOTE_LIMIT, clip

_LOG = logging.getLogger("pagerduty_actions.server")


def _path() -> str:
    """The request path as we quote it: cut short, as any input we echo."""
    return clip(request.path, QUOTE_LIMIT)


def error_response(error: ActionError, served: Request | None = None) -> Response:
    """Backstage's error body of ``error`` for the request (``served``, when the caller has
    it at hand) with the error's status. Encoded as ``jsonify`` encodes it outside debug mode
    (compact, the app's ``ensure_ascii`` and ``default``, a final line break), without its
    argument handling."""
    if served is None:
        served = request._get_current_object()  # type: ignore[attr-defined]
    body = error.body({"method": served.method, "url": clip(served.path, QUOTE_LIMIT)})
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    provider = app.json
    if app.debug or not isinstance(provider, DefaultJSONProvider) or provider.compact is False:
        response = jsonify(body)  # indented, or a provider of the app's own
    else:
        text = json.dumps(
            body,
            separators=(",", ":"),
            ensure_ascii=provider.ensure_ascii,
            sort_keys=provider.sort_keys,
            default=provider.default,
        )
        response = app.response_class(f"{text}\n", mimetype=provider.mimetype)
    response.status_code = error.status
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return response


def _from_http_exception(exc: HTTPException, hints: Mapping[str, str]) -> ActionError:
    if exc.code == 404:
        served = next(
            (
                f"; under {prefix} this server answers only {hint}"
                for prefix, hint in hints.items()
                if request.path.startswith(prefix)
            ),
            "",
        )
        return NotFoundError(f"no route {request.method} {_path()}{served}")
    allowed = getattr(exc, "valid_methods", None)
    if exc.code == 405 and allowed:
        # HEAD and OPTIONS come with every route; the message names what the route is for.
        named = [m for m in allowed if m not in ("HEAD", "OPTIONS")] or list(allowed)
        error = ActionError(
            f"{request.method} is not served at {_path()}; it takes {', '.join(named)}"
        )
        error.status, error.name = 405, "MethodNotAllowedError"
        return error
    if exc.code == 413:
        limit = request.max_content_length or 0
        return PayloadTooLargeError(f"request body is larger than {limit} bytes")
    error = ActionError(exc.description or exc.name)
    error.status = exc.code or 500
    error.name = exc.name.replace(" ", "") + "Error"
    return error


def register_error_handlers(
    app: Flask, *, not_found_hints: Mapping[str, str] | None = None
) -> None:
    """Every error as Backstage's error body; ``not_found_hints`` maps a path prefix to what
    is served under it, which the 404 of an unknown path there lists."""
    hints = dict(not_found_hints or {})

    @app.errorhandler(ActionError)
    def _action_error(exc: ActionError) -> Response:
        return error_response(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        response = error_response(_from_http_exception(exc, hints))
        allowed = getattr(exc, "valid_methods", None)  # a 405 says what is allowed (RFC 9110)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        _LOG.exception("unhandled error on %s %s", request.method, _path())
        return error_response(InternalError("internal error; the server log has the details"))
