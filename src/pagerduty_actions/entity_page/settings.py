"""The ``entityPage`` config section as typed values, and the read-only rule.

``readOnly: true`` lets an admin show the PagerDuty cards while refusing every write they
(or the incident-trigger action) would make; each write path calls :func:`refuse_if_read_only`
before sending anything, so the refusal is the same 403 with the same words everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config
from ..errors import NotAllowedError


@dataclass(frozen=True)
class EntityPageSettings:
    # No defaults here: they are the config schema's, filled in by validate_config.
    cache_seconds: float
    cache_entries: int
    cache_max_bytes: int
    cache_wait_seconds: float
    read_only: bool
    source: str

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
