"""Paths inside a checkout that come from callers (``catalogPath``) and must stay inside it.

A template author controls ``catalogPath``; without these checks it could read or overwrite
any file the service can reach (``../../etc``, an absolute path, a symlink committed to the
repository that points out of it) or plant a git hook under ``.git/``. Everything that reads
or writes a caller-named file in a checkout goes through :func:`resolve_repo_path`.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from .errors import UnsafePathError

_BACKSTAGE_YAML = re.compile(rb"^\s*apiVersion:\s*[\"']?backstage\.io/", re.MULTILINE)
_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__"})
_SNIFF_BYTES = 64 * 1024


def normalize_repo_path(relative: str, *, field: str = "catalogPath") -> str:
    """Check ``relative`` lexically and return it in normal ``a/b/c.yaml`` form.

    Refused: empty, absolute (``/x``, ``C:\\x``), backslashes, NUL, any ``..`` component and
    anything under ``.git``.
    """
    if not isinstance(relative, str) or not relative.strip():
        raise UnsafePathError(
            "must be a non-empty path relative to the repository root", field=field
        )
    if "\x00" in relative or "\\" in relative:
        raise UnsafePathError("must use forward slashes and no control characters", field=field)
    if relative.startswith("/") or re.match(r"^[A-Za-z]:", relative):
        raise UnsafePathError(
            f"{relative!r} is absolute; give a path relative to the repository root", field=field
        )
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafePathError(f"{relative!r} must not contain '..'", field=field)
    if not parts:
        raise UnsafePathError(f"{relative!r} names the repository root, not a file", field=field)
    if any(p.lower() == ".git" for p in parts):
        raise UnsafePathError(f"{relative!r} points into .git", field=field)
    return posixpath.join(*parts)


def resolve_repo_path(root: Path, relative: str, *, field: str = "catalogPath") -> Path:
    """The absolute path of ``relative`` inside the checkout ``root``, symlinks resolved.

    Raises :class:`UnsafePathError` when the path, or a symlink along it, leads outside
    ``root`` or into its ``.git`` directory, or names a directory.
    """
    normal = normalize_repo_path(relative, field=field)
    base = root.resolve()
    target = (base / normal).resolve()
    if not target.is_relative_to(base) or target == base:
        raise UnsafePathError(
            f"{relative!r} leads outside the repository (through a symlink)", field=field
        )
    if target.is_relative_to(base / ".git"):
        raise UnsafePathError(f"{relative!r} leads into .git (through a symlink)", field=field)
    if target.is_dir():
        raise UnsafePathError(f"{relative!r} is a directory, not a file", field=field)
    return target


def find_catalog_files(root: Path, *, limit: int = 100) -> list[str]:
    """Catalog-like files in the checkout, for "file not found" messages; sorted, at most
    ``limit``.

    Matches ``catalog-info.yaml``/``.yml`` anywhere, and any other ``.yaml``/``.yml`` whose text
    declares ``apiVersion: backstage.io/...``. Symlinks are not followed; ``.git`` and
    dependency folders are skipped.
    """
    found: list[str] = []
    base = root.resolve()
    for directory, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in sorted(filenames):
            if not name.lower().endswith((".yaml", ".yml")):
                continue
            path = Path(directory) / name
            if path.is_symlink():
                continue
            if _is_catalog_file(path):
                found.append(path.relative_to(base).as_posix())
    found.sort()
    return found[:limit]


def _is_catalog_file(path: Path) -> bool:
    if path.name.lower() in ("catalog-info.yaml", "catalog-info.yml"):
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False
    return bool(_BACKSTAGE_YAML.search(head))
