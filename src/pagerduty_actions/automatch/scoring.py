"""The score of one (component, service) pair, on PagerDuty's scale.

PagerDuty's auto-match (its Backstage backend, 0.14.0) scores every pair: Jaro-Winkler
similarity of the normalised names, +10 when both belong to the same team, +5 when their
acronyms agree; 100 is an exact name with the same team; a score of 90 or more is a "high"
confidence match, 80 or more "medium". We keep that scale so a person reading a score here
reads it as there: the name is worth at most 85 points (so an exact name alone is 85 + the
acronym's 5 = 90, "high"; with the team, 100, "exact").
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler

from .names import NameKey

NAME_POINTS = 85
TEAM_POINTS = 10
ACRONYM_POINTS = 5
HIGH = 90
MEDIUM = 80


@dataclass(frozen=True)
class Score:
    """A pair's points and the words that explain them (shown next to each suggestion)."""

    points: int
    name_similarity: float  # Jaro-Winkler, 0..1
    same_team: bool
    same_acronym: bool

    @property
    def confidence(self) -> str:
        """``exact`` (100), ``high`` (>= 90), ``medium`` (>= 80) or ``low``."""
        if self.points >= 100:
            return "exact"
        if self.points >= HIGH:
            return "high"
        return "medium" if self.points >= MEDIUM else "low"

    def reasons(self) -> tuple[str, ...]:
        name = (
            "same name"
            if self.name_similarity >= 1.0
            else f"names {round(self.name_similarity * 100)}% alike (Jaro-Winkler)"
        )
        out = [f"{name}: {round(self.name_similarity * NAME_POINTS)} points"]
        if self.same_team:
            out.append(f"same team: +{TEAM_POINTS}")
        if self.same_acronym:
            out.append(f"same acronym: +{ACRONYM_POINTS}")
        return tuple(out)


def score(component: NameKey, service: NameKey) -> Score:
    similarity = JaroWinkler.normalized_similarity(component.text, service.text)
    same_team = component.team is not None and component.team == service.team
    same_acronym = (component.acronym is not None and component.acronym == service.acronym) or (
        similarity >= 1.0 and bool(component.text)
    )
    points = round(similarity * NAME_POINTS)
    points += TEAM_POINTS if same_team else 0
    points += ACRONYM_POINTS if same_acronym else 0
    return Score(min(points, 100), similarity, same_team, same_acronym)
