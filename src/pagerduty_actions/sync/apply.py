"""Write a plan: PagerDuty in batched associate/disassociate calls; Backstage by editing the
catalog files (in place here, as one commit / pull request per repository in ``deliver``).

Every change's state goes through the run's :class:`Ledger` as it is written, so whatever
stops the run (a PagerDuty outage, a file that cannot be edited, a lost lease, a signal, a
crash) the record says precisely what is done, and a re-run completes the rest (the plan is
recomputed from both sides, so it converges). Before each write (a batch, a file, a
repository) ``guard`` is asked whether the run may still write: it answers why not when the
run lost its lease or was told to stop, and then nothing more is sent.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from ..catalog import CatalogError, change_depends_on
from ..pagerduty import PagerDutyClient, PagerDutyError
from ..pagerduty.resources import dependencies
from .errors import describe
from .ledger import Ledger
from .model import BackstageChange, ChangeKind, PagerDutyChange

_LOG = logging.getLogger("pagerduty_actions.sync")
Progress = Callable[[int], None]
Guard = Callable[[], str | None]  # why the run must not write now, or None


def never_stop() -> str | None:
    return None


def apply_pagerduty(
    client: PagerDutyClient,
    changes: Sequence[PagerDutyChange],
    ledger: Ledger,
    *,
    batch_size: int = 100,
    on_batch: Progress | None = None,
    guard: Guard = never_stop,
) -> None:
    """Removals first (they free room under the 2,000 limit), then additions, in batches.

    Each batch holds one kind only, so each batch is exactly one call: the removals cost
    ``ceil(R / batch_size)`` calls and the additions ``ceil(A / batch_size)``. A batch
    PagerDuty still refuses after the client's retries fails with PagerDuty's words and the
    later batches are not sent (they stay ``not attempted``); the catalog side still runs.
    """
    batches: list[list[PagerDutyChange]] = []
    for kind in (ChangeKind.REMOVE, ChangeKind.ADD):
        part = [c for c in changes if c.kind is kind]
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    for batch in batches:
        stop = guard()
        if stop is not None:
            ledger.stop(stop)
            return
        kind = batch[0].kind
        relationships = [dependencies.relationship(c.supporting, c.dependent) for c in batch]
        write = dependencies.disassociate if kind is ChangeKind.REMOVE else dependencies.associate
        ledger.begin(batch)
        try:
            write(client, relationships, batch_size=len(relationships))
        except PagerDutyError as exc:
            ledger.failed(batch, str(exc))
            _LOG.warning("dependency write failed, stopping: %s (%s)", exc, kind.value)
            return
        ledger.applied(batch)
        if on_batch is not None:
            on_batch(len(batch))


def apply_files_in_place(
    changes: Sequence[BackstageChange],
    ledger: Ledger,
    *,
    guard: Guard = never_stop,
    on_file: Progress | None = None,
) -> None:
    """Catalog files that are not in a git repository with a remote: edit them where they are.

    Each entity's edit stands alone: one that cannot be made (its block is shaped so that a
    safe edit is impossible) fails with the reason and the file's other entities are still
    written. A file is replaced in one step (a new file renamed over it), so a crash never
    leaves it half written.
    """
    by_file: dict[str, list[BackstageChange]] = defaultdict(list)
    for change in changes:
        assert change.location is not None
        by_file[change.location.target].append(change)
    for done, (path, file_changes) in enumerate(sorted(by_file.items()), start=1):
        stop = guard()
        if stop is not None:
            ledger.stop(stop)
            return
        ledger.begin(file_changes)
        try:
            _edit_file(Path(path), file_changes, ledger)
        except Exception as exc:  # this file only: the others are still written
            ledger.failed(ledger.unfinished(file_changes), f"{path}: {describe(exc)}")
        if on_file is not None:
            on_file(done)


def _edit_file(path: Path, changes: Sequence[BackstageChange], ledger: Ledger) -> None:
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        ledger.failed(changes, f"{path}: cannot be read ({type(exc).__name__}: {exc})")
        return
    edited: list[BackstageChange] = []
    for change in changes:
        try:
            text = change_depends_on(
                text, change.entity_ref, add=change.added, remove=change.removed, path=str(path)
            ).text
        except CatalogError as exc:
            ledger.failed([change], f"{path}: {exc.message}")
            continue
        edited.append(change)
    if not edited:
        return
    _replace(path, text.encode("utf-8"))
    ledger.delivered(
        {
            "target": str(path),
            "mode": "in-place",
            "changed": True,
            "entities": [c.entity_ref for c in edited],
        }
    )
    ledger.applied(edited)


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file beside ``path`` and rename it over ``path`` (atomic on
    POSIX), keeping the file's permissions."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
