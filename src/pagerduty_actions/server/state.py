"""What the app holds for the life of the process, reachable from any blueprint."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from ..config import Config
from ..registry import Registry
from ..services import Services
from .auth import CallerAuthenticator
from .metrics import Metrics


@dataclass
class AppState:
    config: Config
    services: Services
    registry: Registry
    auth: CallerAuthenticator
    metrics: Metrics


def app_state(app: Flask | None = None) -> AppState:
    state: AppState = (app or current_app).extensions["pagerduty_actions"]
    return state
