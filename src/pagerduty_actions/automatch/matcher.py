"""Suggestions: which unmapped service each unmapped component most likely is.

PagerDuty's auto-match scores every component against every service: 25 million
Jaro-Winkler comparisons at 5,000 x 5,000. Here an inverted index over blocking keys (each
name token, its first four letters so a typo in the tail still meets, those four letters with
one left out for a typo at the start — Jaro-Winkler rewards a shared start, so a pair differing
more there rarely scores 80 — and the acronym) picks the few services that share something with a
component, and only those are scored. A pair
sharing no key scores low on Jaro-Winkler anyway (bench/automatch_bench.py measures what the
blocking loses against scoring all pairs). Each service is then suggested for at most one
component and each component gets at most one service, best scores first, so one popular
service is not offered for ten components.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .names import NameKey
from .scoring import MEDIUM, Score, score

PREFIX = 4
#: A blocking key shared by more services than this says little (``api``, ``platform``): it
#: is used only when a component has no rarer key, so one common word costs no all-pairs loop.
COMMON_KEY = 200


@dataclass(frozen=True)
class Candidate:
    """One side of the match: a component (``id`` its entity ref, ``team`` its owner) or a
    service (``id`` its PagerDuty id, ``team`` its team's name)."""

    id: str
    name: str
    team: str | None = None


@dataclass(frozen=True)
class Suggestion:
    entity_ref: str
    service_id: str
    score: Score

    @property
    def points(self) -> int:
        return self.score.points


def start_variants(word: str) -> set[str]:
    """The word's first four letters with one letter left out (a word of three letters:
    itself). Two words one typo apart in their first letters (a letter swapped, dropped,
    added or changed) share one of these, as in SymSpell's deletion neighbourhoods."""
    head = word[:PREFIX]
    if len(head) < PREFIX:
        return {head} if len(head) == PREFIX - 1 else set()
    return {head[:i] + head[i + 1 :] for i in range(PREFIX)}


def blocking_keys(key: NameKey) -> set[str]:
    keys = {f"t:{t}" for t in key.tokens}
    keys |= {f"p:{t[:PREFIX]}" for t in key.tokens if len(t) >= PREFIX}
    words = key.tokens if len(key.tokens) == 1 else (*key.tokens, "".join(key.tokens))
    for word in words:
        keys |= {f"d:{d}" for d in start_variants(word)}
    if key.acronym:
        keys.add(f"a:{key.acronym}")
        keys.add(f"t:{key.acronym}")  # a service named by the acronym alone
    return keys


class ServiceIndex:
    """Services by blocking key, built once per page of suggestions."""

    def __init__(self, services: Iterable[Candidate]) -> None:
        self.services = list(services)
        self.keys = [NameKey.of(s.name, s.team) for s in self.services]
        self.postings: dict[str, list[int]] = defaultdict(list)
        for position, key in enumerate(self.keys):
            for block in blocking_keys(key):
                self.postings[block].append(position)

    def candidates(self, key: NameKey) -> set[int]:
        lists = [self.postings.get(block, []) for block in blocking_keys(key)]
        rare = [found for found in lists if len(found) <= COMMON_KEY]
        chosen = rare if any(rare) else lists
        out: set[int] = set()
        for found in chosen:
            out.update(found)
        return out


def suggest(
    components: Sequence[Candidate],
    services: Sequence[Candidate],
    *,
    minimum: int = MEDIUM,
) -> list[Suggestion]:
    """The suggestions of at least ``minimum`` points, one to one, best first."""
    index = ServiceIndex(services)
    pairs: list[Suggestion] = []
    for component in components:
        key = NameKey.of(component.name, component.team)
        for position in index.candidates(key):
            found = score(key, index.keys[position])
            if found.points >= minimum:
                pairs.append(Suggestion(component.id, index.services[position].id, found))
    return one_to_one(pairs)


def suggest_all_pairs(
    components: Sequence[Candidate],
    services: Sequence[Candidate],
    *,
    minimum: int = MEDIUM,
) -> list[Suggestion]:
    """PagerDuty's way, the baseline: every pair scored, each component's best service
    suggested (a service may be suggested for several components)."""
    keys = [NameKey.of(s.name, s.team) for s in services]
    out: list[Suggestion] = []
    for component in components:
        key = NameKey.of(component.name, component.team)
        best: Suggestion | None = None
        for service, service_key in zip(services, keys, strict=True):
            found = score(key, service_key)
            if best is None or found.points > best.points:
                best = Suggestion(component.id, service.id, found)
        if best is not None and best.points >= minimum:
            out.append(best)
    return out


def one_to_one(pairs: Iterable[Suggestion]) -> list[Suggestion]:
    """Greedy: the best-scored pair first, then the best of what is left (ties by name
    similarity, then ids, so the result does not depend on input order)."""
    ordered = sorted(
        pairs,
        key=lambda s: (-s.points, -s.score.name_similarity, s.entity_ref, s.service_id),
    )
    taken_entities: set[str] = set()
    taken_services: set[str] = set()
    out = []
    for pair in ordered:
        if pair.entity_ref in taken_entities or pair.service_id in taken_services:
            continue
        taken_entities.add(pair.entity_ref)
        taken_services.add(pair.service_id)
        out.append(pair)
    return out
