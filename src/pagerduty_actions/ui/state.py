"""What the admin pages hold for the life of the app, handed over by the app factory (the
pages import nothing of ``server``: it sits above them and registers them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from ..admin.snapshot import SnapshotCache
from ..config import Config
from ..registry import Caller
from ..services import Services
from .session import SessionSigner

EXTENSION = "pagerduty_actions.ui"


@dataclass
class UiState:
    config: Config
    services: Services
    #: The server's bearer-token check (``CallerAuthenticator.authenticate``): sign-in runs
    #: the token through it, so a page accepts exactly the tokens the API accepts.
    authenticate: Callable[[str | None], Caller]
    signer: SessionSigner
    snapshots: SnapshotCache

    @property
    def read_only(self) -> bool:
        """``entityPage.readOnly``: the pages show, never write."""
        return bool(self.config.section("entityPage").get("readOnly", False))


def ui_state() -> UiState:
    state: UiState = current_app.extensions[EXTENSION]
    return state
