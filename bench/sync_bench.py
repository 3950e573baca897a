"""Dependency sync benchmark (issue #6): calls, time and memory of a whole-catalog sync.

For each N (default 100, 1,000, 5,000) it generates a sandbox account of N services with about
three dependencies each and a catalog whose ``dependsOn`` differs from it in 20% of the edges,
then runs a full sync per strategy (``backstage``, ``pagerduty``, ``both``) through the real
``SyncEngine`` against fresh simulated servers, and prints one row per run:

    calls by endpoint, total calls, the lower bound (one read per mapped service plus
    ceil(changed PagerDuty edges / batch size)), their ratio, what the per-entity processor
    approach would spend on the same data, wall time, planning time and peak memory (the sync
    process's peak RSS, and how much of it the run itself added).

    .venv/bin/python bench/sync_bench.py [--sizes 100,1000,5000] [--json]

Exits 1 when a run's calls exceed 1.1x the lower bound, the servers counted a different number
of calls than the client, the client's rate limiter had to wait, or a change failed: the
numbers would not mean what the table says.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

# sync_case is the sibling module, importable once bench/ is on the path (above).
from sync_case import (
    ASSOCIATE,
    BATCH_SIZE,
    DISASSOCIATE,
    READ,
    STRATEGIES,
    make_dataset,
    run_case,
)

DEFAULT_SIZES = (100, 1000, 5000)
MAX_RATIO = 1.1
#: Issue #21: a ``pagerduty`` run (catalog files read, the changed ones edited) within this
#: factor of the ``backstage`` run's wall time on the same data.
MAX_FILES_VS_API = 1.5

COLUMNS = (  # title, row key, format
    ("N", "n", "{}"),
    ("strategy", "strategy", "{}"),
    ("reads", "reads", "{}"),
    ("assoc", "associate", "{}"),
    ("disassoc", "disassociate", "{}"),
    ("other", "other", "{}"),
    ("total", "totalCalls", "{}"),
    ("lower bound", "lowerBound", "{}"),
    ("ratio", "ratio", "{:.3f}"),
    ("processor", "processorCalls", "{}"),
    ("x fewer", "processorRatio", "{:.1f}"),
    ("PD changes", "pagerdutyChanges", "{}"),
    ("file changes", "catalogChanges", "{}"),
    ("catalog calls", "catalogCalls", "{}"),
    ("wall s", "wallSeconds", "{:.2f}"),
    ("plan s", "planningSeconds", "{:.3f}"),
    ("peak MiB", "peakRssMiB", "{:.1f}"),
    ("sync MiB", "rssGrowthMiB", "{:.1f}"),
)


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--sizes must be comma-separated whole numbers, e.g. 100,1000 (got {text!r})"
        ) from None
    if not sizes or any(n < 2 for n in sizes):
        raise argparse.ArgumentTypeError(f"--sizes needs numbers of at least 2 (got {text!r})")
    return sizes


def parse_strategies(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in STRATEGIES]
    if not chosen or unknown:
        raise argparse.ArgumentTypeError(
            f"--strategies takes a comma-separated subset of {','.join(STRATEGIES)} (got {text!r})"
        )
    return chosen


def table_cells(row: dict[str, Any]) -> dict[str, Any]:
    """The row with the endpoint counts split into the table's call columns."""
    calls = dict(row["callsByEndpoint"])
    cells = dict(row)
    cells["reads"] = calls.pop(READ, 0)
    cells["associate"] = calls.pop(ASSOCIATE, 0)
    cells["disassociate"] = calls.pop(DISASSOCIATE, 0)
    cells["other"] = sum(calls.values())
    return cells


