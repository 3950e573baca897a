"""The adapters a handler may use, built once per process from the configuration.

One object so the server, the CLI and the template runner hand handlers the same things,
and tests can swap any adapter (a sandbox, a fake clock) in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import Config
from .store import Database


@dataclass
class Services:
    config: Config
    db: Database | None = None
    sandbox_mode: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        for value in self.extras.values():
            closer = getattr(value, "close", None) or getattr(value, "stop", None)
            if callable(closer):
                closer()
        if self.db is not None:
            self.db.dispose()
