"""What a handler gets besides its input: the run's flags, a log, and the adapters.

Handlers never see HTTP. They read ``ctx.dry_run``, write ``ctx.log(...)`` lines that come
back to the template author, and reach PagerDuty, git and the store through ``ctx.services``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from .services import Services

_LOG = logging.getLogger("pagerduty_actions.action")


@dataclass
class ActionContext:
    action_id: str
    dry_run: bool
    services: Services
    caller: str = "anonymous"
    initiator: str | None = None
    request_id: str | None = None
    log_lines: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def log(self, message: str, level: str = "info") -> None:
        """Add a line to the run's log (returned to the caller) and to our own log."""
        self.log_lines.append({"level": level, "message": message})
        _LOG.log(
            logging.WARNING if level == "warn" else logging.INFO,
            "%s: %s",
            self.action_id,
            message,
            extra={"request_id": self.request_id},
        )

    def warn(self, message: str) -> None:
        """A warning is both logged and listed in the output's ``warnings``."""
        self.warnings.append(message)
        self.log(message, level="warn")


def output_with_warnings(ctx: ActionContext, output: dict[str, Any]) -> dict[str, Any]:
    output.setdefault("warnings", list(ctx.warnings))
    return output
