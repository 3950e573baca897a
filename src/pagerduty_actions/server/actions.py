"""``/v2/actions``: list, describe and run actions, in Backstage's shapes."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from ..errors import ActionError, InputError, UnsupportedMediaTypeError
from ..redaction import QUOTE_LIMIT, TEXT_LIMIT, clip, redact
from .errors import error_response
from .json_body import parse_json_body
from .state import app_state

bp = Blueprint("actions", __name__)
_MAX_KEY_LENGTH = 255
_RUNS = logging.getLogger("pagerduty_actions.actions")


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def read_json_object() -> dict[str, Any]:
    """The request body as a JSON object, or an error that says how to send it."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise InputError(
            "the request body is empty; send the action's input as a JSON object "
            "(an action without required inputs takes {})"
        )
    if not _is_json(request.mimetype):
        sent = request.mimetype or "no Content-Type"
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


def _flag(name: str) -> bool:
    if not request.query_string:
        return False  # no query: no MultiDict of the arguments to build
    value = request.args.get(name)
    if value is None or value.lower() in ("false", "0", ""):
        return False
    if value.lower() in ("true", "1"):
        return True
    raise InputError(
        f"query parameter {name} must be true or false, not {clip(repr(value), QUOTE_LIMIT)}"
    )


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
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


def _origin_header(headers: Any, name: str) -> str | None:
    """A caller-sent label (Backstage's task or step id) fit for a log line: printable and
    cut short, or dropped."""
    value = headers.get(name, "").strip()
    return clip(value, QUOTE_LIMIT) if value and value.isprintable() else None


def _log_run(
    action_id: str, dry_run: bool, seconds: float, outcome: str, error: ActionError | None
) -> None:
    """One line per run, with what an operator needs to find it and act on it: the action,
    the Backstage task and step that ran it (``X-Backstage-Task-Id``/``-Step-Id``, sent by our
    scaffolder module), and for a failure the error's name and message, cut and redacted, not
    only the access line's status."""
    headers = request.headers
    task = _origin_header(headers, "X-Backstage-Task-Id")
    step = _origin_header(headers, "X-Backstage-Step-Id")
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
    extra = {"request_id": g.get("request_id"), "fields": fields}
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
    message = redact(clip(error.message, TEXT_LIMIT))
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
    dry_run = _flag("dryRun")
    started = time.monotonic()
    try:
        payload = read_json_object()
        result = registry.run(
            action_id,
            payload,
            services=state.services,
            dry_run=dry_run,
            caller=g.caller,
            initiator=request.headers.get("X-Backstage-Initiator"),
            idempotency_key=_idempotency_key(),
            request_id=g.request_id,
        )
    except ActionError as exc:
        _ran(action_id, dry_run, started, exc.name, exc)
        # Answered here rather than raised through Flask's error handling: the body the
        # ActionError handler gives, without the exception's trip through Flask.
        return error_response(exc)
    except BaseException:
        _ran(action_id, dry_run, started, "error", None)
        raise
    _ran(action_id, dry_run, started, "replayed" if result.replayed else "success", None)
    response = jsonify(result.body())
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _ran(
    action_id: str, dry_run: bool, started: float, outcome: str, error: ActionError | None
) -> None:
    """The run's metrics and its log line."""
    seconds = time.monotonic() - started
    app_state().metrics.action_ran(action_id, outcome, str(dry_run).lower(), seconds)
    _log_run(action_id, dry_run, seconds, outcome, error)
