"""A record of every request the sandbox answered, for assertions and conformance checks.

Credentials never enter the log: the ``Authorization`` header is dropped and secret body fields
(OAuth client secrets, Events API routing keys) are masked.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from pagerduty_actions.sandbox.ids import redact

_SECRET_HEADERS = {"authorization", "cookie", "proxy-authorization"}
_SECRET_BODY_FIELDS = {"client_secret", "routing_key", "password", "refresh_token"}


@dataclass(frozen=True)
class LoggedRequest:
    """One request/response exchange as the sandbox saw it."""

    seq: int
    account: str | None
    method: str
    path: str
    template: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int
    response_body: Any
    started: float
    finished: float
    response_headers: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (used by the admin route)."""
        return asdict(self)


def scrub_headers(headers: dict[str, str]) -> dict[str, str]:
    """Drop credential headers."""
    return {k: v for k, v in headers.items() if k.lower() not in _SECRET_HEADERS}


def scrub_body(body: Any) -> Any:
    """Mask secret fields anywhere in a JSON-like body."""
    if isinstance(body, dict):
        return {
            k: redact(v) if k in _SECRET_BODY_FIELDS and isinstance(v, str) else scrub_body(v)
            for k, v in body.items()
        }
    if isinstance(body, list):
        return [scrub_body(v) for v in body]
    return body


class RequestLog:
    """Append-only list of exchanges plus counts per (method, path template)."""

    def __init__(self) -> None:
        self._entries: list[LoggedRequest] = []

    def append(self, entry: LoggedRequest) -> None:
        """Record one exchange."""
        self._entries.append(entry)

    def next_seq(self) -> int:
        """Sequence number for the next entry."""
        return len(self._entries) + 1

    def entries(self, method: str | None = None, path: str | None = None) -> list[LoggedRequest]:
        """Exchanges, optionally filtered by method and path template (or concrete path)."""
        return [
            e
            for e in self._entries
            if (method is None or e.method == method.upper())
            and (path is None or path in (e.template, e.path))
        ]

    def counts(self) -> dict[tuple[str, str], int]:
        """How many requests per (method, path template)."""
        return dict(Counter((e.method, e.template) for e in self._entries))

    def overlapping(self, method: str, path: str) -> bool:
        """Whether two matching requests were ever in flight at the same time."""
        spans = sorted((e.started, e.finished) for e in self.entries(method, path))
        return any(b_start < a_end for (_, a_end), (b_start, _) in itertools.pairwise(spans))

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
