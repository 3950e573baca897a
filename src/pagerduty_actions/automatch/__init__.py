"""Auto-match: score unmapped components against unmapped PagerDuty services and suggest
pairs, on PagerDuty's scale (see ``scoring``) but without its all-pairs loop (see
``matcher``). Pure: names in, suggestions out; the admin pages and the bench call it."""

from __future__ import annotations

from .matcher import Candidate, Suggestion, suggest, suggest_all_pairs
from .names import NameKey, normalised
from .scoring import Score, score

__all__ = [
    "Candidate",
    "NameKey",
    "Score",
    "Suggestion",
    "normalised",
    "score",
    "suggest",
    "suggest_all_pairs",
]
