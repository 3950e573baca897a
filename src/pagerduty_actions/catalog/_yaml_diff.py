"""The unified diff of an edit, in ``git``'s format, for commit messages and pull requests."""

from __future__ import annotations

import difflib


def unified_diff(old: str, new: str, path: str = "catalog-info.yaml") -> str:
    """A ``git``-style unified diff of two versions of a file, with a no-final-newline marker."""
    lines = difflib.unified_diff(_lines(old), _lines(new), fromfile=f"a/{path}", tofile=f"b/{path}")
    out = []
    for line in lines:
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines
