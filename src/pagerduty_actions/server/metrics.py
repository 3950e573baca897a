"""Prometheus metrics, one registry per app so tests and several apps never share counters."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


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
        self.action_runs = Counter(
            "pagerduty_actions_action_runs_total",
            "Action runs by action id and outcome (success, replayed, or the error name).",
            ["action", "outcome", "dry_run"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
