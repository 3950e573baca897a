"""Last line of defence: strip anything shaped like a credential from text we emit.

Adapters already keep secrets out of their messages; this catches what slips through (an
upstream error that echoes a header, a traceback holding a URL with a token) before it
reaches a log line or an error body. Registered secrets are removed verbatim as well.
"""

from __future__ import annotations

import re
import threading

_PATTERNS = [
    re.compile(r"(Token token=)[^\s\"',;]+", re.IGNORECASE),
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
    re.compile(r"(PRIVATE-TOKEN:\s*)\S+", re.IGNORECASE),
    re.compile(r"(https?://)[^/\s:@]+:[^/\s@]+@"),
    re.compile(r"()\b[0-9a-f]{32}\b"),  # PagerDuty integration keys
]
_known: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a configured secret so it is removed from any text we emit."""
    if value and len(value) >= 6:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}[REDACTED]", text)
    with _lock:
        secrets = sorted(_known, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "[REDACTED]")
    return text
