"""Moving our ``pagerduty/...`` pull-request branch when other runs write to it at once.

The branch is the base branch plus our commits. Stacking (what the annotate action asks for):
where the branch already sits on the base's current tip, a run adds its commit on top,
keeping what other runs put there; where it was built on an older base (the base moved
since), it is rebuilt on the current tip with this run's change alone, so the pull request
never drags a stale base along. Rebuilding (``stack=False``, the dependency sync, whose runs
are serialised by its lease): the branch is always the base's tip plus this run's change.
Every push carries a ``--force-with-lease`` on the tip we looked at: a lost race (see
:mod:`.push_race`) fetches the new tip and decides again, up to ``PUSH_ATTEMPTS`` times with
jittered waits.

So stacking runs racing on one branch keep each other's commits, and each reports a commit
that stays on the branch. A reported commit leaves the branch only when a later run rebuilds
it (on a moved base, or when not stacking); :func:`superseded` checks for that after the fact.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple, Protocol

from . import push_race
from .errors import PushConflictError
from .git_ops import Workspace


class Change(Protocol):
    """The run's edits, re-appliable on whatever the checkout is reset to."""

    def apply(self) -> bool:
        """Apply the edits to the checkout; False when they change nothing there."""
        ...

    def commit(self) -> str | None:
        """Commit what ``apply`` changed; the new commit's sha."""
        ...


class UpdatedBranch(NamedTuple):
    """Where our branch ended: ``sha`` holds the change; ``pushed``: this run moved it."""

    sha: str
    pushed: bool


def update_branch(
    ws: Workspace,
    head: str,
    change: Change,
    *,
    stack: bool = True,
    attempts: int = push_race.PUSH_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> UpdatedBranch | None:
    """Put ``change`` on our branch ``head``; None when the base itself already holds it.

    On entry the checkout is the clone of the base branch with ``change`` applied but not
    committed. ``stack=False`` always rebuilds the branch on the base's tip (the branch then
    shows this run's change alone, replacing what other runs put there). Raises
    :class:`PushConflictError` after ``attempts`` lost races in a row.
    """
    base = ws.base_branch
    base_tip = ws.head_sha()
    applied_on: str | None = base_tip
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            sleep(push_race.backoff_delay(attempt - 1))
            base_tip = ws.fetch_branch(base)
        remote = ws.fetch_branch_beyond(head, base)
        onto = base_tip
        if stack and remote is not None and remote.fetched and _built_on(ws, remote.sha, base_tip):
            onto = remote.sha  # stack on what is there: other runs' commits stay
        if onto != applied_on:
            ws.reset_to(onto)
            applied_on = onto
            if not change.apply():
                if remote is not None and onto == remote.sha:
                    return UpdatedBranch(onto, pushed=False)  # the branch already holds it
                return None  # the base branch holds it now: nothing to propose
        sha = change.commit()
        applied_on = None  # the checkout now holds our commit: reset before the next try
        if sha is None:  # pragma: no cover - apply() said the files changed
            raise RuntimeError("the change made no commit")
        if remote is not None and remote.fetched and ws.tree_of(sha) == ws.tree_of(remote.sha):
            return UpdatedBranch(remote.sha, pushed=False)  # exactly this change, on this base
        try:
            ws.push(head, force_with_lease=remote.sha if remote is not None else "")
            return UpdatedBranch(sha, pushed=True)
        except PushConflictError:
            if attempt == attempts:
                raise ws.busy_branch_error(head, attempts) from None
    raise AssertionError("unreachable")  # pragma: no cover


def superseded(ws: Workspace, head: str, sha: str) -> bool:
    """Whether ``sha``, which this run left on ``head``, is no longer on it: a later run
    rebuilt the branch on a moved base. False when the branch was deleted (merged, closed):
    there is nothing left to be superseded on."""
    remote = ws.fetch_branch_beyond(head, ws.base_branch)
    if remote is None or remote.sha == sha:
        return False
    if not remote.fetched:
        return True  # the branch holds nothing beyond the base any more
    return sha not in ws.commits_within(remote.sha)


def _built_on(ws: Workspace, tip: str, base_tip: str) -> bool:
    """Whether the branch at ``tip`` was built on ``base_tip`` (one of its own commits has
    it as parent, or it is that very commit)."""
    return tip == base_tip or base_tip in ws.parents_within(tip)
