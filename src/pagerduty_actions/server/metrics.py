"""Prometheus metrics, one registry per app so tests and several apps never share counters.

The sync's metrics let an operator alert on a sync that stopped working: runs by strategy and
status, changes by side and result, and when a run that wrote last succeeded (seeded from the
database at start, so a restart does not reset it; runs of other processes are seen there,
take the max over replicas).
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ..services import Services
from ..store.sync_runs import SyncRunStore
from ..sync.runs import FINISHED

_RESULTS = (("applied", "applied"), ("failed", "failed"), ("notAttempted", "not_attempted"))


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "pagerduty_actions_http_requests_total",
            "HTTP requests by route template, method and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "pagerduty_actions_http_request_duration_seconds",
            "HTTP request latency by route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self.action_duration = Histogram(
            "pagerduty_actions_action_duration_seconds",
            "Action run time by action id, failures and replays included (HTTP runs).",
            ["action"],
            # Actions wait on PagerDuty and git hosts: seconds to minutes, not milliseconds.
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
            registry=self.registry,
        )
        self.action_runs = Counter(
            "pagerduty_actions_action_runs_total",
            "Action runs by action id and outcome (success, replayed, or the error name).",
            ["action", "outcome", "dry_run"],
            registry=self.registry,
        )
        self.sync_runs = Counter(
            "pagerduty_actions_sync_runs_total",
            "Dependency sync runs ended in this process, by strategy and status (succeeded, "
            "partial, failed, abandoned).",
            ["strategy", "status"],
            registry=self.registry,
        )
        self.sync_changes = Counter(
            "pagerduty_actions_sync_changes_total",
            "Planned dependency sync changes by side (pagerduty, backstage) and result "
            "(applied, failed, not_attempted).",
            ["side", "result"],
            registry=self.registry,
        )
        # The labelled children each request counts into: ``labels`` checks its arguments and
        # takes a lock on every call, a dict lookup is enough once a child exists.
        self._served: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._ran: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self.sync_last_success = Gauge(
            "pagerduty_actions_sync_last_success_timestamp_seconds",
            "When the last dependency sync run that wrote (not a dry run) succeeded, Unix time; "
            "0 when none has.",
            registry=self.registry,
        )

    def request_served(self, method: str, route: str, status: str, seconds: float) -> None:
        """Count one HTTP request and its latency."""
        children = self._served.get((method, route, status))
        if children is None:
            children = (
                self.requests.labels(method, route, status),
                self.latency.labels(method, route),
            )
            self._served[(method, route, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def action_ran(self, action: str, outcome: str, dry_run: str, seconds: float) -> None:
        """Count one action run (HTTP) and its time."""
        children = self._ran.get((action, outcome, dry_run))
        if children is None:
            children = (
                self.action_runs.labels(action, outcome, dry_run),
                self.action_duration.labels(action),
            )
            self._ran[(action, outcome, dry_run)] = children
        children[0].inc()
        children[1].observe(seconds)

    def follow_sync(self, services: Services) -> None:
        """Count every sync run this process ends, and seed the last success from the
        database (a restart keeps it)."""
        services.extras.setdefault(FINISHED, []).append(self.sync_ended)
        try:
            last = SyncRunStore(services.db).last_succeeded_at()
        except Exception:  # the database is checked by /readyz; the gauge fills on next run
            return
        if last is not None:
            self.sync_last_success.set(last.timestamp())

    def sync_ended(self, report: dict[str, Any]) -> None:
        status = str(report.get("status"))
        self.sync_runs.labels(str(report.get("strategy")), status).inc()
        for field, result in _RESULTS:
            for change in report.get(field) or []:
                self.sync_changes.labels(str(change.get("side")), result).inc()
        if status == "succeeded" and not report.get("dryRun"):
            self.sync_last_success.set_to_current_time()

    def render(self) -> bytes:
        return generate_latest(self.registry)
