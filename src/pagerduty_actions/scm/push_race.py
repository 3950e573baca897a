"""Telling a lost push race from a real refusal, and how long to wait before trying again.

Two writers pushing to one branch at once: one wins, the other's push is refused, and git
words that refusal in several ways depending on when the race was lost and on the server:

- ``[rejected] (fetch first)`` / ``(non-fast-forward)``: the branch had moved before the push
  began (our client saw it); ``(stale info)``: a ``--force-with-lease`` expectation was wrong;
  ``(already exists)``: a branch we meant to create appeared meanwhile.
- ``[remote rejected] (failed to update ref)`` with ``cannot lock ref '…': is at X but expected
  Y`` (or ``Unable to create '….lock': File exists``, or ``reference already exists``) on the
  remote's stderr: the branch moved while the server was updating it. GitHub and GitLab run the
  same receive-pack and put that detail in the summary itself; git 2.51+ reports it as
  ``(incorrect old value provided)``, ``(reference already exists)`` or ``(reference does not
  exist)``, and a batch update as ``(failed to update refs)``.

All of these mean "fetch, re-apply on the new tip, push again". ``cannot lock ref`` also
covers one thing that is not a race at all: a branch name that clashes with an existing one
(``'refs/heads/a' exists; cannot create 'refs/heads/a/b'``), which no retry can fix; that
case is recognised first and reported as such.
"""

from __future__ import annotations

import random
import re

PUSH_ATTEMPTS = 10
"""Pushes per delivery before a busy branch is reported (409): each lost race costs one."""
BACKOFF_BASE_S = 0.05
BACKOFF_CAP_S = 1.0
_JITTER = random.Random()  # noqa: S311 - spreading retries out, not a secret

_NAME_CLASH = re.compile(r"'(refs/[^']+)' exists; cannot create '(refs/[^']+)'")
_LOST_RACE = re.compile(
    r"\[rejected\][^\n]*\((?:fetch first|non-fast-forward|stale info|already exists)\)"
    r"|\[remote rejected\][^\n]*\((?:failed to update refs?|failed to lock"
    r"|incorrect old value provided|reference already exists|reference does not exist"
    r"|cannot lock ref)"
    r"|cannot lock ref '[^']+': (?:is at [0-9a-f]+ but expected [0-9a-f]+"
    r"|reference already exists|Unable to create '[^']+\.lock': File exists)",
    re.IGNORECASE,
)


def branch_name_clash(text: str) -> tuple[str, str] | None:
    """``(existing, wanted)`` ref names when a push failed because the branch name clashes with
    an existing branch (``a`` vs ``a/b``); None otherwise."""
    match = _NAME_CLASH.search(text)
    return (match.group(1), match.group(2)) if match else None


def is_lost_race(text: str) -> bool:
    """Whether git's push output (stdout and stderr together) says another writer moved the
    branch first, so that fetching and re-applying the change can succeed."""
    return branch_name_clash(text) is None and _LOST_RACE.search(text) is not None


def backoff_delay(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempt``-th lost race (1-based): "full jitter", a random
    wait up to an exponentially growing cap, so racing writers spread out instead of colliding
    again in step."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempt - 1))
    return (rng or _JITTER).uniform(0, ceiling)
