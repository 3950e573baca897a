"""Identifier factories in PagerDuty's styles: ``P`` + 6 uppercase alphanumerics for objects,
32 hex digits for integration keys, 16 characters for dependency relationships.

IDs come from a seeded ``random.Random`` so a seeded sandbox is reproducible; secrets (integration
keys, OAuth tokens) come from ``secrets`` so they are never predictable.
"""

from __future__ import annotations

import random
import secrets
import string

_ALPHABET = string.ascii_uppercase + string.digits


class IdFactory:
    """Hands out unique PagerDuty-style IDs (unique across every kind of object)."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - identifiers, not secrets
        self._used: set[str] = set()

    def reserve(self, value: str) -> None:
        """Mark an ID from seed data as taken."""
        self._used.add(value)

    def object_id(self) -> str:
        """A new ``P``-prefixed 7-character ID."""
        return self._unique("P", 6)

    def dependency_id(self) -> str:
        """A new 16-character ID for a service dependency relationship."""
        return self._unique("D", 15)

    def _unique(self, prefix: str, length: int) -> str:
        while True:
            candidate = prefix + "".join(self._rng.choice(_ALPHABET) for _ in range(length))
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate


def integration_key() -> str:
    """A new 32-hex-digit integration (routing) key."""
    return secrets.token_hex(16)


def access_token() -> str:
    """A new opaque OAuth access token."""
    return "pdus+_0X" + secrets.token_urlsafe(32)


def redact(secret: str) -> str:
    """Show only the last four characters of a secret."""
    return "***" + secret[-4:] if len(secret) > 8 else "***"
