"""Turn a Config into running Services: database (migrated), PagerDuty accounts or sandbox.

Start-up fails here, early and with a message that says what to fix, rather than on the
first request.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from .config import Config
from .errors import StartupError
from .services import Services
from .store import Database, DatabaseUnavailable

_LOG = logging.getLogger("pagerduty_actions.startup")


def build_services(config: Config, *, migrate: bool = True) -> Services:
    db = Database(config.database_url)
    if migrate:
        try:
            db.migrate()
        except DatabaseUnavailable as exc:
            db.dispose()
            raise StartupError(
                f"{exc}. Check database.url in {config.source} and that the server is running."
            ) from None
    return Services(config=config, db=db)


def ensure_local_token(config: Config) -> tuple[Config, str | None]:
    """With no ``auth.tokens``, generate a local token (kept in the data dir, mode 0600).

    Returns the config with the token added and the token itself when it was needed, so
    ``make serve`` works with no set-up and still never serves an unauthenticated API.
    """
    if config.auth_tokens:
        return config, None
    path = config.data_dir / "local-token"
    token = _read_token(path)
    if token is None:
        token = "pda_" + secrets.token_urlsafe(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(token + "\n", encoding="utf-8")
    auth = {"tokens": [{"name": "local", "token": token}]}
    return config.with_overrides(auth=auth), token


def _read_token(path: Path) -> str | None:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return value or None
