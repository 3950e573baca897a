"""Fault injection: the failures a real PagerDuty shows (rate limits, 5xx, slowness, dropped
connections, read-after-write lag) on demand, so clients are tested against them.

``Faults.decide`` is consulted once per REST/Events request, before the handler runs. All methods
are called under the sandbox state's lock.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

DEFAULT_RATE_LIMIT = 960
DEFAULT_RATE_WINDOW_SECONDS = 60.0

DROP = "drop"
"""Status value meaning "close the connection without answering"."""

DEPENDENCY_WRITES = frozenset(
    {("POST", "/service_dependencies/associate"), ("POST", "/service_dependencies/disassociate")}
)
"""The operations PagerDuty answers with 500 when two of one account overlap."""


@dataclass
class RateLimit:
    """A fixed-window request budget per key (an account's credential), as PagerDuty counts it."""

    limit: int = DEFAULT_RATE_LIMIT
    window_seconds: float = DEFAULT_RATE_WINDOW_SECONDS
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)

    def take(self, key: str, now: float) -> tuple[bool, dict[str, str]]:
        """Spend one request for ``key``; return (allowed, ratelimit headers)."""
        start, used = self._windows.get(key, (now, 0))
        if now - start >= self.window_seconds:
            start, used = now, 0
        allowed = used < self.limit
        if allowed:
            used += 1
        self._windows[key] = (start, used)
        reset = max(1, math.ceil(start + self.window_seconds - now))
        headers = {
            "ratelimit-limit": str(self.limit),
            "ratelimit-remaining": str(max(0, self.limit - used)),
            "ratelimit-reset": str(reset),
        }
        if not allowed:
            headers["Retry-After"] = str(reset)
        return allowed, headers

    def clear(self) -> None:
        """Forget all spent budget."""
        self._windows.clear()


@dataclass
class ErrorRule:
    """Answer a random fraction of matching requests with ``status`` (an int or ``DROP``)."""

    status: int | str
    rate: float
    method: str | None = None
    path: str | None = None

    def matches(self, method: str, template: str) -> bool:
        """Whether this rule applies to the request."""
        return _matches(self.method, self.path, method, template)


@dataclass
class FailNext:
    """Answer the next ``remaining`` matching requests with ``status`` (an int or ``DROP``),
    after holding each for ``delay_ms``: a request that hangs, then fails, leaves its client
    waiting at a known point (crash tests kill the client there)."""

    status: int | str
    remaining: int
    method: str | None = None
    path: str | None = None
    delay_ms: float = 0.0

    def matches(self, method: str, template: str) -> bool:
        """Whether this rule applies to the request."""
        return _matches(self.method, self.path, method, template)


def _matches(rule_method: str | None, rule_path: str | None, method: str, template: str) -> bool:
    if rule_method and rule_method.upper() != method.upper():
        return False
    return not rule_path or rule_path == template


