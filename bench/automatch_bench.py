"""Auto-match benchmark (issue #16): our blocked matcher against PagerDuty's all-pairs loop.

For each N (default 1,000 and 5,000) it generates N PagerDuty services and N catalog
components, a labelled set: 80% of the components are some service under another spelling
(case and separators changed, a "-service" suffix, a typo, the acronym, an owner written as a
group ref or another team), 20% match no service but share a word with one (hard negatives).
Both matchers run in this process on the same data and score with the same function
(``automatch.scoring``: PagerDuty's scale):

- ``blocked``: ``automatch.suggest`` (an index picks candidates; one service per component);
- ``all-pairs``: ``automatch.suggest_all_pairs``, every pair scored, each component's best
  service suggested, as PagerDuty's backend does.

One row per (N, matcher): pairs scored, wall time, peak memory (tracemalloc, in a second pass
so it does not slow the timed one), suggestions, precision and recall against the labels.

    .venv/bin/python bench/automatch_bench.py [--sizes 1000,5000] [--seed 0] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pagerduty_actions.automatch import Candidate, Suggestion, suggest, suggest_all_pairs
from pagerduty_actions.automatch import matcher as matcher_module

DEFAULT_SIZES = (1000, 5000)
MATCHERS: dict[str, Callable[[Sequence[Candidate], Sequence[Candidate]], list[Suggestion]]] = {
    "blocked": suggest,
    "all-pairs": suggest_all_pairs,
}


@dataclass
class Dataset:
    services: list[Candidate]
    components: list[Candidate]
    truth: dict[str, str]  # component id -> service id, for the components that have one


def _words(rng: random.Random, count: int) -> list[str]:
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    out: set[str] = set()
    while len(out) < count:
        length = rng.choice((2, 3, 3, 4))
        word = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(length // 2 + 1))
        out.add(word[: rng.randint(4, 9)])
    return sorted(out)


def _style(rng: random.Random, words: list[str]) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return "-".join(words)
    if kind == 1:
        return "_".join(words)
    if kind == 2:
        return "".join(w.capitalize() for w in words)
    return " ".join(w.capitalize() for w in words)


def _typo(rng: random.Random, word: str) -> str:
    at = rng.randrange(1, len(word))
    kind = rng.randrange(3)
    if kind == 0:  # swap two letters
        return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    if kind == 1:  # drop one
        return word[:at] + word[at + 1 :]
    return word[:at] + rng.choice(string.ascii_lowercase) + word[at:]  # insert one


def make_dataset(n: int, seed: int = 0) -> Dataset:
    rng = random.Random(seed)
    vocabulary = _words(rng, max(200, n // 3))
    teams = [f"team-{w}" for w in _words(random.Random(seed + 1), max(20, n // 50))]
    names: set[tuple[str, ...]] = set()
    while len(names) < n:
        names.add(tuple(rng.sample(vocabulary, rng.choice((1, 2, 2, 3)))))
    ordered = sorted(names)
    rng.shuffle(ordered)
    services = [
        Candidate(f"P{i:06d}", _style(rng, list(words)), rng.choice(teams))
        for i, words in enumerate(ordered)
    ]
    components: list[Candidate] = []
    truth: dict[str, str] = {}
    for i, (words, service) in enumerate(zip(ordered, services, strict=True)):
        ref = f"component:default/c{i:06d}"
        if rng.random() < 0.2:  # no service: a new name sharing one word with this one
            fresh = [words[0], rng.choice(vocabulary), rng.choice(vocabulary)]
            while tuple(fresh) in names or tuple(fresh[:2]) in names:
                fresh = [words[0], rng.choice(vocabulary), rng.choice(vocabulary)]
            components.append(Candidate(ref, "-".join(fresh), rng.choice(teams)))
            continue
        variant = list(words)
        roll = rng.random()
        if roll < 0.25:
            variant = [*variant, "service"]
        elif roll < 0.5:
            index = rng.randrange(len(variant))
            if len(variant[index]) > 3:
                variant[index] = _typo(rng, variant[index])
        elif roll < 0.6 and len(variant) >= 2:
            variant = ["".join(w[0] for w in variant).upper()]
        name = _style(rng, variant) if len(variant) > 1 else variant[0]
        owner = service.team if rng.random() < 0.7 else rng.choice(teams)
        if owner and rng.random() < 0.5:
            owner = f"group:default/{owner}"
        components.append(Candidate(ref, name.lower() if rng.random() < 0.5 else name, owner))
        truth[ref] = service.id
    return Dataset(services, components, truth)


def quality(found: list[Suggestion], truth: dict[str, str]) -> tuple[float, float]:
    correct = sum(1 for s in found if truth.get(s.entity_ref) == s.service_id)
    precision = correct / len(found) if found else 1.0
    recall = correct / len(truth) if truth else 1.0
    return precision, recall


class _CountingScore:
    """Counts the pairs a matcher scores, by wrapping the scorer it calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.original = matcher_module.score

    def __enter__(self) -> _CountingScore:
        def counted(a: Any, b: Any) -> Any:
            self.calls += 1
            return self.original(a, b)

        matcher_module.score = counted  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        matcher_module.score = self.original


def run(sizes: Sequence[int], seed: int) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        data = make_dataset(n, seed)
        for name, match in MATCHERS.items():
            started = time.perf_counter()
            found = match(data.components, data.services)
            seconds = time.perf_counter() - started
            with _CountingScore() as counter:
                tracemalloc.start()
                match(data.components, data.services)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            precision, recall = quality(found, data.truth)
            rows.append(
                {
                    "n": n,
                    "matcher": name,
                    "pairsScored": counter.calls,
                    "seconds": seconds,
                    "peakMiB": peak / 2**20,
                    "suggestions": len(found),
                    "labelled": len(data.truth),
                    "precision": precision,
                    "recall": recall,
                }
            )
        blocked, baseline = rows[-2], rows[-1]
        blocked["speedup"] = baseline["seconds"] / blocked["seconds"] if blocked["seconds"] else 0.0
        baseline["speedup"] = 1.0
    return rows


COLUMNS = (
    ("N", "n", "{}"),
    ("matcher", "matcher", "{}"),
    ("pairs scored", "pairsScored", "{:,}"),
    ("time s", "seconds", "{:.2f}"),
    ("x faster", "speedup", "{:.1f}"),
    ("peak MiB", "peakMiB", "{:.1f}"),
    ("suggestions", "suggestions", "{}"),
    ("labelled", "labelled", "{}"),
    ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"),
)


def table(rows: list[dict[str, Any]]) -> str:
    cells = [[fmt.format(row[key]) for _, key, fmt in COLUMNS] for row in rows]
    widths = [max(len(t), *(len(c[i]) for c in cells)) for i, (t, _, _) in enumerate(COLUMNS)]
    lines = [
        "| " + " | ".join(t.ljust(w) for (t, _, _), w in zip(COLUMNS, widths, strict=True)) + " |"
    ]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells:
        lines.append("| " + " | ".join(v.rjust(w) for v, w in zip(c, widths, strict=True)) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rows = run(sizes, args.seed)
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
