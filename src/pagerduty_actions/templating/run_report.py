"""What a template run produced: one result per step, the rendered output, the log.

The CLI prints a progress line per step from ``StepResult`` and the report at the end;
``POST /v2/dry-run`` turns it into Backstage's dry-run response. Step outputs stay in
memory (our actions return secrets such as integration keys); what leaves the process is
the step list, the log and the template's own ``output``, with secret values scrubbed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pagerduty_actions.redaction import redact

COMPLETED = "completed"
SKIPPED = "skipped"
FAILED = "failed"
NOT_RUN = "not-run"


@dataclass
class StepResult:
    """One step: what ran, how it ended, how long it took."""

    id: str | None
    name: str
    action: str
    status: str
    seconds: float = 0.0
    reason: str | None = None
    #: The rendered input of a step skipped in a dry run (secrets scrubbed).
    input: Any = None
    output: dict[str, Any] = field(default_factory=dict, repr=False)
    dry_run: bool = False

    def progress_line(self) -> str:
        label = self.id or "(no id)"
        reason = f"  ({self.reason})" if self.reason else ""
        return f"{label:<20} {self.action:<28} {self.status:<9} {self.seconds:6.2f}s{reason}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "action": self.action,
            "status": self.status,
            "seconds": round(self.seconds, 3),
        }
        if self.reason:
            out["reason"] = self.reason
        if self.input is not None:
            out["input"] = self.input
        if self.dry_run:
            out["dryRun"] = True
        return out


@dataclass
class RunReport:
    template: str
    dry_run: bool
    sandbox: bool
    workspace: Path
    steps: list[StepResult] = field(default_factory=list)
    output: dict[str, Any] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    failed_step: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "template": self.template,
            "ok": self.ok,
            "dryRun": self.dry_run,
            "sandbox": self.sandbox,
            "steps": [step.as_dict() for step in self.steps],
            "output": self.output,
            "log": self.log,
        }
        if self.error is not None:
            out["failedStep"] = self.failed_step
            out["error"] = self.error
        return out


class Scrubber:
    """Replace known secret values (and credential shapes) in text and JSON trees."""

    def __init__(self, secrets: Iterable[Any]) -> None:
        values = {str(v) for v in secrets if isinstance(v, str | int) and len(str(v)) >= 4}
        self._secrets = sorted(values, key=len, reverse=True)

    def text(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return redact(text)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value
