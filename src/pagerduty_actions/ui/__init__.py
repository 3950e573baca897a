"""The admin pages under ``/ui``: server-rendered HTML (Jinja2, a little CSS, no script), signed
in by session cookie. ``server.app`` registers them; they reach the app's config, services and
token check only through what :func:`register` is handed, so they import nothing of
``server``. What they show and do without HTTP lives in ``admin/``."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from ..admin.snapshot import SnapshotCache, read_snapshot
from ..config import Config
from ..registry import Caller
from ..services import Services
from . import views_auth, views_graph, views_mappings, views_sync
from .blueprint import bp
from .session import SessionSigner
from .state import EXTENSION, UiState

_VIEWS = (
    views_auth,
    views_mappings,
    views_sync,
    views_graph,
)  # importing them adds their routes to ``bp``


def register(
    app: Flask,
    *,
    config: Config,
    services: Services,
    authenticate: Callable[[str | None], Caller],
) -> None:
    app.extensions[EXTENSION] = UiState(
        config=config,
        services=services,
        authenticate=authenticate,
        signer=SessionSigner(config.auth_tokens),
        snapshots=SnapshotCache(lambda: read_snapshot(services)),
    )
    app.register_blueprint(bp)
