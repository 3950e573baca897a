"""``pagerduty-actions sync``: a dependency sync from the command line, with a progress bar."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from .bootstrap import build_services
from .config import load_config
from .errors import ActionError, ConfigError, StartupError
from .logging_setup import configure_logging
from .services import Services
from .sync import service as sync_service
from .sync.model import STRATEGIES
from .sync.real_git import ALLOW_REAL_GIT_FLAG
from .sync.runs import active_runs


class _Bar:
    """Progress on stderr, so --json stays clean: on a terminal one line that redraws (phase,
    done/total, calls spent) and is erased when the run ends; otherwise (a CI log, a pipe) one
    plain line as each phase ends."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.last = ""
        self.phase = ""

    def __call__(self, phase: str, done: int, total: int, calls: int) -> None:
        if not self.enabled:
            return
        if not self.tty:
            if done == total and phase != self.phase:
                sys.stderr.write(f"{phase}: {done}/{total} done, {calls} PagerDuty call(s)\n")
                sys.stderr.flush()
                self.phase = phase
            return
        width = 30
        filled = int(width * done / total) if total else 0
        line = (
            f"\r{phase:<22} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {calls} calls"
        )
        if line != self.last:
            sys.stderr.write(line)
            sys.stderr.flush()
            self.last = line

    def close(self) -> None:
        """The run is over: the bar's line is erased on a terminal, so a finished run never
        leaves a stale "0/3" under its summary (which says what was done)."""
        if self.enabled and self.tty and self.last:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self.last = ""


def _summary(report: dict[str, Any]) -> str:
    """The report for a person: one line per change, each Backstage change followed by where
    it went (the pull request, commit or file), then what failed, was kept or is unmapped."""
    if report.get("message"):
        return str(report["message"])
    counts = report["counts"]
    status = report.get("status", "succeeded")
    lines = [
        f"strategy {report['strategy']}{' (dry run)' if report['dryRun'] else ''}: "
        f"{counts.get('entities', 0)} component(s), {counts.get('mapped', 0)} mapped, "
        f"{counts['changes']} change(s), {counts.get('calls', 0)} PagerDuty call(s)"
        + ("" if status == "succeeded" else f" — {status.upper()}"),
    ]
    if report.get("error"):
        lines.append(f"  stopped: {report['error']}")
    destinations = _destinations(report.get("deliveries") or [])
    applied = {_key(c) for c in report["applied"]}
    for change in report["changes"]:
        lines.append(f"  {change.get('kind', 'edit')} {_describe(change)} — {change['reason']}")
        where = destinations.get(str(change.get("entityRef")))
        if where and _key(change) in applied:
            lines.append(f"      -> {where}")
    if report["applied"] and status != "succeeded":
        lines += [f"  applied {_describe(c)}" for c in report["applied"]]
    for failure in report["failed"]:
        lines.append(f"  FAILED {_describe(failure)}: {failure['error']}")
    if report["notAttempted"]:
        lines.append(
            f"  not attempted: {len(report['notAttempted'])} change(s); run again to finish"
        )
    lines += [
        f"  kept {k['dependent']} -> {k['supporting']} ({k['reason']})" for k in report["kept"]
    ]
    lines += [
        f"  {u['status']}: {u['entityRef']} {u['detail']}".rstrip() for u in report["unmapped"]
    ]
    lines += [f"  problem: {p}" for p in report["problems"]]
    return "\n".join(lines)


def _describe(change: dict[str, Any]) -> str:
    if change.get("side") == "pagerduty":
        return f"{change['dependent']} -> {change['supporting']}"
    edits = [f"add {', '.join(change.get('added') or [])}" if change.get("added") else ""]
    edits.append(
        f"remove {', '.join(change.get('removed') or [])}" if change.get("removed") else ""
    )
    return f"{change.get('entityRef')} dependsOn: {'; '.join(e for e in edits if e) or 'no change'}"


