"""Counts of the HTTP calls a client made, by method and path template.

Benchmarks and tests assert on these ("a name resolves in at most 2 calls"), so every request
actually sent is counted, retries included, under its template (``GET /services/{id}``) rather
than its concrete path.
"""

from __future__ import annotations

import threading
from collections import Counter


class CallStats:
    """Thread-safe call counters; ``retries`` counts the sends that were repeats."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self.retries = 0

    def record(self, method: str, template: str, *, retry: bool = False) -> None:
        with self._lock:
            self._calls[f"{method.upper()} {template}"] += 1
            if retry:
                self.retries += 1

    def count(self, method: str, template: str) -> int:
        with self._lock:
            return self._calls[f"{method.upper()} {template}"]

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._calls.values())

    def snapshot(self) -> dict[str, int]:
        """``{"GET /services/{id}": 3, ...}``"""
        with self._lock:
            return dict(self._calls)

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self.retries = 0
