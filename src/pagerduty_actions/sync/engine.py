"""One sync run, start to finish: load both sides, map, plan, apply, report.

Reads are one call per mapped service (plus the catalog pages); nothing is re-read per
entity. Progress is reported through a callback (the run record, the CLI's progress bar), and
the report lists every change with its reason, what was left alone and why, and the counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..catalog import annotation_keys
from ..errors import InputError
from ..pagerduty import PagerDutyClient
from ..services import Services
from ..store.settings import MappingStore, SettingsStore
from .apply import Guard, apply_files_in_place, apply_pagerduty, never_stop
from .deliver import apply_repositories
from .errors import describe
from .ledger import Ledger, Recorder
from .mapping import build_mapping, resolve_depends_on
from .model import BackstageGraph, Mapping, Plan, Strategy
from .plan import plan as make_plan
from .real_git import check_real_git
from .report import planned_report, with_outcome
from .sources import (
    MANAGED_BY_LOCATION,
    SOURCE_LOCATION,
    integration_key_index,
    load_backstage_graph_from_api,
    load_backstage_graph_from_files,
    load_pagerduty_graph,
)

STRATEGY_SETTING = "dependency-sync-strategy"
ProgressCallback = Callable[[str, int, int, int], None]  # phase, done, total, calls


@dataclass(frozen=True)
class SyncOptions:
    strategy: str | None = None  # None: the stored setting, else config sync.strategy
    dry_run: bool = False
    entities: tuple[str, ...] = ()  # restrict to these normalised entity refs (empty: all)
    account: str | None = None
    # Against the built-in sandbox, still deliver to hosted git repositories (see real_git).
    allow_real_git: bool = False


def effective_strategy(services: Services, requested: str | None) -> Strategy:
    if requested:
        return Strategy(requested)
    stored = SettingsStore(services.db).get(STRATEGY_SETTING)
    if stored:
        return Strategy(str(stored))
    return Strategy(str(services.config.section("sync")["strategy"]))


class SyncEngine:
    """Runs one sync. ``guard`` is asked before every write whether the run may still write
    (the run's lease, a stop request); ``on_planned(report)`` receives the planned report
    before the first write and ``on_record(snapshot)`` the ledger after every state change,
    so the run's record is never behind what was sent (see ``ledger``)."""

    def __init__(
        self,
        services: Services,
        progress: ProgressCallback | None = None,
        *,
        guard: Guard = never_stop,
        on_planned: Callable[[dict[str, Any]], None] | None = None,
        on_record: Recorder | None = None,
    ) -> None:
        self.services = services
        self.progress = progress or (lambda phase, done, total, calls: None)
        self.guard = guard
        self.on_planned = on_planned or (lambda report: None)
        self.on_record = on_record

    def run(self, options: SyncOptions) -> dict[str, Any]:
        started = time.monotonic()
        strategy = effective_strategy(self.services, options.strategy)
        if strategy is Strategy.DISABLED:
            return {
                "strategy": "disabled",
                "dryRun": options.dry_run,
                "status": "succeeded",
                "message": "dependency sync is disabled: nothing was read or written "
                "(set the dependency-sync-strategy setting or sync.strategy in the config)",
                "counts": {"changes": 0, "calls": 0},
            }
        client = self.services.pagerduty_client(options.account)
        calls_before = client.stats.total
        by_endpoint_before = client.stats.snapshot()

        def calls() -> int:
            return client.stats.total - calls_before

        self.progress("reading the catalog", 0, 0, calls())
        problems: list[str] = []
        graph = load_catalog(self.services, problems)
        problems += resolve_depends_on(graph)
        keys = key_index(client, graph)
        overrides = MappingStore(self.services.db).overrides()
        mapping = build_mapping(graph, overrides=overrides, key_to_service=keys)
        mapped = sorted(mapping.service_to_entity)
        total = len(mapped)

        def read_progress(done: int) -> None:
            self.progress("reading PagerDuty", done, total, calls())

        pd_graph = load_pagerduty_graph(client, mapped, on_progress=read_progress)
        if pd_graph.missing:
            mapping = build_mapping(
                graph, overrides=overrides, key_to_service=keys, missing_services=pd_graph.missing
            )
        planning_started = time.monotonic()
        plan = _scoped(make_plan(graph, pd_graph, mapping, strategy), mapping, options.entities)
        plan.problems = problems + plan.problems
        planning_seconds = time.monotonic() - planning_started
        report = planned_report(strategy, options.dry_run, mapping, plan)
        snapshot = None
        if not options.dry_run:
            check_real_git(self.services, plan.backstage, allowed=options.allow_real_git)
        if not options.dry_run and (plan.pagerduty or plan.backstage):
            self.on_planned(report)
            ledger = Ledger([*plan.pagerduty, *plan.backstage], on_record=self.on_record)
            try:
                self._apply(client, plan, ledger, calls)
            except Exception as exc:  # the record says what was done; the run ends with it
                ledger.interrupt(describe(exc))
            snapshot = ledger.snapshot()
        report = with_outcome(report, snapshot)
        report["counts"]["calls"] = calls()
        report["callsByEndpoint"] = _calls_since(by_endpoint_before, client.stats.snapshot())
        report["timing"] = {
            "seconds": round(time.monotonic() - started, 3),
            "planningSeconds": round(planning_seconds, 4),
        }
        return report

    def _apply(
        self, client: PagerDutyClient, plan: Plan, ledger: Ledger, calls: Callable[[], int]
    ) -> None:
        total = len(plan.pagerduty)
        done = 0

        def on_batch(count: int) -> None:
            nonlocal done
            done += count
            self.progress("writing PagerDuty", done, total, calls())

        batch_size = int(self.services.config.section("sync")["batchSize"])
        apply_pagerduty(
            client,
            plan.pagerduty,
            ledger,
            batch_size=batch_size,
            on_batch=on_batch,
            guard=self.guard,
        )
        for change in plan.backstage:
            if change.location is None:
                ledger.failed(
                    [change],
                    f"{change.entity_ref}: no {MANAGED_BY_LOCATION} or {SOURCE_LOCATION} "
                    "annotation says where its catalog file is; change spec.dependsOn by hand",
                )
        in_place = [
            c
            for c in plan.backstage
            if c.location and c.location.kind == "file" and not c.location.repo_url
        ]
        elsewhere = [c for c in plan.backstage if c.location and c not in in_place]
        targets = len({c.location.target for c in in_place if c.location}) + len(
            {c.location.group_key for c in elsewhere if c.location}
        )
        if not targets or ledger.stopped:
            return
        self.progress("writing catalog files", 0, targets, calls())
        files_done = 0

        def on_target(_: int) -> None:
            nonlocal files_done
            files_done += 1
            self.progress("writing catalog files", files_done, targets, calls())

        if in_place:
            apply_files_in_place(in_place, ledger, guard=self.guard, on_file=on_target)
        if elsewhere and not ledger.stopped:
            apply_repositories(
                self.services, elsewhere, ledger, guard=self.guard, on_repository=on_target
            )


def load_catalog(services: Services, problems: list[str] | None = None) -> BackstageGraph:
    """The components to sync: from catalog files when configured, else the catalog API.

    Given ``problems``, a catalog file that cannot be used (not YAML, over the YAML budget,
    unreadable) is a problem of that file there, and its components are left out of the run
    (so nothing is changed for them, on either side), instead of stopping the whole run.
    """
    require_catalog_source(services)
    config = services.config
    files = config.section("catalog").get("files")
    if files:
        return load_backstage_graph_from_files(list(files), Path.cwd(), problems)
    backstage = config.section("backstage")
    return load_backstage_graph_from_api(str(backstage["baseUrl"]), backstage.get("token"))


def require_catalog_source(services: Services) -> None:
    """Refuse early (before a background run is accepted) when there is no catalog to read."""
    config = services.config
    if config.section("catalog").get("files") or config.section("backstage").get("baseUrl"):
        return
    raise InputError(
        "no catalog to sync: set backstage.baseUrl (and backstage.token) or catalog.files "
        "in the config"
    )


def key_index(client: PagerDutyClient, graph: BackstageGraph) -> dict[str, str]:
    """Integration key -> service, only when some entity is mapped by key alone (it costs
    one listing of the account's services)."""
    needs = any(
        annotation_keys.value_of(e.annotation(annotation_keys.INTEGRATION_KEY))
        and not annotation_keys.value_of(e.annotation(annotation_keys.SERVICE_ID))
        for e in graph.entities.values()
    )
    return integration_key_index(client) if needs else {}


def _calls_since(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """This run's calls by endpoint: the client is long-lived, its counters are not per run."""
    spent = {key: count - before.get(key, 0) for key, count in after.items()}
    return {key: count for key, count in spent.items() if count}


def _scoped(plan: Plan, mapping: Mapping, entities: tuple[str, ...]) -> Plan:
    """Keep only the changes whose owning entity is in scope (the graph stays whole, so
    dependencies on entities outside the scope still resolve)."""
    if not entities:
        return plan
    wanted = set(entities)  # normalised by sync_options
    plan.pagerduty = [
        c for c in plan.pagerduty if mapping.service_to_entity.get(c.dependent) in wanted
    ]
    plan.backstage = [c for c in plan.backstage if c.entity_ref in wanted]
    plan.kept = [k for k in plan.kept if mapping.service_to_entity.get(k.dependent) in wanted]
    return plan
