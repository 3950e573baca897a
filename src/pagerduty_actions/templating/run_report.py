"""What a template run produced: one result per step, the rendered output, the log, and
what was made where (real, or only in the PagerDuty sandbox).

The CLI prints a progress line per step from ``StepResult`` (with the step's log lines) and the
report at the end; ``POST /v2/dry-run`` turns it into Backstage's dry-run response. Step
outputs stay in memory (our actions return secrets such as integration keys); what leaves the
process is the step list (with our steps' rendered input and plan in a dry run), the log, what
was made and the template's own ``output``, with secret values scrubbed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pagerduty_actions.redaction import redact
from pagerduty_actions.templating.run_effects import Effect

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
    #: The rendered input of a step skipped in a dry run, or of our action's step in a dry
    #: run (secrets scrubbed).
    input: Any = None
    #: What our action would do, in a dry run: its ``plan`` output (the write requests), or
    #: its whole dry-run output when it has no ``plan`` (secrets scrubbed).
    plan: Any = None
    output: dict[str, Any] = field(default_factory=dict, repr=False)
    dry_run: bool = False
    #: The step's log lines (``{level, message}``), also in the report's ``log``.
    log: list[dict[str, str]] = field(default_factory=list, repr=False)

    def progress_line(self) -> str:
        label = self.id or "(no id)"
        reason = f"  ({self.reason})" if self.reason else ""
        return f"{label:<20} {self.action:<28} {self.status:<9} {self.seconds:6.2f}s{reason}"

    def detail_lines(self) -> list[str]:
        """Indented under the progress line: the step's log (its failure is in the line
        already), then a planned request list as ``plan: POST /services, ...``."""
        lines = [
            f"    {entry['level']}: {entry['message']}"
            for entry in self.log
            if not (entry["level"] == "error" and entry["message"] == self.reason)
        ]
        plans = self.plan if _is_each_of_plans(self.plan) else [self.plan]
        for plan in plans:
            requests = _request_lines(plan)
            if requests is not None:
                lines.append(f"    plan: {', '.join(requests) or 'no writes'}")
        return lines

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
        if self.plan is not None:
            out["plan"] = self.plan
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
    #: What our steps made, real or sandbox, in order (empty in a dry run).
    effects: list[Effect] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def made_real_changes(self) -> bool:
        return any(not effect.sandbox for effect in self.effects)

    def summary_lines(self) -> list[str]:
        """What was made, where: the line about the sandbox, then one line per effect."""
        lines: list[str] = []
        if self.dry_run:
            where = " against the built-in PagerDuty sandbox" if self.sandbox else ""
            lines.append(f"dry run{where}: nothing was created, changed or pushed")
        elif self.sandbox and not self.made_real_changes:
            lines.append("sandbox: no PagerDuty credentials configured; nothing real was created")
        elif self.sandbox:
            lines.append(
                "sandbox: no PagerDuty credentials configured; PagerDuty objects exist only in "
                "the built-in sandbox, but the git changes marked real below were made"
            )
        if self.effects:
            lines.append("made:")
            lines += [f"  {effect.text()}" for effect in self.effects]
        return lines

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "template": self.template,
            "ok": self.ok,
            "dryRun": self.dry_run,
            "sandbox": self.sandbox,
            "steps": [step.as_dict() for step in self.steps],
            "output": self.output,
            "log": self.log,
            "effects": [effect.as_dict() for effect in self.effects],
            "madeRealChanges": self.made_real_changes,
        }
        if self.error is not None:
            out["failedStep"] = self.failed_step
            out["error"] = self.error
        return out


def _request_lines(plan: Any) -> list[str] | None:
    """``["POST /services", ...]`` for a plan that is a list of requests, else None."""
    if not isinstance(plan, list):
        return None
    if not all(isinstance(r, dict) and "method" in r and "path" in r for r in plan):
        return None
    return [f"{r['method']} {r['path']}" for r in plan]


def _is_each_of_plans(plan: Any) -> bool:
    return isinstance(plan, list) and bool(plan) and all(isinstance(p, list) for p in plan)


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
