"""The ``pagerduty`` strategy's Backstage side: one pull request (or commit) per repository.

Entity changes are grouped by repository; each group becomes one commit on our
``pagerduty/sync-dependencies`` branch and one pull request (updated, never duplicated, on the
next run) — or, with ``sync.delivery: commit``, one commit pushed straight to the catalog
file's branch, for teams whose catalog repositories take bot commits. A host failing for one
repository is recorded and the others still proceed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ..catalog import set_depends_on
from ..scm import ScmError, deliver_changes, parse_repo_url
from ..scm.delivery import DeliveryMode, EditOutcome
from ..services import Services
from .apply import ApplyResult
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


def _edit_for(changes: Sequence[BackstageChange]) -> Any:
    def edit(text: str) -> EditOutcome:
        original = text
        diffs = []
        for change in changes:
            result = set_depends_on(text, change.entity_ref, list(change.depends_on))
            text = result.text
            if result.changed:
                diffs.append(result.diff)
        return EditOutcome(text, text != original, "\n".join(diffs))

    return edit


def apply_repositories(services: Services, changes: Sequence[BackstageChange]) -> ApplyResult:
    result = ApplyResult()
    integrations = services.config.section("integrations")
    # The config schema allows only the two modes.
    mode: DeliveryMode = (
        "commit" if services.config.section("sync").get("delivery") == "commit" else "pull-request"
    )
    groups: dict[str, list[BackstageChange]] = defaultdict(list)
    for change in changes:
        assert change.location is not None
        groups[change.location.group_key].append(change)
    for repo, repo_changes in sorted(groups.items()):
        by_path: dict[str, list[BackstageChange]] = defaultdict(list)
        for change in repo_changes:
            assert change.location is not None
            by_path[change.location.path or "catalog-info.yaml"].append(change)
        branch = repo_changes[0].location.branch if repo_changes[0].location else None
        try:
            location = parse_repo_url(repo, integrations)
            delivered = deliver_changes(
                location,
                {path: _edit_for(group) for path, group in by_path.items()},
                integrations=integrations,
                commit_message=(
                    f"Sync spec.dependsOn of {len(repo_changes)} component(s) with PagerDuty"
                ),
                mode=mode,
                branch=branch,
                branch_name=BRANCH_NAME,
                title=TITLE,
                body=_body(repo_changes),
            )
        except ScmError as exc:
            result.failed += [{**c.as_dict(), "error": f"{repo}: {exc}"} for c in repo_changes]
            result.deliveries.append({"repository": repo, "error": str(exc)})
            continue
        result.applied += [c.as_dict() for c in repo_changes]
        result.deliveries.append(
            {
                "repository": repo,
                "mode": mode,
                "changed": delivered.changed,
                "branch": delivered.branch,
                "pullRequestUrl": delivered.pull_request_url,
                "pullRequestNumber": delivered.pull_request_number,
                "commitSha": delivered.commit_sha,
            }
        )
    return result
