"""Names as auto-match compares them: normalised text, tokens, acronym, team key.

``Checkout-API``, ``checkout_api`` and ``CheckoutAPI`` are one name to a person, so they are one
name here: split on anything not a letter or digit and between a lower-case letter and an
upper-case one, lower-cased. A few words that say "this is a service" rather than which one
(``service``, ``svc``) are dropped, so ``payments-service`` meets ``payments``. Pure and linear
in the name: every request may normalise thousands of names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lower->upper boundaries (``checkoutApi``) and acronym->word boundaries (``APIGateway``).
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
#: Words naming the kind of thing, not which thing: dropped unless nothing else is left.
NOISE = frozenset({"service", "services", "svc", "the", "component"})
#: A name longer than this is cut before it is normalised: nobody names a service so, and the
#: scorer's cost is quadratic in the length of what it compares.
MAX_NAME = 200


def tokens(name: str) -> tuple[str, ...]:
    """The words of a name, lower-cased, noise words dropped (kept when nothing else is)."""
    text = _CAMEL.sub(" ", name[:MAX_NAME])
    words = tuple(w.lower() for w in _SEPARATORS.split(text) if w)
    kept = tuple(w for w in words if w not in NOISE)
    return kept or words


def normalised(name: str) -> str:
    """The name as auto-match compares it: its tokens joined by one space."""
    return " ".join(tokens(name))


def acronym(name: str) -> str | None:
    """The initials of a name of two words or more (``checkout-api-gateway`` -> ``cag``); a
    one-word name that is short and has no vowel-free shape of a word stands for itself
    (``CAG`` -> ``cag``), so a service named by its acronym meets the spelled-out name."""
    words = tokens(name)
    if len(words) >= 2:
        return "".join(w[0] for w in words)
    if len(words) == 1 and 2 <= len(words[0]) <= 5 and name[:MAX_NAME].strip().isupper():
        return words[0]
    return None


def team_key(team: str | None) -> str | None:
    """A team as a comparable key: ``group:default/Team-A``, ``team-a`` and ``Team A`` are one
    team (the entity ref's kind and namespace dropped, separators ignored)."""
    if not team:
        return None
    name = team.rpartition("/")[2].rpartition(":")[2]
    key = "".join(tokens(name))
    return key or None


@dataclass(frozen=True)
class NameKey:
    """Everything the scorer and the index read of one side's name, computed once."""

    text: str
    tokens: tuple[str, ...]
    acronym: str | None
    team: str | None

    @classmethod
    def of(cls, name: str, team: str | None) -> NameKey:
        words = tokens(name)
        return cls(" ".join(words), words, acronym(name), team_key(team))
