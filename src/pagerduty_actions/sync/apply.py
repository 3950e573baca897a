"""Write a plan: PagerDuty in batched associate/disassociate calls; Backstage by editing the
catalog files (in place, or as one commit / pull request per repository).

Every change ends up in exactly one of ``applied``, ``failed`` or ``not_attempted``, so a run
stopped by a PagerDuty outage reports precisely what is done, and a re-run completes the rest
(the plan is recomputed from both sides, so it converges).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalog import CatalogError, set_depends_on
from ..pagerduty import PagerDutyClient, PagerDutyError
from ..pagerduty.resources import dependencies
from .model import BackstageChange, ChangeKind, PagerDutyChange

_LOG = logging.getLogger("pagerduty_actions.sync")
Progress = Callable[[int], None]


@dataclass
class ApplyResult:
    applied: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    not_attempted: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: ApplyResult) -> None:
        self.applied += other.applied
        self.failed += other.failed
        self.not_attempted += other.not_attempted
        self.deliveries += other.deliveries


def apply_pagerduty(
    client: PagerDutyClient,
    changes: Sequence[PagerDutyChange],
    *,
    batch_size: int = 100,
    on_batch: Progress | None = None,
) -> ApplyResult:
    """Removals first (they free room under the 2,000 limit), then additions, in batches.

    Each batch holds one kind only, so each batch is exactly one call: the removals cost
    ``ceil(R / batch_size)`` calls and the additions ``ceil(A / batch_size)``, never a batch
    split in two at the boundary (which cost one extra call per run).
    """
    result = ApplyResult()
    batches: list[list[PagerDutyChange]] = []
    for kind in (ChangeKind.REMOVE, ChangeKind.ADD):
        part = [c for c in changes if c.kind is kind]
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    for index, batch in enumerate(batches):
        kind = batch[0].kind
        relationships = [dependencies.relationship(c.supporting, c.dependent) for c in batch]
        write = dependencies.disassociate if kind is ChangeKind.REMOVE else dependencies.associate
        try:
            write(client, relationships, batch_size=len(relationships))
        except PagerDutyError as exc:
            result.failed += [{**c.as_dict(), "error": str(exc)} for c in batch]
            for rest in batches[index + 1 :]:
                result.not_attempted += [c.as_dict() for c in rest]
            _LOG.warning("dependency write failed, stopping: %s (%s)", exc, kind.value)
            break
        result.applied += [c.as_dict() for c in batch]
        if on_batch is not None:
            on_batch(len(batch))
    return result


def apply_files_in_place(changes: Sequence[BackstageChange]) -> ApplyResult:
    """Catalog files that are not in a git repository with a remote: edit them where they are."""
    result = ApplyResult()
    by_file: dict[str, list[BackstageChange]] = defaultdict(list)
    for change in changes:
        assert change.location is not None
        by_file[change.location.target].append(change)
    for path, file_changes in sorted(by_file.items()):
        try:
            raw = Path(path).read_bytes()
            text = raw.decode("utf-8")
            for change in file_changes:
                text = set_depends_on(text, change.entity_ref, list(change.depends_on)).text
            Path(path).write_bytes(text.encode("utf-8"))
            result.applied += [c.as_dict() for c in file_changes]
            result.deliveries.append({"target": path, "mode": "in-place", "changed": True})
        except (OSError, UnicodeDecodeError, CatalogError) as exc:
            result.failed += [{**c.as_dict(), "error": f"{path}: {exc}"} for c in file_changes]
    return result
