"""The hot-path benchmarks (issue #21) run end to end as a person runs them, at a tiny size.

So the tables in docs/performance.md cannot come from scripts that no longer work. Each
asserts what the run did (the statuses the bench checks, the rows it prints), never a time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run_json(script: str, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_lint_bench_times_lint_yamllint_and_the_interpreter_on_each_template() -> None:
    rows = run_json("lint_bench.py", "--rounds", "1")
    templates = sorted(p.parent.name for p in (BENCH.parent / "templates").glob("*/template.yaml"))
    assert sorted(Path(row["template"]).parent.name for row in rows) == templates
    for row in rows:
        assert set(row["medianSeconds"]) == {"python -c pass", "template lint", "yamllint"}
        assert all(seconds > 0 for seconds in row["medianSeconds"].values())


def test_request_bench_interleaves_echo_and_refused_calls_then_creates() -> None:
    """The bench itself stops if a call answers another status than expected (400 for the
    refused call, 200 for echo and create), so a row means those calls happened."""
    row = run_json("request_bench.py", "--requests", "20", "--creates", "3")
    assert row["requests"] == 20 and row["creates"] == 3
    assert row["createUpstreamP50Ms"] > 0  # the creates did call PagerDuty (the sandbox)
    assert row["echoP50Ms"] > 0 and row["failingP50Ms"] > 0
