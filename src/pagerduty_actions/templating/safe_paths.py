"""Keep every file a template touches inside its folder: skeletons and the workspace.

A template is code from someone else. ``fetch:template`` reads a skeleton relative to the
template's folder and the file actions write relative to the workspace; a path that is
absolute, climbs out with ``..`` or leaves through a symlink is refused, as Backstage's
``resolveSafeChildPath`` does, before any byte is read or written.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath


class UnsafeTemplatePathError(ValueError):
    """A template's path that would leave the folder it must stay in (a plain ValueError its
    callers word as a lint finding or a step's error; ``scm.UnsafePathError`` is the
    caller-facing 400 about a path inside a repository checkout)."""


def safe_child(root: Path, relative: str, *, what: str = "path") -> Path:
    """``root / relative`` resolved (symlinks followed), refused unless it stays in ``root``."""
    if not isinstance(relative, str):
        raise UnsafeTemplatePathError(f"the {what} must be a string")
    if "\x00" in relative:
        raise UnsafeTemplatePathError(f"the {what} {relative!r} contains a NUL character")
    if (
        relative.startswith(("/", "\\"))
        or PurePosixPath(relative).is_absolute()
        or (len(relative) > 1 and relative[1] == ":")
    ):
        raise UnsafeTemplatePathError(f"the {what} {relative!r} is absolute; give a relative path")
    base = root.resolve()
    target = (base / relative).resolve()
    if target != base and base not in target.parents:
        raise UnsafeTemplatePathError(f"the {what} {relative!r} leads outside its folder")
    return target


def is_inside(root: Path, path: Path) -> bool:
    """True when ``path`` (symlinks resolved) is ``root`` or below it."""
    base, target = root.resolve(), path.resolve()
    return target == base or base in target.parents
