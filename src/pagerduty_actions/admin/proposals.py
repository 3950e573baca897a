"""Accepting auto-match suggestions: the annotate pull requests, one per repository.

The only way a mapping is written is the ``pagerduty.com/service-id`` annotation in the
component's own catalog file, by pull request (as ``pagerduty:entity:annotate`` does). Every
accepted suggestion whose catalog file lives in one repository goes into one commit on one
branch (``pagerduty/map-services``) and one pull request; accepting more later adds commits to
the same open request (``branch_update="stack"``), so a repository never gets a pile of them.

What was proposed is kept (the settings table, under ``ui.annotate-proposals``) so the page
can show "pull request open" with its link; an entry is dropped once the catalog maps the
component (the request was merged and the catalog read it), or to the same service by any
other way.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML

from ..catalog import CatalogError, annotation_keys, select_entity, set_annotations
from ..catalog.component import CatalogEntity
from ..scm import DeliveryRequest, Edit, EditOutcome, deliver, parse_repo_url
from ..services import Services
from ..store.database import Database
from ..store.settings import SettingsStore
from ..sync.errors import describe
from ..sync.model import Mapping, MappingStatus
from .rows import Pending

SETTING = "ui.annotate-proposals"
Refused = list[tuple[str, str]]  # (entity ref, why) the edit of a file could not make
BRANCH_NAME = "map-services"
MAX_ACCEPT = 500  # pairs in one form post: bounded work per request


@dataclass(frozen=True)
class Accepted:
    """One pair to write: the component, the service and its account."""

    entity_ref: str
    service_id: str
    account: str | None  # None: the default account (no account annotation written)


@dataclass(frozen=True)
class RepositoryOutcome:
    repository: str
    entities: tuple[str, ...]
    branch: str | None = None
    pull_request_url: str | None = None
    error: str | None = None
    refused: tuple[tuple[str, str], ...] = ()  # (entity, why) the edit could not make


class ProposalStore:
    def __init__(self, db: Database) -> None:
        self.settings = SettingsStore(db)

    def all(self) -> dict[str, dict[str, Any]]:
        value = self.settings.get(SETTING)
        return value if isinstance(value, dict) else {}

    def add(self, entries: MappingABC[str, dict[str, Any]], by: str | None) -> None:
        current = self.all()
        current.update(entries)
        self.settings.put(SETTING, current, by=by)

    def pending(self, mapping: Mapping) -> dict[str, Pending]:
        """The proposals whose component the catalog does not map yet; the others (merged,
        or mapped some other way) are forgotten."""
        stored = self.all()
        mapped = {
            e.entity_ref
            for e in mapping.entries
            if e.status is not MappingStatus.UNMAPPED or e.source == "override"
        }
        keep = {ref: v for ref, v in stored.items() if ref not in mapped}
        if len(keep) != len(stored):
            self.settings.put(SETTING, keep, by="ui")
        return {
            ref: Pending(
                service_id=str(v.get("serviceId")),
                repository=str(v.get("repository")),
                branch=v.get("branch"),
                url=v.get("pullRequestUrl"),
            )
            for ref, v in keep.items()
        }


def accept(
    services: Services,
    entities: MappingABC[str, CatalogEntity],
    pairs: Sequence[Accepted],
    *,
    by: str | None,
) -> list[RepositoryOutcome]:
    """Open (or add to) one annotate pull request per repository holding the pairs'
    components. A component without a known catalog file is refused with the reason; a
    repository the host refuses fails its own pairs only."""
    groups: dict[str, list[tuple[Accepted, CatalogEntity]]] = defaultdict(list)
    outcomes: list[RepositoryOutcome] = []
    for pair in pairs[:MAX_ACCEPT]:
        entity = entities.get(pair.entity_ref)
        location = entity.location if entity else None
        if entity is None or location is None or not (location.repo_url or location.path):
            outcomes.append(
                RepositoryOutcome(
                    "-",
                    (pair.entity_ref,),
                    error=f"{pair.entity_ref}: no catalog file in a repository is known for it "
                    "(no managed-by-location annotation, or a file outside any git checkout); "
                    "annotate it by hand",
                )
            )
            continue
        groups[location.group_key].append((pair, entity))
    store = ProposalStore(services.db) if services.db else None
    for repository, members in sorted(groups.items()):
        outcome = _deliver(services, repository, members)
        outcomes.append(outcome)
        refused = {ref for ref, _ in outcome.refused}
        if store is not None and outcome.error is None:
            store.add(
                {
                    pair.entity_ref: {
                        "serviceId": pair.service_id,
                        "repository": repository,
                        "branch": outcome.branch,
                        "pullRequestUrl": outcome.pull_request_url,
                        "at": int(time.time()),
                    }
                    for pair, _ in members
                    if pair.entity_ref not in refused
                },
                by=by,
            )
    return outcomes


def _deliver(
    services: Services, repository: str, members: list[tuple[Accepted, CatalogEntity]]
) -> RepositoryOutcome:
    integrations = services.config.section("integrations")
    by_path: dict[str, list[tuple[Accepted, CatalogEntity]]] = defaultdict(list)
    for pair, entity in members:
        assert entity.location is not None
        by_path[entity.location.path or "catalog-info.yaml"].append((pair, entity))
    first = members[0][1].location
    refs = tuple(pair.entity_ref for pair, _ in members)
    names = ", ".join(ref.rpartition("/")[2] for ref in refs)
    title = (
        f"Connect {names} to PagerDuty"
        if len(refs) <= 3
        else (f"Connect {len(refs)} components to PagerDuty")
    )
    try:
        delivered = deliver(
            DeliveryRequest(
                parse_repo_url(repository, integrations),
                {path: _edit(group) for path, group in by_path.items()},
                integrations,
                commit_message=title,
                mode="pull-request",
                branch=first.branch if first else None,
                branch_name=BRANCH_NAME,
                branch_update="stack",
                title=title,
                body=_body(members),
                work_dir=services.work_dir(),
            )
        )
    except Exception as exc:  # this repository only: the others are still delivered
        return RepositoryOutcome(repository, refs, error=describe(exc))
    refused: list[tuple[str, str]] = []
    for report in delivered.reports.values():
        refused += list(report or [])
    return RepositoryOutcome(
        repository,
        refs,
        branch=delivered.branch,
        pull_request_url=delivered.pull_request_url,
        refused=tuple(refused),
    )


def _edit(group: list[tuple[Accepted, CatalogEntity]]) -> Edit[Refused]:
    """The edit of one file: each pair's annotations set on the text the repository holds
    now. A component whose file already names another service is left alone and reported
    (a suggestion never re-points a mapping someone wrote)."""

    def edit(text: str) -> EditOutcome[Refused]:
        original, diffs = text, []
        refused: Refused = []
        for pair, _ in group:
            to_set = {annotation_keys.SERVICE_ID: pair.service_id}
            if pair.account:
                to_set[annotation_keys.ACCOUNT] = pair.account
            try:
                written = _service_id_in(text, pair.entity_ref)
                if written not in (None, pair.service_id):
                    refused.append(
                        (
                            pair.entity_ref,
                            f"its catalog file already names service {written}; not replaced",
                        )
                    )
                    continue
                result = set_annotations(text, pair.entity_ref, to_set)
            except CatalogError as exc:
                refused.append((pair.entity_ref, exc.message))
                continue
            text, diff = result.text, result.diff
            if result.changed:
                diffs.append(diff)
        return EditOutcome(text, text != original, "\n".join(diffs), refused)

    return edit


def _service_id_in(text: str, entity_ref: str) -> str | None:
    """The service id the entity's document in ``text`` names now, if any."""
    info = select_entity(text, entity_ref)
    documents = list(YAML(typ="safe", pure=True).load_all(text))
    document = documents[info.document_index] or {}
    annotations = (document.get("metadata") or {}).get("annotations") or {}
    if not isinstance(annotations, dict):
        return None
    return annotation_keys.value_of(annotations.get(annotation_keys.SERVICE_ID))


def _body(members: list[tuple[Accepted, CatalogEntity]]) -> str:
    lines = [
        "pagerduty-actions connects these components to their PagerDuty services, as "
        "accepted on its mappings page (auto-match suggestions):",
        "",
    ]
    for pair, entity in members:
        where = entity.location.path if entity.location else "?"
        lines.append(
            f"- **{pair.entity_ref}** (`{where}`): `{annotation_keys.SERVICE_ID}: "
            f"{pair.service_id}`"
        )
    lines += ["", "Merge to make the mapping the catalog's; the sync reads it from the file."]
    return "\n".join(lines)
