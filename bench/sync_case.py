"""One benchmark case: a sync of N generated services under one strategy, measured.

The simulated PagerDuty and Backstage catalog run in a process of their own (as the real ones
are remote), so the sync's process holds only the sync: its peak RSS is the sync's memory and
the servers do not compete with it for the GIL. The sync runs in a fresh process per case
through the real ``SyncEngine`` built by ``build_services`` from a config, exactly as
``pagerduty-actions sync`` does; the servers count every request they answered, and the bench
checks that count against the client's own.

Everything here is deterministic for a given N and seed except times and memory.
"""

from __future__ import annotations

import math
import multiprocessing
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# The simulated Backstage catalog is test tooling, shared with the sync's tests (tests/fakes/).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fakes"))

from backstage_catalog import (
    SimulatedCatalog,
    generate_catalog,
    write_catalog_files,
)

from pagerduty_actions.sandbox import DEFAULT_TOKEN, generate_graph
from pagerduty_actions.sync.baseline import processor_call_count
from pagerduty_actions.sync.mapping import build_mapping, resolve_depends_on
from pagerduty_actions.sync.model import PagerDutyGraph, Strategy
from pagerduty_actions.sync.sources import build_backstage_graph, entity_from_api

BATCH_SIZE = 100
AVG_DEPENDENCIES = 3
DIFFERING_FRACTION = 0.2
# The bench measures calls and work, not waiting: the sandbox's limit is far above anything a run
# sends, and the account's rpm is the config's maximum (10,000), above the ~5,100 calls of the
# largest run, so the client's limiter never sleeps (``limiterWaitSeconds`` is checked to be 0).
SANDBOX_RATE_LIMIT = 10_000_000
ACCOUNT_RPM = 10_000
CONCURRENCY = 4
STRATEGIES = ("backstage", "pagerduty", "both")
READ = "GET /service_dependencies/technical_services/{id}"
ASSOCIATE = "POST /service_dependencies/associate"
DISASSOCIATE = "POST /service_dependencies/disassociate"

_SPAWN = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Dataset:
    """The sandbox seed and the catalog generated to differ from it by ``differing`` edges."""

    n: int
    seed: dict[str, Any]
    catalog: SimulatedCatalog


def make_dataset(n: int, seed: int = 0) -> Dataset:
    document = generate_graph(n, avg_deps=AVG_DEPENDENCIES, seed=seed)
    catalog = generate_catalog(document, differing_fraction=DIFFERING_FRACTION, seed=seed)
    return Dataset(n=n, seed=document, catalog=catalog)


def processor_baseline(data: Dataset, strategy: str) -> int:
    """What the per-entity processor would spend on the same data (no I/O)."""
    graph = build_backstage_graph(
        e for e in (entity_from_api(raw) for raw in data.catalog.entities) if e is not None
    )
    resolve_depends_on(graph)
    pagerduty = PagerDutyGraph()
    for service in data.seed["accounts"][0]["services"]:
        pagerduty.supporting[str(service["id"])] = set()
    for dependent, supporting in data.catalog.pagerduty_edges:
        pagerduty.supporting[dependent].add(supporting)
    mapping = build_mapping(graph)
    return processor_call_count(graph, pagerduty, mapping, strategy=Strategy(strategy))


# -- the servers' process ------------------------------------------------------------------------


def serve(seed: dict[str, Any], entities: list[dict[str, Any]] | None, conn: Connection) -> None:
    """Serve a sandbox seeded with ``seed`` (rate limit raised) and, when ``entities`` is
    given, a catalog API; send the URLs, wait for "stop", send the request counts back."""
    from backstage_catalog import CatalogServer

    from pagerduty_actions.sandbox import sandbox_server

    pd = sandbox_server(seed, faults={"rate_limit": {"limit": SANDBOX_RATE_LIMIT}})
    catalog = CatalogServer(entities).start() if entities is not None else None
    conn.send(
        {
            "pagerduty": pd.base_url,
            "events": pd.events_url,
            "catalog": catalog.base_url if catalog else None,
            "catalogToken": catalog.token if catalog else None,
        }
    )
    conn.recv()
    counts = {f"{m} {t}": c for (m, t), c in pd.state.request_counts().items()}
    catalog_calls = len(catalog.requests) if catalog else 0
    conn.send({"pagerduty": counts, "catalog": catalog_calls})
    if catalog:
        catalog.stop()
    pd.stop()
    conn.close()


# -- the sync's process --------------------------------------------------------------------------


