"""What ``GET /v2/mappings`` shows: every component, its service and its status, from the
catalog as it is now plus the stored overrides — the claims a sync run starts from.

PagerDuty is read only to resolve integration keys (one listing, when needed). Whether a
claimed service still exists is not checked: that is one read per mapped service, which a run
makes anyway and a listing page should not. So ``missing-service`` never appears here; a run's
report (a dry run will do) shows it. docs/sync.md says so.
"""

from __future__ import annotations

from typing import Any

from ..services import Services
from ..store.settings import MappingStore
from .engine import key_index, load_catalog
from .mapping import build_mapping


def current_mappings(services: Services, account: str | None = None) -> list[dict[str, Any]]:
    graph = load_catalog(services)  # claims only: dependsOn entries are not resolved
    keys = key_index(services.pagerduty_client(account), graph)
    overrides = MappingStore(services.db).overrides()
    mapping = build_mapping(graph, overrides=overrides, key_to_service=keys)
    return [
        {
            "entityRef": e.entity_ref,
            "serviceId": e.service_id,
            "status": e.status.value,
            "source": e.source,
            "detail": e.detail,
        }
        for e in mapping.entries
    ]
