"""The sync benchmark at a tiny N: it runs end to end and its numbers are consistent.

This is the benchmark's own script run as a person runs it (``bench/sync_bench.py --json``),
so the table in docs/performance.md cannot come from code that no longer works. It asserts
call counts, never times.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "sync_bench.py"
N = 20
READ = "GET /service_dependencies/technical_services/{id}"
ASSOCIATE = "POST /service_dependencies/associate"
DISASSOCIATE = "POST /service_dependencies/disassociate"


# The bench at N = 20 takes seconds alone, but its run took over 110 s in a make unit whose two
# workers shared the cores with other work (load 10-15 on 2 cores). The hang guards are not
# what the module asserts, so they are wide (the first test's setup runs the bench).
BENCH_TIMEOUT = 540
pytestmark = pytest.mark.timeout(BENCH_TIMEOUT + 60)


def run_bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH), *args],
        capture_output=True,
        text=True,
        timeout=BENCH_TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    done = run_bench("--sizes", str(N), "--json")
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def rows_by_strategy(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["strategy"]: row for row in result["rows"]}


def test_one_row_per_strategy_with_every_column(result: dict[str, Any]) -> None:
    rows = rows_by_strategy(result)
    assert sorted(rows) == ["backstage", "both", "pagerduty"]
    assert result["problems"] == []
    assert result["batchSize"] == 100
    for row in rows.values():
        assert row["n"] == N
        for key in ("wallSeconds", "planningSeconds", "peakRssMiB"):
            assert isinstance(row[key], int | float) and row[key] >= 0
        assert row["peakRssMiB"] > 0


def test_reads_are_one_per_mapped_service(result: dict[str, Any]) -> None:
    for row in result["rows"]:
        assert row["mapped"] == N
        assert row["callsByEndpoint"][READ] == N


def test_calls_are_counted_on_both_sides_and_near_the_lower_bound(
    result: dict[str, Any],
) -> None:
    for row in result["rows"]:
        total = sum(row["callsByEndpoint"].values())
        assert row["totalCalls"] == total == row["serverCounted"]
        assert row["retries"] == 0 and row["limiterWaitSeconds"] == 0
        expected_bound = N + math.ceil(row["pagerdutyChanges"] / 100)
        assert row["lowerBound"] == expected_bound
        assert row["ratio"] == round(total / expected_bound, 4)
        assert row["ratio"] <= 1.1
        assert row["failed"] == 0
        assert row["applied"] == row["pagerdutyChanges"] + row["catalogChanges"]


def test_each_strategy_writes_what_it_should(result: dict[str, Any]) -> None:
    rows = rows_by_strategy(result)
    differing = rows["backstage"]["edges"]["differing"]
    assert differing > 0
    # backstage: PagerDuty gets every differing edge, in one call per kind at this size.
    assert rows["backstage"]["pagerdutyChanges"] == differing
    assert rows["backstage"]["callsByEndpoint"][ASSOCIATE] == 1
    assert rows["backstage"]["callsByEndpoint"][DISASSOCIATE] == 1
    assert rows["backstage"]["catalogChanges"] == 0
    assert rows["backstage"]["catalogCalls"] >= 1
    # pagerduty: nothing is written to PagerDuty, catalog files are edited.
    assert set(rows["pagerduty"]["callsByEndpoint"]) == {READ}
    assert rows["pagerduty"]["catalogChanges"] > 0
    # both: additions only.
    assert DISASSOCIATE not in rows["both"]["callsByEndpoint"]
    assert 0 < rows["both"]["pagerdutyChanges"] < differing


def test_the_processor_baseline_costs_more(result: dict[str, Any]) -> None:
    for row in result["rows"]:
        assert row["processorCalls"] > row["totalCalls"]
        assert row["processorRatio"] == round(row["processorCalls"] / row["totalCalls"], 2)


def _bench_module() -> ModuleType:
    sys.path.insert(0, str(BENCH.parent))
    try:
        spec = importlib.util.spec_from_file_location("sync_bench_under_test", BENCH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH.parent))


def test_the_table_shows_each_row(result: dict[str, Any]) -> None:
    table = _bench_module().render_table(result["rows"]).splitlines()
    assert table[0].startswith("| ") and "lower bound" in table[0] and "ratio" in table[0]
    assert set(table[1]) <= set("|-:")
    assert len(table) == 2 + len(result["rows"])
    assert {len(line) for line in table} == {len(table[0])}  # aligned
    for line, row in zip(table[2:], result["rows"], strict=True):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0] == str(N) and cells[1] == row["strategy"]
        assert str(row["totalCalls"]) in cells


def test_bad_sizes_are_refused_naming_the_flag() -> None:
    done = run_bench("--sizes", "ten")
    assert done.returncode == 2
    assert "--sizes must be comma-separated whole numbers" in done.stderr
