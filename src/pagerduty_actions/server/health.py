"""Liveness and readiness; no auth, so orchestrators can probe them."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ..store import DatabaseUnavailable
from .state import app_state

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    services = app_state().services
    checks: dict[str, str] = {}
    ready = True
    try:
        services.db.ping()
        checks["database"] = "ok"
    except DatabaseUnavailable as exc:
        checks["database"] = str(exc)
        ready = False
    # Survivable start-up findings (an OAuth scope not granted) are shown, not fatal: the
    # actions that do not need the scope still work.
    checks.update(services.startup_problems)
    body: dict[str, object] = {"status": "ok" if ready else "unavailable", "checks": checks}
    if services.sandbox_mode:
        body["sandbox"] = True
    return jsonify(body), 200 if ready else 503