def run_sync(config_data: dict[str, Any], strategy: str, workdir: str, conn: Connection) -> None:
    """Build services from ``config_data``, run one sync, send back the measurements."""
    import os

    from pagerduty_actions.bootstrap import build_services
    from pagerduty_actions.config import validate_config
    from pagerduty_actions.sync.engine import SyncEngine, SyncOptions

    os.chdir(workdir)
    services = build_services(validate_config(config_data, "bench"), check_scopes=False)
    try:
        client = services.pagerduty_client()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        report = SyncEngine(services).run(SyncOptions(strategy=strategy))
        wall = time.perf_counter() - started
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        conn.send(
            {
                "report": {k: report[k] for k in ("counts", "callsByEndpoint", "timing")},
                "wallSeconds": wall,
                "retries": client.stats.retries,
                "limiterWaitSeconds": client.limiter.waited_seconds,
                "rssBeforeKiB": rss_before,
                "rssPeakKiB": rss_peak,
                "failed": report.get("failed", [])[:3],
            }
        )
    finally:
        services.close()
        conn.close()


def _config(servers: dict[str, Any], workdir: Path, catalog_glob: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "dataDir": str(workdir / "data"),
        "database": {"url": f"sqlite:///{workdir / 'bench.db'}"},
        "pagerDuty": {
            "apiToken": DEFAULT_TOKEN,
            "apiBaseUrl": servers["pagerduty"],
            "eventsBaseUrl": servers["events"],
            "rateLimit": {"requestsPerMinute": ACCOUNT_RPM, "maxConcurrency": CONCURRENCY},
        },
        "sync": {"batchSize": BATCH_SIZE},
    }
    if catalog_glob:
        data["catalog"] = {"files": [catalog_glob]}
    else:
        data["backstage"] = {"baseUrl": servers["catalog"], "token": servers["catalogToken"]}
    return data


def _in_process(target: Any, *args: Any) -> Any:
    """Run ``target(*args, conn)`` in a fresh process; return its first message and the
    process (still running), or raise if it died without one."""
    ours, theirs = _SPAWN.Pipe()
    process = _SPAWN.Process(target=target, args=(*args, theirs), daemon=True)
    process.start()
    theirs.close()
    if not ours.poll(600):
        process.kill()
        raise RuntimeError(f"{target.__name__} sent nothing within 600 s")
    try:
        return ours.recv(), ours, process
    except EOFError:
        process.join()
        raise RuntimeError(
            f"{target.__name__} exited ({process.exitcode}) without a result"
        ) from None


def run_case(data: Dataset, strategy: str) -> dict[str, Any]:
    """One row of the table: sync ``data`` under ``strategy`` against fresh servers.

    ``backstage`` reads the catalog through the simulated catalog API; ``pagerduty`` and
    ``both`` read catalog files in a temporary directory and write the changes there in place
    (they change the Backstage side).
    """
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        workdir = Path(tmp)
        use_files = strategy != "backstage"
        glob = None
        if use_files:
            write_catalog_files(data.catalog.entities, workdir / "catalog")
            glob = str(workdir / "catalog" / "**" / "catalog-info.yaml")
        entities = None if use_files else data.catalog.entities
        servers, server_conn, server_process = _in_process(serve, data.seed, entities)
        try:
            config = _config(servers, workdir, glob)
            result, sync_conn, sync_process = _in_process(run_sync, config, strategy, tmp)
            sync_conn.close()
            sync_process.join(60)
        finally:
            server_conn.send("stop")
            served = server_conn.recv()
            server_conn.close()
            server_process.join(60)
    return _row(data, strategy, result, served)


def _row(
    data: Dataset, strategy: str, result: dict[str, Any], served: dict[str, Any]
) -> dict[str, Any]:
    report = result["report"]
    counts = report["counts"]
    by_endpoint = dict(sorted(report["callsByEndpoint"].items()))
    total = sum(by_endpoint.values())
    changed = counts["pagerdutyChanges"]
    lower_bound = counts["mapped"] + math.ceil(changed / BATCH_SIZE)
    processor = processor_baseline(data, strategy)
    return {
        "n": data.n,
        "strategy": strategy,
        "edges": {
            "pagerduty": len(data.catalog.pagerduty_edges),
            "catalog": len(data.catalog.catalog_edges),
            "differing": data.catalog.differing,
        },
        "mapped": counts["mapped"],
        "pagerdutyChanges": changed,
        "catalogChanges": counts["backstageChanges"],
        "applied": counts["applied"],
        "failed": counts["failed"],
        "callsByEndpoint": by_endpoint,
        "totalCalls": total,
        "serverCounted": sum(served["pagerduty"].values()),
        "catalogCalls": served["catalog"],
        "retries": result["retries"],
        "limiterWaitSeconds": round(result["limiterWaitSeconds"], 3),
        "lowerBound": lower_bound,
        "ratio": round(total / lower_bound, 4) if lower_bound else None,
        "processorCalls": processor,
        "processorRatio": round(processor / total, 2) if total else None,
        "wallSeconds": round(result["wallSeconds"], 3),
        "planningSeconds": report["timing"]["planningSeconds"],
        "peakRssMiB": round(result["rssPeakKiB"] / 1024, 1),
        "rssGrowthMiB": round((result["rssPeakKiB"] - result["rssBeforeKiB"]) / 1024, 1),
    }
