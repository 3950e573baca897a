"""The auto-match benchmark at a small N, run as a person runs it: it works end to end, and on
its labelled set the blocked matcher is at least as precise as scoring all pairs, loses
(almost) no recall, and scores a fraction of the pairs. Counts and ratios, never times."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "automatch_bench.py"


def test_bench_runs_and_blocking_keeps_the_quality_of_all_pairs() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "400", "--json"],
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
    )
    rows = {row["matcher"]: row for row in json.loads(done.stdout)}
    blocked, baseline = rows["blocked"], rows["all-pairs"]
    assert baseline["pairsScored"] == 400 * 400
    assert blocked["pairsScored"] < baseline["pairsScored"] / 5
    assert blocked["labelled"] == baseline["labelled"] > 250
    assert blocked["precision"] >= baseline["precision"]
    assert blocked["recall"] >= baseline["recall"] - 0.01
    assert blocked["recall"] > 0.85 and blocked["precision"] > 0.95
