"""The ``pagerduty`` strategy's Backstage side: one pull request (or commit) per repository.

Entity changes are grouped by repository; each group becomes one commit on our
``pagerduty/sync-dependencies`` branch and one pull request (updated, never duplicated, on the
next run) — or, with ``sync.delivery: commit``, one commit pushed straight to the catalog
file's branch, for teams whose catalog repositories take bot commits. A host failing for one
repository is recorded and the others still proceed; so is an entity whose edit cannot be made
(its repository's other entities are still changed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from ..catalog import CatalogError, change_depends_on
from ..scm import DeliveryMode, DeliveryRequest, Edit, EditOutcome, deliver, parse_repo_url
from ..services import Services
from .apply import Guard, Progress, never_stop
from .errors import describe
from .ledger import Ledger
from .model import BackstageChange

BRANCH_NAME = "sync-dependencies"
TITLE = "Sync spec.dependsOn with PagerDuty service dependencies"


def _body(changes: Sequence[BackstageChange]) -> str:
    lines = [
        "pagerduty-actions proposes these `spec.dependsOn` changes so that Backstage matches "
        "the service dependencies recorded in PagerDuty (strategy `pagerduty`):",
        "",
    ]
    for change in changes:
        added = ", ".join(f"`{a}`" for a in change.added) or "none"
        removed = ", ".join(f"`{r}`" for r in change.removed) or "none"
        lines.append(f"- **{change.entity_ref}**: add {added}; remove {removed}. {change.reason}")
    lines += [
        "",
        "Entries that are not mapped components (resources, APIs, ...) are kept as written.",
    ]
    return "\n".join(lines)


Refusals = dict[BackstageChange, str]
"""The changes of one file whose edit could not be made, with the reason."""


def _edit_for(changes: Sequence[BackstageChange]) -> Edit[Refusals]:
    """The edit of one file: each entity's planned ``dependsOn`` change applied to the text
    the repository holds now. An entity whose edit cannot be made is reported back with the
    reason and the file's other entities are still changed. (The edit may run again on a
    fresh copy after a lost push race, so it starts from scratch each time.)"""

    def edit(text: str) -> EditOutcome[Refusals]:
        original = text
        diffs = []
        refused: Refusals = {}
        for change in changes:
            try:
                result = change_depends_on(
                    text, change.entity_ref, add=change.added, remove=change.removed
                )
            except CatalogError as exc:
                refused[change] = exc.message
                continue
            text = result.text
            if result.changed:
                diffs.append(result.diff)
        return EditOutcome(text, text != original, "\n".join(diffs), refused)

    return edit


def apply_repositories(
    services: Services,
    changes: Sequence[BackstageChange],
    ledger: Ledger,
    *,
    guard: Guard = never_stop,
    on_repository: Progress | None = None,
) -> None:
    """One commit (and pull request) per repository; a repository the host refuses fails
    its own changes only, and ``guard`` is asked before each repository is written."""
    integrations = services.config.section("integrations")
    # The config schema allows only the two modes.
    mode: DeliveryMode = (
        "commit" if services.config.section("sync").get("delivery") == "commit" else "pull-request"
    )
    groups: dict[str, list[BackstageChange]] = defaultdict(list)
    for change in changes:
        assert change.location is not None
        groups[change.location.group_key].append(change)
    for done, (repo, repo_changes) in enumerate(sorted(groups.items()), start=1):
        stop = guard()
        if stop is not None:
            ledger.stop(stop)
            return
        ledger.begin(repo_changes)
        _deliver_repository(services, repo, repo_changes, ledger, integrations, mode)
        if on_repository is not None:
            on_repository(done)


def _deliver_repository(
    services: Services,
    repo: str,
    changes: list[BackstageChange],
    ledger: Ledger,
    integrations: dict[str, Any],
    mode: DeliveryMode,
) -> None:
    by_path: dict[str, list[BackstageChange]] = defaultdict(list)
    for change in changes:
        assert change.location is not None
        by_path[change.location.path or "catalog-info.yaml"].append(change)
    branch = changes[0].location.branch if changes[0].location else None
    try:
        location = parse_repo_url(repo, integrations)
        delivered = deliver(
            DeliveryRequest(
                location,
                {path: _edit_for(group) for path, group in by_path.items()},
                integrations,
                commit_message=f"Sync spec.dependsOn of {len(changes)} component(s) with PagerDuty",
                mode=mode,
                branch=branch,
                branch_name=BRANCH_NAME,
                title=TITLE,
                body=_body(changes),
            )
        )
    except Exception as exc:  # this repository only: the others are still delivered
        error = describe(exc)
        ledger.failed(changes, f"{repo}: {error}")
        ledger.delivered({"repository": repo, "error": error, "entities": _refs(changes)})
        return
    refused: Refusals = {}
    for report in delivered.reports.values():
        refused.update(report or {})
    for change, why in refused.items():
        assert change.location is not None
        ledger.failed([change], f"{repo} ({change.location.path}): {why}")
    ledger.delivered(
        {
            "repository": repo,
            "mode": mode,
            "changed": delivered.changed,
            "branch": delivered.branch,
            "pullRequestUrl": delivered.pull_request_url,
            "pullRequestNumber": delivered.pull_request_number,
            "commitSha": delivered.commit_sha,
            "entities": _refs(c for c in changes if c not in refused),
        }
    )
    ledger.applied([c for c in changes if c not in refused])


def _refs(changes: Iterable[BackstageChange]) -> list[str]:
    """The entities a delivery carries, so a report can say where each change went."""
    return [c.entity_ref for c in changes]
