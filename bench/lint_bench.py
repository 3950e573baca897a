"""``template lint`` wall time (issue #21): what a template author waits for on every save.

Runs, interleaved round by round so all three see the same machine, ``python -c pass`` (the
interpreter's own start), ``pagerduty-actions template lint`` and ``yamllint`` (a YAML linter
people find quick) on each shipped template, and prints the median and slowest wall time of
each with the ratios the targets are stated in.

    .venv/bin/python bench/lint_bench.py [--rounds 15] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET_SECONDS = 0.35
TARGET_VS_YAMLLINT = 2.0


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def measure(template: Path, rounds: int) -> dict[str, object]:
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "template lint": [str(BIN / "pagerduty-actions"), "template", "lint", str(template)],
        "yamllint": [str(BIN / "yamllint"), str(template)],
    }
    for command in commands.values():  # warm the file cache once
        wall(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            times[name].append(wall(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "template": str(template.relative_to(ROOT)),
        "rounds": rounds,
        "medianSeconds": medians,
        "maxSeconds": {name: max(values) for name, values in times.items()},
        "lintVsYamllint": medians["template lint"] / medians["yamllint"],
        "lintMinusPython": medians["template lint"] - medians["python -c pass"],
    }


def render(rows: list[dict[str, object]]) -> str:
    lines = [
        "| template | python -c pass | template lint | yamllint | lint / yamllint | targets |",
        "|:--|--:|--:|--:|--:|:--|",
    ]
    for row in rows:
        median = row["medianSeconds"]
        assert isinstance(median, dict)
        lines.append(
            f"| {row['template']} | {median['python -c pass']:.3f} s | "
            f"{median['template lint']:.3f} s | {median['yamllint']:.3f} s | "
            f"{row['lintVsYamllint']:.2f}x | <= {TARGET_SECONDS} s, <= {TARGET_VS_YAMLLINT}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lint_bench.py", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    templates = sorted((ROOT / "templates").glob("*/template.yaml"))
    rows = [measure(t, args.rounds) for t in templates]
    print(json.dumps(rows, indent=2) if args.json else render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
