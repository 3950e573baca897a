"""One create-or-adopt at a time per PagerDuty service name, across threads, processes and
replicas.

PagerDuty cannot say "create unless it exists" atomically: fifty concurrent ``ifExists:
reuse`` calls all looked the name up, found nothing, and raced their POSTs and integrations.
A database lease per (account, name) makes them take turns; the lease is short and renewed
while held, so a crashed holder blocks the name for seconds, not minutes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from ..config import Config
from ..errors import ConflictError, ServiceUnavailableError
from ..store import Database, DatabaseUnavailable
from ..store.heartbeat import LeaseBusy, hold_lease
from ..store.leases import LeaseStore


def lease_name(account: str, service_name: str) -> str:
    """PagerDuty compares names without case or surrounding space; the hash keeps any name
    inside the lease table's 100 characters."""
    folded = f"{account}\n{service_name.strip().casefold()}".encode()
    return f"service-name:{hashlib.sha256(folded).hexdigest()[:40]}"


@contextmanager
def service_name_lock(
    db: Database, config: Config, account: str, service_name: str
) -> Iterator[None]:
    """Hold the name for the ``with`` block; 409 with Retry-After if it stays busy."""
    section = config.section("idempotency")
    retry_after = float(section["retryAfterSeconds"])
    held = False
    try:
        with hold_lease(
            LeaseStore(db),
            lease_name(account, service_name),
            seconds=float(section["leaseSeconds"]),
            wait_seconds=float(section["serviceNameWaitSeconds"]),
            what=f"PagerDuty service name {service_name!r}",
        ):
            held = True
            yield
    except DatabaseUnavailable as exc:
        if held:
            raise
        # Taking the lease is the run's first statement and stands in for its database ping
        # (the handler declares DATABASE_FIRST): nothing was written to PagerDuty yet.
        raise ServiceUnavailableError(f"{exc}; the action was not run") from None
    except LeaseBusy as exc:
        raise ConflictError(
            f"{exc}: another request is creating or adopting a service of that name; "
            f"retry in {retry_after:g} s",
            retryable=True,
            retry_after=retry_after,
        ) from None
