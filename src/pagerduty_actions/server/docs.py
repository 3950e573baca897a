"""``/openapi.json`` and ``/metrics``."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from .openapi import build_openapi
from .state import app_state

bp = Blueprint("docs", __name__)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(build_openapi(app_state().registry))


@bp.get("/metrics")
def metrics() -> Response:
    return Response(app_state().metrics.render(), mimetype="text/plain; version=0.0.4")