def _key(change: dict[str, Any]) -> tuple[Any, ...]:
    return (change.get("side"), change.get("entityRef"), change.get("dependent"),
            change.get("supporting"), change.get("kind"))  # fmt: skip


def _destinations(deliveries: list[dict[str, Any]]) -> dict[str, str]:
    """Entity ref -> where its change went, from the report's deliveries."""
    out: dict[str, str] = {}
    for delivery in deliveries:
        where = _destination(delivery)
        for ref in delivery.get("entities") or []:
            if where:
                out[str(ref)] = where
    return out


def _destination(delivery: dict[str, Any]) -> str | None:
    if delivery.get("error"):
        return None  # its changes are listed as FAILED with the error
    if delivery.get("mode") == "in-place":
        return f"file {delivery.get('target')} (edited in place)"
    repository, branch = delivery.get("repository"), delivery.get("branch")
    sha = delivery.get("commitSha")
    commit = f"commit {str(sha)[:12]} " if sha else ""
    if not delivery.get("changed"):
        return f"nothing to commit: {repository} already has it"
    if delivery.get("pullRequestUrl"):
        return (
            f"pull request {delivery['pullRequestUrl']} ({commit}on branch {branch} of "
            f"{repository})"
        )
    return f"{commit}on branch {branch} of {repository}".strip()


@click.command("sync")
@click.option("--strategy", type=click.Choice(STRATEGIES), help="Override the stored strategy.")
@click.option("--dry-run", is_flag=True, help="Plan only; write nothing.")
@click.option("--entity", "entities", multiple=True, help="Limit to this entity ref (repeatable).")
@click.option("--account", help="PagerDuty account id (default account otherwise).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.option(
    ALLOW_REAL_GIT_FLAG,
    "allow_real_git",
    is_flag=True,
    help="Against the built-in PagerDuty sandbox, still push commits and open pull requests "
    "on hosted git repositories (GitHub, GitLab); local repositories never need it.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="PAGERDUTY_ACTIONS_CONFIG",
    help="YAML config file (env PAGERDUTY_ACTIONS_CONFIG). Without it: embedded defaults.",
)
def sync_command(
    strategy: str | None,
    dry_run: bool,
    entities: tuple[str, ...],
    account: str | None,
    as_json: bool,
    allow_real_git: bool,
    config_path: str | None,
) -> None:
    """Sync service dependencies between the Backstage catalog and PagerDuty."""
    configure_logging("text", "WARNING")
    try:
        config = load_config(config_path)
        services = build_services(config)
    except (ConfigError, StartupError) as exc:
        raise click.ClickException(str(exc)) from None
    bar = _Bar(enabled=not as_json)
    payload = {"strategy": strategy, "entities": list(entities), "account": account}
    try:
        with _stop_on_signals(services):
            report = sync_service.run(
                services,
                {k: v for k, v in payload.items() if v},
                dry_run=dry_run,
                started_by="cli",
                listener=bar,
                allow_real_git=allow_real_git,
            )
    except ActionError as exc:
        bar.close()
        click.echo(
            json.dumps(exc.body(), indent=2) if as_json else f"Error: {exc.message}",
            err=not as_json,
        )
        sys.exit(1)
    finally:
        services.close()
    bar.close()
    click.echo(json.dumps(report, indent=2) if as_json else _summary(report))
    if report.get("status", "succeeded") != "succeeded":
        sys.exit(1)


@contextmanager
def _stop_on_signals(services: Services) -> Iterator[None]:
    """SIGTERM or Ctrl-C: the run stops before its next write and ends with its report (the
    write in flight finishes). A second Ctrl-C interrupts at once, as usual."""
    stops = active_runs(services)

    def on_signal(signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        signal.signal(signal.SIGINT, signal.default_int_handler)
        stops.stop(f"the sync command was told to stop ({name}), so the run stopped writing")

    if threading.current_thread() is not threading.main_thread():  # tests: no handlers
        yield
        return
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
