"""``/v2/actions``: list, describe and run actions, in Backstage's shapes."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, Request, Response, g, jsonify, request

from ..errors import ActionError, InputError, UnsupportedMediaTypeError
from ..redaction import QUOTE_LIMIT, clip
from .errors import error_response
from .json_body import parse_json_body
from .state import AppState, app_state

bp = Blueprint("actions", __name__)
_MAX_KEY_LENGTH = 255
_RUNS = logging.getLogger("pagerduty_actions.actions")


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def read_json_object(served: Request | None = None) -> dict[str, Any]:
    """The request body as a JSON object, or an error that says how to send it. ``served``:
    the request, when the caller has it at hand (else ``request`` is looked up)."""
    if served is None:
        served = request._get_current_object()  # type: ignore[attr-defined]
    raw = served.get_data(cache=True)
    if not raw.strip():
        raise InputError(
            "the request body is empty; send the action's input as a JSON object "
            "(an action without required inputs takes {})"
        )
    mimetype = served.mimetype
    if not _is_json(mimetype):
        sent = mimetype or "no Content-Type"
        raise UnsupportedMediaTypeError(
            f"expected a JSON body with 'Content-Type: application/json', got {sent}; "
            "in an http:backstage:request step add headers: {content-type: application/json}"
        )
    payload = parse_json_body(raw)
    if not isinstance(payload, dict):
        raise InputError(
            f"the request body must be a JSON object of inputs, not {type(payload).__name__}",
            details=[{"path": "$", "message": "must be an object"}],
        )
    return payload


def _flag(served: Request, name: str) -> bool:
    if not served.environ.get("QUERY_STRING"):
        return False  # no query: no MultiDict of the arguments to build
    value = served.args.get(name)
    if value is None or value.lower() in ("false", "0", ""):
        return False
    if value.lower() in ("true", "1"):
        return True
    raise InputError(
        f"query parameter {name} must be true or false, not {clip(repr(value), QUOTE_LIMIT)}"
    )


def _idempotency_key(environ: dict[str, Any]) -> str | None:
    key: str | None = environ.get("HTTP_IDEMPOTENCY_KEY")  # what request.headers.get reads
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > _MAX_KEY_LENGTH or not key.isprintable():
        raise InputError(f"Idempotency-Key must be 1-{_MAX_KEY_LENGTH} printable characters")
    return key


@bp.get("/v2/actions")
def list_actions() -> Response:
    return jsonify([spec.describe() for spec in app_state().registry.specs()])


@bp.get("/v2/actions/<path:action_id>")
def describe_action(action_id: str) -> Response:
    return jsonify(app_state().registry.get(action_id).describe())


def _origin_header(environ: dict[str, Any], key: str) -> str | None:
    """A caller-sent label (Backstage's task or step id; ``key``: its WSGI environ key) fit
    for a log line: printable and cut short, or dropped."""
    value = environ.get(key)
    if not value:
        return None
    value = value.strip()
    return clip(value, QUOTE_LIMIT) if value and value.isprintable() else None


def _log_run(
    served: Request,
    request_id: str | None,
    action_id: str,
    dry_run: bool,
    seconds: float,
    outcome: str,
    error: ActionError | None,
) -> None:
    """One line per run, with what an operator needs to find it and act on it: the action,
    the Backstage task and step that ran it (``X-Backstage-Task-Id``/``-Step-Id``, sent by our
    scaffolder module), and for a failure the error's name and message, cut and redacted, not
    only the access line's status."""
    environ = served.environ
    task = _origin_header(environ, "HTTP_X_BACKSTAGE_TASK_ID")
    step = _origin_header(environ, "HTTP_X_BACKSTAGE_STEP_ID")
    where = ", ".join(f"{k} {v}" for k, v in (("task", task), ("step", step)) if v)
    fields: dict[str, Any] = {
        "action": action_id,
        "outcome": outcome,
        "dryRun": dry_run,
        "durationMs": round(seconds * 1000),
        "taskId": task,
        "stepId": step,
    }
    suffix = f" ({where})" if where else ""
    extra = {"request_id": request_id, "fields": fields}
    if error is None:
        _RUNS.info(
            "action %s: %s in %d ms%s",
            action_id,
            outcome,
            fields["durationMs"],
            suffix,
            extra=extra,
        )
        return
    message = error.redacted_message()  # the error body's message: redacted once for both
    fields.update(errorName=error.name, errorMessage=message, status=error.status)
    _RUNS.log(
        logging.ERROR if error.status >= 500 else logging.WARNING,
        "action %s failed%s: %s: %s",
        action_id,
        suffix,
        error.name,
        message,
        extra=extra,
    )


@bp.post("/v2/actions/<path:action_id>")
def run_action(action_id: str) -> Response:
    state = app_state()
    registry = state.registry
    registry.get(action_id)  # unknown id: 404 before reading the body
    # Read once: each use of ``request`` or ``g`` is a context-variable lookup through a proxy.
    served = request._get_current_object()  # type: ignore[attr-defined]
    context = g._get_current_object()
    environ = served.environ
    request_id = context.request_id
    dry_run = _flag(served, "dryRun")
    started = time.monotonic()
    run = _RunMetricsAndLog(state, served, request_id, action_id, dry_run, started)
    try:
        payload = read_json_object(served)
        result = registry.run(
            action_id,
            payload,
            services=state.services,
            dry_run=dry_run,
            caller=context.caller,
            initiator=environ.get("HTTP_X_BACKSTAGE_INITIATOR"),
            idempotency_key=_idempotency_key(environ),
            request_id=request_id,
        )
    except ActionError as exc:
        run.ended(exc.name, exc)
        # Answered here rather than raised through Flask's error handling: the body the
        # ActionError handler gives, without the exception's trip through Flask.
        return error_response(exc, served)
    except BaseException:
        run.ended("error", None)
        raise
    run.ended("replayed" if result.replayed else "success", None)
    response = jsonify(result.body())
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


class _RunMetricsAndLog:
    """What a run's metrics and log line need, gathered once by ``run_action``."""

    def __init__(
        self,
        state: AppState,
        served: Request,
        request_id: str | None,
        action_id: str,
        dry_run: bool,
        started: float,
    ) -> None:
        self.state, self.served, self.request_id = state, served, request_id
        self.action_id, self.dry_run, self.started = action_id, dry_run, started

    def ended(self, outcome: str, error: ActionError | None) -> None:
        """The run's metrics and its log line."""
        seconds = time.monotonic() - self.started
        dry = "true" if self.dry_run else "false"
        self.state.metrics.action_ran(self.action_id, outcome, dry, seconds)
        _log_run(
            self.served, self.request_id, self.action_id, self.dry_run, seconds, outcome, error
        )
