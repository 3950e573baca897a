"""``template lint`` wall time (issue #21): what a template author waits for on every save.

Runs, interleaved round by round so all three see the same machine, ``python -c pass`` (the
interpreter's own start), ``pagerduty-actions template lint`` and ``yamllint`` (a YAML linter
people find quick) on each shipped template, and prints the median and slowest wall time of
each with the ratios the targets are stated in. The CPU seconds (user + system) of each are
shown too: on a shared machine they move much less with the load than the wall time does.
``--instructions`` adds what does not move with the load at all: the instructions one run of
each executes, counted by valgrind's callgrind (valgrind must be installed; a few seconds).

    .venv/bin/python bench/lint_bench.py [--rounds 15] [--json] [--instructions]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET_SECONDS = 0.35
TARGET_VS_YAMLLINT = 2.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wall(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command``."""
    cpu, started = _children_cpu(), time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started, _children_cpu() - cpu


def instructions(command: list[str]) -> int:
    """Instructions one run of ``command`` executes (valgrind's callgrind; the same on an idle
    machine and a loaded one)."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind counted nothing for {command}: {done.stderr[-500:]}")
    return int(found.group(1))


def write_bytecode() -> None:
    """An installed package has its bytecode (pip writes it); a development venv run under
    ``PYTHONDONTWRITEBYTECODE=1`` has none for the editable source, and every lint would then
    compile the package's modules from source first. Write it, as installing would."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "pagerduty_actions")],
        stdout=subprocess.DEVNULL,
        check=True,
    )


def measure(template: Path, rounds: int, count_instructions: bool = False) -> dict[str, object]:
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "template lint": [str(BIN / "pagerduty-actions"), "template", "lint", str(template)],
        "yamllint": [str(BIN / "yamllint"), str(template)],
    }
    for command in commands.values():  # warm the file cache once
        wall(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            seconds, cpu_seconds = wall(command)
            times[name].append(seconds)
            cpu[name].append(cpu_seconds)
    medians = {name: statistics.median(values) for name, values in times.items()}
    cpu_medians = {name: statistics.median(values) for name, values in cpu.items()}
    counted: dict[str, int] = {}
    if count_instructions:
        counted = {name: instructions(command) for name, command in commands.items()}
    return {
        "template": str(template.relative_to(ROOT)),
        "rounds": rounds,
        "medianSeconds": medians,
        "maxSeconds": {name: max(values) for name, values in times.items()},
        "medianCpuSeconds": cpu_medians,
        "lintVsYamllint": medians["template lint"] / medians["yamllint"],
        "lintVsYamllintCpu": cpu_medians["template lint"] / cpu_medians["yamllint"],
        "lintMinusPython": medians["template lint"] - medians["python -c pass"],
        "instructions": counted,
    }


def render(rows: list[dict[str, object]]) -> str:
    counted = any(row["instructions"] for row in rows)
    extra = " instructions: lint, yamllint, ratio |" if counted else ""
    lines = [
        "| template | python -c pass | template lint | yamllint | lint / yamllint | "
        "CPU: lint, yamllint, ratio |" + extra + " targets |",
        "|:--|--:|--:|--:|--:|--:|" + ("--:|" if counted else "") + ":--|",
    ]
    for row in rows:
        median, cpu, ins = row["medianSeconds"], row["medianCpuSeconds"], row["instructions"]
        assert isinstance(median, dict) and isinstance(cpu, dict) and isinstance(ins, dict)
        column = ""
        if ins:
            lint, yamllint = ins["template lint"], ins["yamllint"]
            column = f" {lint / 1e9:.3f} G, {yamllint / 1e9:.3f} G, {lint / yamllint:.2f}x |"
        lines.append(
            f"| {row['template']} | {median['python -c pass']:.3f} s | "
            f"{median['template lint']:.3f} s | {median['yamllint']:.3f} s | "
            f"{row['lintVsYamllint']:.2f}x | {cpu['template lint']:.3f} s, "
            f"{cpu['yamllint']:.3f} s, {row['lintVsYamllintCpu']:.2f}x |{column} "
            f"<= {TARGET_SECONDS} s, <= {TARGET_VS_YAMLLINT}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lint_bench.py", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--instructions", action="store_true", help="count each run's instructions (callgrind)"
    )
    args = parser.parse_args(argv)
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind on the PATH")
    templates = sorted((ROOT / "templates").glob("*/template.yaml"))
    write_bytecode()
    rows = [measure(t, args.rounds, args.instructions) for t in templates]
    print(json.dumps(rows, indent=2) if args.json else render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
