"""Both sides as the admin pages read them, once: the catalog's components, the mapping a
sync would start from, every PagerDuty service of every configured account, the stored
overrides and the pull requests waiting to be merged.

Reading costs one catalog listing plus one paged ``GET /services`` per account (100 services
a page: 50 calls for 5,000), so the pages keep a snapshot for ``SnapshotCache.max_age``
seconds and read again on "refresh" or after they change something.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from ..pagerduty.resources import services as pd_services
from ..services import Services
from ..store.settings import MappingStore
from ..sync.engine import key_index, load_catalog
from ..sync.mapping import build_mapping
from ..sync.model import BackstageGraph, Mapping
from .proposals import ProposalStore
from .rows import Pending, ServiceInfo, Table, build_rows


@dataclass
class Snapshot:
    graph: BackstageGraph
    mapping: Mapping
    services: list[ServiceInfo]
    overrides: dict[str, str | None]
    pending: dict[str, Pending]
    problems: list[str] = field(default_factory=list)
    read_at: float = field(default_factory=time.time)

    @cached_property
    def rows(self) -> Table:
        """The mappings table with its suggestions, made once per snapshot (auto-match over
        5,000 x 5,000 takes a few seconds; paging and filtering then cost nothing)."""
        return build_rows(
            self.graph.entities, self.mapping.entries, self.services, self.overrides, self.pending
        )

    def table(self) -> Table:
        return self.rows


def read_snapshot(services: Services) -> Snapshot:
    """Read both sides now (see the module's docstring for the cost)."""
    problems: list[str] = []
    graph = load_catalog(services, problems)
    pagerduty = list_services(services)
    keys = key_index(services.pagerduty_client(None), graph) if services.pagerduty else {}
    overrides = MappingStore(services.db).overrides() if services.db else {}
    mapping = build_mapping(graph, overrides=overrides, key_to_service=keys)
    pending = ProposalStore(services.db).pending(mapping) if services.db else {}
    return Snapshot(graph, mapping, pagerduty, overrides, pending, problems)


def list_services(services: Services) -> list[ServiceInfo]:
    """Every service of every configured account, with its first team's name."""
    pool = services.pagerduty
    if pool is None:
        return []
    out: list[ServiceInfo] = []
    for account in pool.accounts.ids:
        client = services.pagerduty_client(account)
        for raw in pd_services.list_services(client):
            teams = raw.get("teams") or []
            team = teams[0].get("summary") if teams and isinstance(teams[0], dict) else None
            out.append(
                ServiceInfo(
                    id=str(raw["id"]),
                    name=str(raw.get("name") or raw["id"]),
                    account=account,
                    team=team if isinstance(team, str) else None,
                    url=raw.get("html_url") if isinstance(raw.get("html_url"), str) else None,
                )
            )
    return out


class SnapshotCache:
    """One snapshot shared by the pages' requests, read again when older than ``max_age`` or
    when dropped; concurrent readers of a stale snapshot wait for one read, not one each."""

    def __init__(
        self,
        read: Callable[[], Snapshot],
        max_age: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self.max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._value: tuple[float, Snapshot] | None = None

    def get(self, *, fresh: bool = False) -> Snapshot:
        with self._lock:
            now = self._clock()
            if fresh or self._value is None or now - self._value[0] > self.max_age:
                self._value = (now, self._read())
            return self._value[1]

    def drop(self) -> None:
        with self._lock:
            self._value = None
