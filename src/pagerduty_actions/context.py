"""What a handler gets besides its input and its services: the run's flags, a log, progress.

Handlers never see HTTP. They read ``ctx.dry_run``, write ``ctx.log(...)`` lines that come
back to the template author, and note ``ctx.progress``; the adapters they use (PagerDuty, the
store, the config, ...) are not here but passed to ``run`` by name (see ``registry.PROVIDERS``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_LOG = logging.getLogger("pagerduty_actions.action")
ProgressSink = Callable[[dict[str, Any] | None], None]


class RunProgress:
    """What a run has made so far, written where a retry of the same request finds it.

    With an Idempotency-Key the registry keeps it on the key's database record, so a retry
    after a crash starts from ``recorded`` (what the interrupted run had noted) and finishes
    or undoes the work. Without a key it is kept nowhere. Ids and names only: never a secret.
    """

    def __init__(
        self, recorded: dict[str, Any] | None = None, sink: ProgressSink | None = None
    ) -> None:
        self.recorded: dict[str, Any] = dict(recorded or {})
        self._current = dict(self.recorded)
        self._sink = sink

    def note(self, **fields: Any) -> None:
        """Add ``fields`` to the record and write it before returning."""
        self._current.update(fields)
        if self._sink is not None:
            self._sink(dict(self._current))

    def forget(self) -> None:
        """Nothing is left to finish or undo."""
        self._current = {}
        if self._sink is not None:
            self._sink(None)


@dataclass
class ActionContext:
    action_id: str
    dry_run: bool
    caller: str = "anonymous"
    initiator: str | None = None
    request_id: str | None = None
    log_lines: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    progress: RunProgress = field(default_factory=RunProgress)

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
