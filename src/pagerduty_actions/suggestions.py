"""The closest of a few known words, for "did you mean ...?" in error messages.

A person who typed ``inteligent``, ``Time`` or ``Platfrom On-Call`` gets the value they meant
named back, so they fix it in one attempt. ``difflib``'s ratio after case-folding is enough for
these short words (a transposition or a dropped letter keeps it well above the cut-off), and it
needs no dependency; an exact match ignoring case always wins.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: Below this ratio a candidate is more likely another word than a misspelling of this one.
CUTOFF = 0.6


def similar(
    word: str, candidates: Iterable[str], *, n: int = 3, cutoff: float = CUTOFF
) -> list[str]:
    """Up to ``n`` candidates closest to ``word``, best first: those equal ignoring case,
    then those containing it or contained in it, then by similarity above ``cutoff``."""
    folded: dict[str, str] = {}
    for candidate in candidates:
        folded.setdefault(candidate.casefold(), candidate)
    key = word.casefold()
    if not key:
        return []
    scored: list[tuple[int, float, str]] = []
    for lowered, original in folded.items():
        ratio = difflib.SequenceMatcher(None, key, lowered).ratio()
        if lowered == key:
            scored.append((0, -1.0, original))
        elif ratio >= cutoff:
            scored.append((1, -ratio, original))
        elif len(key) >= 3 and (key in lowered or lowered in key):
            scored.append((2, -ratio, original))
    scored.sort()
    return [original for _, _, original in scored[:n]]


def closest(word: str, candidates: Iterable[str], *, cutoff: float = CUTOFF) -> str | None:
    """The one candidate ``word`` most likely meant, or None when none is close."""
    found = similar(word, candidates, n=1, cutoff=cutoff)
    return found[0] if found else None
