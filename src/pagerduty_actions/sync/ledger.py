"""What a run has written so far: every planned change's state, recorded as it changes.

A run writes to two systems that know nothing of each other (PagerDuty, git hosts or files),
so the only account of what it did is ours. The ledger holds one state per planned change,
in the order of the report's ``changes``: ``pending`` until its write starts, ``in flight``
while it is being written, then ``applied``, ``failed`` (with the reason) or, when the run
stops before writing it, ``not attempted``. ``on_record`` is called with a compact snapshot
each time a state changes, before the next write is sent (the run stores it in its row), so a
process that dies mid-run leaves a record saying what was applied, what was in flight and
what was never tried: the run is then closed as ``abandoned`` from that snapshot alone.

The snapshot is one character per change plus the reasons, so storing it after every batch
costs little even for thousands of changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .model import BackstageChange, ChangeKind, PagerDutyChange

PENDING = "p"
IN_FLIGHT = "w"
APPLIED = "a"
FAILED = "f"

Change = PagerDutyChange | BackstageChange
Recorder = Callable[[dict[str, Any]], None]
# Said of a change whose write had been sent when the run ended without its answer.
IN_FLIGHT_UNKNOWN = (
    "the run ended while this write was in flight, so whether it took effect is unknown; "
    "the next run reads both sides again and completes it if it did not"
)


class Ledger:
    """The states of one run's planned changes (see the module doc)."""

    def __init__(self, changes: Sequence[Change], on_record: Recorder | None = None) -> None:
        self.changes = list(changes)
        self.entries = [c.as_dict() for c in self.changes]
        self._index = {change: i for i, change in enumerate(self.changes)}
        self.states = [PENDING] * len(self.changes)
        self.errors: dict[int, str] = {}
        self.deliveries: list[dict[str, Any]] = []
        self.stopped: str | None = None
        self._on_record = on_record

    # -- writing ----------------------------------------------------------------------------

    def begin(self, changes: Iterable[Change]) -> None:
        """These changes' write is about to be sent."""
        self._set(changes, IN_FLIGHT)

    def applied(self, changes: Iterable[Change]) -> None:
        self._set(changes, APPLIED)

    def failed(self, changes: Iterable[Change], error: str) -> None:
        self._set(changes, FAILED, error)

    def delivered(self, delivery: dict[str, Any]) -> None:
        """A repository or file delivery (recorded with the next state change)."""
        self.deliveries.append(delivery)

    def stop(self, reason: str) -> None:
        """The run writes nothing more: what is still pending ends ``not attempted``."""
        if self.stopped is None:
            self.stopped = reason
            self._record()

    def interrupt(self, reason: str) -> None:
        """The run ended abruptly (an exception, a signal): writes in flight failed with
        ``reason`` and nothing more is attempted."""
        in_flight = [c for c, s in zip(self.changes, self.states, strict=True) if s == IN_FLIGHT]
        if in_flight:
            self._set(in_flight, FAILED, reason)
        self.stop(reason)

    def unfinished(self, changes: Iterable[Change]) -> list[Change]:
        """Those of ``changes`` not yet applied or failed."""
        return [c for c in changes if self.states[self._index[c]] in (PENDING, IN_FLIGHT)]

    def _set(self, changes: Iterable[Change], state: str, error: str | None = None) -> None:
        for change in changes:
            index = self._index[change]
            self.states[index] = state
            if error is not None:
                self.errors[index] = error
        self._record()

    def _record(self) -> None:
        if self._on_record is not None:
            self._on_record(self.snapshot())

    # -- reading ------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return snapshot_of(self.states, self.errors, self.deliveries, self.stopped)

    def outcome(self) -> dict[str, Any]:
        """``applied``, ``failed``, ``notAttempted`` and ``deliveries`` for the report."""
        return outcome_of(self.entries, self.snapshot())


def snapshot_of(
    states: Sequence[str],
    errors: dict[int, str],
    deliveries: list[dict[str, Any]],
    stopped: str | None,
) -> dict[str, Any]:
    return {
        "states": "".join(states),
        "errors": {str(i): e for i, e in sorted(errors.items())},
        "deliveries": list(deliveries),
        "stopped": stopped,
    }


def write_order(entries: Sequence[dict[str, Any]]) -> list[int]:
    """The order the apply step writes changes in: PagerDuty removals (they free room under
    the per-service limit), PagerDuty additions, then the catalog side; the report lists
    each outcome in that order."""

    def rank(index: int) -> int:
        entry = entries[index]
        if entry.get("side") == "pagerduty":
            return 0 if entry.get("kind") == ChangeKind.REMOVE.value else 1
        return 2

    return sorted(range(len(entries)), key=lambda i: (rank(i), i))


def outcome_of(
    entries: Sequence[dict[str, Any]], snapshot: dict[str, Any], *, ended: str | None = None
) -> dict[str, Any]:
    """The report's lists from the planned changes and a snapshot. ``ended`` says why the
    run ended without finishing (an abandoned run): writes still in flight then count as
    failed with that reason, as their outcome is unknown."""
    states = snapshot.get("states") or PENDING * len(entries)
    errors = snapshot.get("errors") or {}
    applied, failed, in_flight, not_attempted = [], [], [], []
    for index in write_order(entries):
        state = states[index] if index < len(states) else PENDING
        entry = entries[index]
        if state == APPLIED:
            applied.append(entry)
        elif state == FAILED:
            failed.append({**entry, "error": errors.get(str(index), "failed")})
        elif state == IN_FLIGHT and ended is not None:
            failed.append({**entry, "error": f"{ended}: {IN_FLIGHT_UNKNOWN}"})
        elif state == IN_FLIGHT:
            in_flight.append(entry)
        else:
            not_attempted.append(entry)
    outcome: dict[str, Any] = {
        "applied": applied,
        "failed": failed,
        "notAttempted": not_attempted,
        "deliveries": list(snapshot.get("deliveries") or []),
    }
    if in_flight:  # only while the run is still writing
        outcome["inFlight"] = in_flight
    return outcome
