"""Undo what a run created when a later step fails, and say exactly what is left if not.

A template step that half-worked is worse than one that failed cleanly: the next run trips
over the leftovers. Each write registers its undo; on failure they run newest first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ActionError

_LOG = logging.getLogger("pagerduty_actions.rollback")


class NotConfirmedGone(Exception):
    """A delete that could not be read back as done: the object may still be there."""


def confirmed_delete(
    delete: Callable[[], bool],
    exists: Callable[[], bool],
    *,
    settle_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[], None]:
    """An undo that deletes, then reads the object back until it is gone.

    ``delete`` returns False when PagerDuty answered 404 all through its retry window. For an
    object this run created a moment ago that proves nothing (PagerDuty's reads and writes lag
    behind its creates), so it is reported as not confirmed rather than taken as "gone"; and a
    DELETE that answered 2xx is believed only once a read stops finding the object.
    """

    def undo() -> None:
        if not delete():
            raise NotConfirmedGone(
                "PagerDuty answered 404 to every DELETE, so it could not be confirmed gone"
            )
        deadline = clock() + settle_seconds
        pause = 0.25
        while exists():
            if clock() + pause > deadline:
                raise NotConfirmedGone("PagerDuty still has it after answering the DELETE")
            sleep(pause)
            pause *= 2

    return undo


@dataclass
class Rollback:
    steps: list[tuple[str, Callable[[], object]]] = field(default_factory=list)
    # After ``run``: what could not be undone (empty when everything was).
    left_behind: list[str] = field(default_factory=list)

    def add(self, description: str, undo: Callable[[], object]) -> None:
        """``description`` names the object (ids, URLs), never a secret."""
        self.steps.append((description, undo))

    def run(self) -> tuple[list[str], list[str]]:
        """Undo every step; returns (undone, left behind)."""
        undone: list[str] = []
        left: list[str] = []
        for description, undo in reversed(self.steps):
            try:
                undo()
                undone.append(description)
            except Exception as exc:  # report, keep undoing the rest
                _LOG.warning("rollback of %s failed: %s", description, exc)
                left.append(f"{description} (undo failed: {exc})")
        self.steps.clear()
        self.left_behind = left
        return undone, left


def failed_after_rollback(failure: ActionError, step: str, rollback: Rollback) -> ActionError:
    """The error to raise: what failed, what was rolled back, and what is left behind."""
    undone, left = rollback.run()
    message = f"{step} failed: {failure.message}"
    if undone:
        message += f". Rolled back: {'; '.join(undone)}"
    if left:
        message += f". LEFT BEHIND, remove by hand: {'; '.join(left)}"
    error = type(failure)(
        message,
        details=failure.details,
        retryable=failure.retryable and not left,
        upstream=failure.upstream,
    )
    return error
