"""The ``entityPage`` config section as typed values, and the read-only rule.

``readOnly: true`` lets an admin show the PagerDuty cards while refusing every write they
(or the incident-trigger action) would make; each write path calls :func:`refuse_if_read_only`
before sending anything, so the refusal is the same 403 with the same words everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config
from ..errors import NotAllowedError

DEFAULT_CACHE_SECONDS = 5.0
DEFAULT_CACHE_ENTRIES = 2000
DEFAULT_CACHE_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_CACHE_WAIT_SECONDS = 20.0


@dataclass(frozen=True)
class EntityPageSettings:
    cache_seconds: float = DEFAULT_CACHE_SECONDS
    cache_entries: int = DEFAULT_CACHE_ENTRIES
    cache_max_bytes: int = DEFAULT_CACHE_MAX_BYTES
    cache_wait_seconds: float = DEFAULT_CACHE_WAIT_SECONDS
    read_only: bool = False
    source: str = "config"

    @classmethod
    def from_config(cls, config: Config) -> EntityPageSettings:
        section = config.section("entityPage")
        return cls(
            cache_seconds=float(section["cacheSeconds"]),
            cache_entries=int(section["cacheEntries"]),
            cache_max_bytes=int(section["cacheMaxBytes"]),
            cache_wait_seconds=float(section["cacheWaitSeconds"]),
            read_only=bool(section["readOnly"]),
            source=config.source,
        )


class ReadOnlyError(NotAllowedError):
    """403: ``entityPage.readOnly`` is on and the request would write to PagerDuty."""


def refuse_if_read_only(settings: EntityPageSettings, what: str) -> None:
    """Raise :class:`ReadOnlyError` naming ``what`` (e.g. "triggering an incident") when the
    server is read-only; nothing has been sent to PagerDuty at that point."""
    if settings.read_only:
        raise ReadOnlyError(
            f"{what} is refused: this server is read-only (entityPage.readOnly: true in "
            f"{settings.source}); an admin turns it off to allow writes from the entity page"
        )
