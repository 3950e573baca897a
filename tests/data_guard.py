"""The suite never writes into the checkout's ``.data/``: that folder is a developer's own
(``make serve`` keeps its database, token and sandbox state there), and a test writing into it
would both depend on and damage it. tests/conftest.py compares a snapshot taken before the
first test with one taken after the last, and fails the run when they differ."""

from __future__ import annotations

from pathlib import Path

Snapshot = dict[str, tuple[int, int]] | None


def snapshot(root: Path) -> Snapshot:
    """Every entry under ``root`` with its size and modification time (None: no folder)."""
    if not root.is_dir():
        return None
    entries: dict[str, tuple[int, int]] = {}
    for path in root.rglob("*"):
        try:
            stat = path.lstat()
        except FileNotFoundError:  # removed while we looked
            continue
        size = stat.st_size if path.is_file() else -1
        entries[path.relative_to(root).as_posix()] = (size, stat.st_mtime_ns if size >= 0 else 0)
    return entries


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """What differs, in words: the folder created or removed, files added, changed, removed."""
    if before == after:
        return []
    if before is None:
        return ["the folder was created", *(f"added {p}" for p in sorted(after or {}))]
    if after is None:
        return ["the folder was removed"]
    found = [f"added {p}" for p in sorted(after.keys() - before.keys())]
    found += [f"removed {p}" for p in sorted(before.keys() - after.keys())]
    found += [f"changed {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]]
    return found
