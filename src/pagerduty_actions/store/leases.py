"""Named leases in the database: a lock every server process sees.

Used to let only one dependency sync run at a time across processes. A lease expires, so a
crashed holder never blocks forever; the holder renews it while it works. Each owner token
names its process (``<random>.<pid>.<host hash>``), so a process on the same machine can
tell that a holder is gone (killed, crashed) and take the lease at once instead of waiting
for it to expire: see :func:`holder_gone`.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .database import Database
from .models import Lease


class LeaseStore:
    def __init__(self, db: Database, now: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.db = db
        self.now = now

    def acquire(
        self, name: str, seconds: float, *, reclaim: Callable[[str], bool] | None = None
    ) -> str | None:
        """Take the lease and return its owner token, or None when someone holds it.

        An expired lease is taken over; so is one whose holder ``reclaim(owner)`` says is gone
        (e.g. :func:`holder_gone`).
        """
        owner = new_owner()
        now = self.now()
        expires = now + timedelta(seconds=seconds)
        try:
            with self.db.engine.begin() as conn:
                conn.execute(_INSERT, {"name": name, "owner": owner, "expires_at": expires})
            return owner
        except IntegrityError:
            pass
        except SQLAlchemyError as exc:  # worded as the ping: this insert may stand in for it
            raise self.db.unreachable(exc) from exc
        with self.db.transaction() as conn:
            taken = conn.execute(
                update(Lease)
                .where(Lease.name == name, Lease.expires_at < now)
                .values(owner=owner, expires_at=expires)
            )
            if taken.rowcount == 1:
                return owner
            holder = conn.scalar(select(Lease.owner).where(Lease.name == name))
            if holder is None or reclaim is None or not reclaim(holder):
                return None
            taken = conn.execute(
                update(Lease)
                .where(Lease.name == name, Lease.owner == holder)
                .values(owner=owner, expires_at=expires)
            )
            return owner if taken.rowcount == 1 else None

    def renew(self, name: str, owner: str, seconds: float) -> bool:
        expires = self.now() + timedelta(seconds=seconds)
        with self.db.transaction() as conn:
            result = conn.execute(
                _RENEW, {"lease_name": name, "lease_owner": owner, "expires_at": expires}
            )
            return bool(result.rowcount == 1)

    def release(self, name: str, owner: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(_RELEASE, {"lease_name": name, "lease_owner": owner})


# Built once: SQLAlchemy keys its compiled statements on the statement object, and a create
# takes and gives back a service-name lease on every run.
_INSERT = insert(Lease)
_HELD_BY = (Lease.name == bindparam("lease_name")) & (Lease.owner == bindparam("lease_owner"))
_RENEW = update(Lease).where(_HELD_BY).values(expires_at=bindparam("expires_at"))
_RELEASE = delete(Lease).where(_HELD_BY)

_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:12]


def new_owner() -> str:
    """A fresh owner token naming this process: ``<random>.<pid>.<host hash>``."""
    return f"{uuid.uuid4().hex[:20]}.{os.getpid()}.{_HOST}"


def holder_gone(owner: str, *, restarted: bool = False) -> bool:
    """True when ``owner`` was taken by a process of this machine that no longer runs.

    Only a holder on this machine can be checked; any other is left to its lease's expiry.
    ``restarted``: the caller is a process that has just started and holds nothing yet, so a
    holder with the caller's own pid is an earlier incarnation (pid 1 of a restarted
    container), not the caller.
    """
    parts = owner.split(".")
    if len(parts) != 3 or parts[2] != _HOST or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return restarted
    return not _running(pid)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it runs
        return True
    try:  # a killed child not yet reaped still answers signals
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]