def render_table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table, columns padded so it reads as plain text too."""
    grid = [[title for title, _, _ in COLUMNS]]
    for row in rows:
        cells = table_cells(row)
        grid.append(
            ["-" if cells[key] is None else fmt.format(cells[key]) for _, key, fmt in COLUMNS]
        )
    widths = [max(len(line[i]) for line in grid) for i in range(len(COLUMNS))]
    left = {i for i, (_, key, _) in enumerate(COLUMNS) if key == "strategy"}

    def line(cells: list[str]) -> str:
        padded = [
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            (":" + "-" * (w + 1)) if i in left else ("-" * (w + 1) + ":")
            for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(grid[0]), rule, *(line(cells) for cells in grid[1:])])


def strategy_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per N, the ``pagerduty`` run's wall time over the ``backstage`` run's."""
    by_key = {(row["n"], row["strategy"]): row for row in rows}
    out = []
    for n in sorted({row["n"] for row in rows}):
        files, api = by_key.get((n, "pagerduty")), by_key.get((n, "backstage"))
        if files and api and api["wallSeconds"]:
            out.append(
                {
                    "n": n,
                    "pagerdutyWallSeconds": files["wallSeconds"],
                    "backstageWallSeconds": api["wallSeconds"],
                    "wallRatio": round(files["wallSeconds"] / api["wallSeconds"], 2),
                    "pagerdutyCallRatio": files["ratio"],
                }
            )
    return out


def render_ratios(ratios: list[dict[str, Any]]) -> str:
    lines = [
        "| N | pagerduty wall s | backstage wall s | pagerduty / backstage | calls / bound |",
        "|--:|--:|--:|--:|--:|",
    ]
    lines += [
        f"| {r['n']} | {r['pagerdutyWallSeconds']:.2f} | {r['backstageWallSeconds']:.2f} | "
        f"{r['wallRatio']:.2f}x (target <= {MAX_FILES_VS_API}x) | {r['pagerdutyCallRatio']:.3f} |"
        for r in ratios
    ]
    return "\n".join(lines)


def problems_of(row: dict[str, Any]) -> list[str]:
    """Why a row's numbers cannot be trusted or miss the target (empty when fine)."""
    where = f"N={row['n']} {row['strategy']}"
    out = []
    if row["ratio"] is not None and row["ratio"] > MAX_RATIO:
        out.append(f"{where}: {row['totalCalls']} calls, ratio {row['ratio']} > {MAX_RATIO}")
    if row["serverCounted"] != row["totalCalls"]:
        out.append(
            f"{where}: the sandbox answered {row['serverCounted']} calls, "
            f"the client counted {row['totalCalls']}"
        )
    if row["limiterWaitSeconds"] > 0 or row["retries"]:
        out.append(
            f"{where}: the client waited {row['limiterWaitSeconds']} s / retried "
            f"{row['retries']} times (rate limits not raised?)"
        )
    if row["failed"]:
        out.append(f"{where}: {row['failed']} changes failed")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sync_bench.py", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--sizes", type=parse_sizes, default=list(DEFAULT_SIZES))
    parser.add_argument("--strategies", type=parse_strategies, default=list(STRATEGIES))
    parser.add_argument("--seed", type=int, default=0, help="random seed of the generated data")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for n in args.sizes:
        data = make_dataset(n, seed=args.seed)
        for strategy in args.strategies:
            row = run_case(data, strategy)
            rows.append(row)
            if not args.json:
                print(f"  N={n} {strategy}: {row['wallSeconds']:.2f} s", file=sys.stderr)
    elapsed = time.perf_counter() - started
    problems = [p for row in rows for p in problems_of(row)]
    if args.json:
        document = {
            "batchSize": BATCH_SIZE,
            "maxRatio": MAX_RATIO,
            "totalSeconds": round(elapsed, 2),
            "rows": rows,
            "strategyRatios": strategy_ratios(rows),
            "problems": problems,
        }
        print(json.dumps(document, indent=2))
    else:
        print(render_table(rows))
        ratios = strategy_ratios(rows)
        if ratios:
            print("\n" + render_ratios(ratios))
        print(f"\nbatch size {BATCH_SIZE}; whole run {elapsed:.1f} s")
        for problem in problems:
            print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
