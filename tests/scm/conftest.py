"""Fixtures of the scm tests: a seeded bare repository as the remote, and a temp root.

Helpers live in ``scm_git_helpers`` (importable from the tests: this folder is put on
``sys.path`` because pytest runs with ``--import-mode=importlib``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from scm_git_helpers import CATALOG, Remote, make_remote


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    """A bare repo (default branch ``main``) with a CRLF catalog-info.yaml and a README."""
    return make_remote(
        tmp_path / "remotes",
        {"catalog-info.yaml": CATALOG, "README.md": b"# payments\n", "docs/x.txt": b"x\n"},
    )


@pytest.fixture
def scm_tmp(tmp_path: Path) -> Path:
    """Where workspaces create their temporary clones, so tests can check they are gone."""
    path = tmp_path / "work"
    path.mkdir()
    return path