@dataclass(frozen=True)
class Decision:
    """What the fault layer wants done with a request before (or instead of) the handler."""

    delay_seconds: float = 0.0
    status: int | str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Faults:
    """The configurable failure model of one sandbox."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - fault sampling, not security
        self.rate_limit = RateLimit()
        self.rate_limit_enabled = True
        self.latency_ms: float = 0.0
        self.error_rules: list[ErrorRule] = []
        self.fail_next_rules: list[FailNext] = []
        self.consistency_delay_ms: float = 0.0
        # PagerDuty answers overlapping dependency writes of one account with 500 (a race in
        # its backend); off by default so only tests that study it see it.
        self.dependency_write_race = False
        self._dependency_writes: dict[str, int] = {}

    def configure(self, spec: dict[str, Any]) -> None:
        """Apply a JSON/YAML fault description (the admin route and seed files use this)."""
        if "rate_limit" in spec:
            rl = spec["rate_limit"]
            if rl is None:
                self.rate_limit_enabled = False
            else:
                self.rate_limit_enabled = True
                self.rate_limit = RateLimit(
                    int(rl.get("limit", DEFAULT_RATE_LIMIT)),
                    float(rl.get("window_seconds", DEFAULT_RATE_WINDOW_SECONDS)),
                )
        if "latency_ms" in spec:
            self.latency_ms = float(spec["latency_ms"])
        if "consistency_delay_ms" in spec:
            self.consistency_delay_ms = float(spec["consistency_delay_ms"])
        if "dependency_write_race" in spec:
            self.dependency_write_race = bool(spec["dependency_write_race"])
        if "error_rules" in spec:
            self.error_rules = [
                ErrorRule(_status(r["status"]), float(r["rate"]), r.get("method"), r.get("path"))
                for r in spec["error_rules"]
            ]
        for rule in spec.get("fail_next", []):
            self.fail_next(
                int(rule.get("count", 1)),
                rule["status"],
                rule.get("method"),
                rule.get("path"),
                delay_ms=float(rule.get("delay_ms", 0)),
            )

    def fail_next(
        self,
        count: int,
        status: int | str,
        method: str | None = None,
        path: str | None = None,
        *,
        delay_ms: float = 0.0,
    ) -> None:
        """Fail the next ``count`` requests matching ``method`` and path template ``path``,
        each after ``delay_ms``."""
        self.fail_next_rules.append(FailNext(_status(status), count, method, path, delay_ms))

    def reset(self) -> None:
        """Back to a healthy PagerDuty with the default rate limit."""
        self.rate_limit = RateLimit()
        self.rate_limit_enabled = True
        self.latency_ms = 0.0
        self.error_rules = []
        self.fail_next_rules = []
        self.consistency_delay_ms = 0.0
        self.dependency_write_race = False

    def describe(self) -> dict[str, Any]:
        """The current configuration as JSON."""
        return {
            "rate_limit": {
                "limit": self.rate_limit.limit,
                "window_seconds": self.rate_limit.window_seconds,
            }
            if self.rate_limit_enabled
            else None,
            "latency_ms": self.latency_ms,
            "consistency_delay_ms": self.consistency_delay_ms,
            "dependency_write_race": self.dependency_write_race,
            "error_rules": [vars(r) for r in self.error_rules],
            "fail_next": [vars(r) for r in self.fail_next_rules if r.remaining > 0],
        }

    def decide(self, method: str, template: str, rate_key: str | None, now: float) -> Decision:
        """Choose the fate of one request: rate-limited, failed, dropped, or let through."""
        delay = self.latency_ms / 1000.0
        headers: dict[str, str] = {}
        if rate_key is not None and self.rate_limit_enabled:
            allowed, headers = self.rate_limit.take(rate_key, now)
            if not allowed:
                return Decision(delay, 429, headers)
        for rule in self.fail_next_rules:
            if rule.remaining > 0 and rule.matches(method, template):
                rule.remaining -= 1
                return Decision(delay + rule.delay_ms / 1000.0, rule.status, headers)
        self.fail_next_rules = [r for r in self.fail_next_rules if r.remaining > 0]
        for error_rule in self.error_rules:
            if error_rule.matches(method, template) and self._rng.random() < error_rule.rate:
                return Decision(delay, error_rule.status, headers)
        return Decision(delay, None, headers)

    def begin_write(self, account: str) -> bool:
        """Note a dependency write (see ``DEPENDENCY_WRITES``) of ``account`` arriving; True
        when it overlaps another and the race fault is on, so it must be answered 500. Pair
        every call with :meth:`end_write`."""
        in_flight = self._dependency_writes.get(account, 0)
        self._dependency_writes[account] = in_flight + 1
        return self.dependency_write_race and in_flight > 0

    def writes_in_flight(self) -> int:
        """Dependency writes that have arrived and are not answered yet (all accounts): lets a
        crash test kill a client once its write is really on the wire, not just recorded."""
        return sum(list(self._dependency_writes.values()))  # one copy, taken under the GIL

    def end_write(self, account: str) -> None:
        """A dependency write noted by :meth:`begin_write` has been answered."""
        remaining = self._dependency_writes.get(account, 0) - 1
        if remaining > 0:
            self._dependency_writes[account] = remaining
        else:
            self._dependency_writes.pop(account, None)

    def hidden(self, created_at: float | None, now: float | None = None) -> bool:
        """Whether an object created at monotonic ``created_at`` is still invisible to reads."""
        if created_at is None or self.consistency_delay_ms <= 0:
            return False
        current = time.monotonic() if now is None else now
        return (current - created_at) * 1000.0 < self.consistency_delay_ms


def _status(value: int | str) -> int | str:
    if isinstance(value, str) and value.lower() == DROP:
        return DROP
    return int(value)
