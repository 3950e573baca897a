"""Entity-page benchmark (issue #18): what N people opening one component's PagerDuty card
cost PagerDuty, with and without our facade's cache.

One view is the five reads of @backstage/plugin-pagerduty 0.6.8 (service by integration key,
service by id, open incidents, change events, on-call). N views run at once from 20 threads
against a sandbox answering each PagerDuty call after ``--latency-ms``; each row says how many
calls reached PagerDuty (counted by the sandbox), how many of those it refused with 429 (its
rate limit is PagerDuty's, 960 a minute), the wall time, the views' median and 95th percentile,
the peak of Python memory, and the calls as a ratio of the direct row:

- ``direct``: the card's proxy pointed at PagerDuty itself (every read is a call);
- ``facade ttl=0``: /pagerduty-api with ``entityPage.cacheSeconds: 0`` (identical reads in
  flight at the same moment share one call, nothing is kept);
- ``facade ttl=5``: the default, 5 seconds.

    .venv/bin/python bench/entity_page_bench.py [--views 10,100,300] [--latency-ms 50] [--json]

Exits 1 when a facade view failed or the cached run cost more than one call per read: the
numbers would not mean what the table says.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from pagerduty_actions.config import validate_config
from pagerduty_actions.registry import Registry
from pagerduty_actions.sandbox import SandboxServer, sandbox_server
from pagerduty_actions.server import create_app

KEY = "0123456789abcdef0123456789abcdef"
PD_TOKEN = "bench-pd-token"
TOKEN = "bench-token-0123456789abcdef"
THREADS = 20
SEED: dict[str, Any] = {
    "accounts": [
        {
            "name": "bench",
            "tokens": [PD_TOKEN],
            "users": [{"name": "Ada", "email": "ada@example.com"}],
            "escalation_policies": [{"id": "PPOLICY", "name": "Default", "users": ["Ada"]}],
            "services": [
                {
                    "id": "PSERVICE",
                    "name": "checkout",
                    "escalation_policy": "Default",
                    "integrations": [{"vendor": "PRO19CT", "integration_key": KEY}],
                }
            ],
            "incidents": [{"service": "checkout", "title": "Disk full"}],
            "oncalls": [{"user": "Ada", "escalation_policy": "Default"}],
            "change_events": [{"service": "checkout", "summary": "Deployed v2"}],
        }
    ]
}
VIEW = (  # the card's five reads, as it sends them
    "/services?time_zone=UTC&include[]=integrations&include[]=escalation_policies&query=" + KEY,
    "/services/PSERVICE?time_zone=UTC&include[]=integrations&include[]=escalation_policies",
    "/incidents?time_zone=UTC&sort_by=created_at&statuses[]=triggered&statuses[]=acknowledged"
    "&service_ids[]=PSERVICE",
    "/services/PSERVICE/change_events?limit=5&time_zone=UTC&sort_by=timestamp",
    "/oncalls?time_zone=UTC&include[]=users&escalation_policy_ids[]=PPOLICY",
)
Get = Callable[[str], int]


def _run(views: int, get: Get) -> dict[str, Any]:
    """``views`` concurrent views through ``get``; statuses and each view's seconds."""

    def one_view(_: int) -> tuple[float, list[int]]:
        started = time.perf_counter()
        statuses = [get(path) for path in VIEW]
        return time.perf_counter() - started, statuses

    tracemalloc.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as threads:
        results = list(threads.map(one_view, range(views)))
    wall = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    seconds = sorted(r[0] for r in results)
    return {
        "wallSeconds": wall,
        "p50": statistics.median(seconds),
        "p95": seconds[min(len(seconds) - 1, int(len(seconds) * 0.95))],
        "peakMiB": peak / 2**20,
        "failedReads": sum(1 for _, statuses in results for s in statuses if s != 200),
    }


def _direct(pd: SandboxServer, views: int) -> dict[str, Any]:
    headers = {
        "Authorization": f"Token token={PD_TOKEN}",
        "Accept": "application/vnd.pagerduty+json;version=2",
    }
    with httpx.Client(base_url=pd.base_url, headers=headers, timeout=30) as client:
        return _run(views, lambda path: client.get(path).status_code)


def _facade(pd: SandboxServer, views: int, ttl: float, folder: Path) -> dict[str, Any]:
    config = validate_config(
        {
            "dataDir": str(folder / "data"),
            "database": {"url": f"sqlite:///{folder / 'bench.db'}"},
            "auth": {"tokens": [{"name": "bench", "token": TOKEN}]},
            "pagerDuty": {"apiToken": PD_TOKEN, "apiBaseUrl": pd.base_url},
            "entityPage": {"cacheSeconds": ttl},
        },
        "bench config",
    )
    app = create_app(config, registry=Registry.load())
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        return _run(
            views,
            lambda path: app.test_client().get("/pagerduty-api" + path, headers=auth).status_code,
        )
    finally:
        app.extensions["pagerduty_actions"].services.close()


def measure(views: int, latency_ms: float) -> list[dict[str, Any]]:
    rows = []
    runs: list[tuple[str, Callable[[SandboxServer, Path], dict[str, Any]]]] = [
        ("direct", lambda pd, _: _direct(pd, views)),
        ("facade ttl=0", lambda pd, folder: _facade(pd, views, 0, folder)),
        ("facade ttl=5", lambda pd, folder: _facade(pd, views, 5, folder)),
    ]
    for name, run in runs:
        with sandbox_server(SEED) as pd, tempfile.TemporaryDirectory() as tmp:
            pd.state.configure_faults({"latency_ms": latency_ms})
            result = run(pd, Path(tmp))
            entries = pd.state.log.entries()
            rows.append(
                {
                    "views": views,
                    "route": name,
                    "reads": views * len(VIEW),
                    "pagerdutyCalls": len(entries),
                    "refused429": sum(1 for e in entries if e.status == 429),
                    **result,
                }
            )
    direct = rows[0]["pagerdutyCalls"]
    for row in rows:
        row["ratio"] = row["pagerdutyCalls"] / direct if direct else 0.0
    return rows


COLUMNS = (
    ("views", "views", "{}"),
    ("route", "route", "{}"),
    ("reads", "reads", "{}"),
    ("PD calls", "pagerdutyCalls", "{}"),
    ("429s", "refused429", "{}"),
    ("ratio", "ratio", "{:.3f}"),
    ("wall s", "wallSeconds", "{:.2f}"),
    ("view p50 s", "p50", "{:.3f}"),
    ("view p95 s", "p95", "{:.3f}"),
    ("peak MiB", "peakMiB", "{:.1f}"),
    ("failed", "failedReads", "{}"),
)


def table(rows: list[dict[str, Any]]) -> str:
    cells = [[title for title, _, _ in COLUMNS]] + [
        [fmt.format(row[key]) for _, key, fmt in COLUMNS] for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = [" | ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", default="10,100,300", help="comma-separated view counts")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="PagerDuty's latency")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    rows = []
    for views in (int(v) for v in args.views.split(",")):
        rows += measure(views, args.latency_ms)
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    bad = [
        r
        for r in rows
        if r["route"] != "direct"
        and (r["failedReads"] or (r["route"] == "facade ttl=5" and r["pagerdutyCalls"] > len(VIEW)))
    ]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
