"""What the admin pages hold for the life of the app, handed over by the app factory (the
pages import nothing of ``server``: it sits above them and registers them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from ..admin.snapshot import SnapshotCache
from ..config import Config
from ..entity_page import EntityPageSettings
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
    def entity_page(self) -> EntityPageSettings:
        """``entityPage``: its ``readOnly`` rule is the pages' too (show, never write)."""
        return EntityPageSettings.from_config(self.config)

    @property
    def read_only(self) -> bool:
        return self.entity_page.read_only


def ui_state() -> UiState:
    state: UiState = current_app.extensions[EXTENSION]
    return state
