"""Real git for the scm tests: bare repositories on disk play the remote.

``make_remote`` builds a bare repository seeded with files; ``Remote`` reads it back (files on a
branch, commit count, tips) and lets a test play "another writer" that pushes in between.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

FAKE_TOKEN = "ghp_FAKEt0kenDoNotLeak0123456789abcdefXYZ"

_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Seed",
    "GIT_AUTHOR_EMAIL": "seed@example.invalid",
    "GIT_COMMITTER_NAME": "Seed",
    "GIT_COMMITTER_EMAIL": "seed@example.invalid",
    "GIT_TERMINAL_PROMPT": "0",
}


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        ["git", "-c", "core.autocrlf=false", *args],
        cwd=cwd,
        env=_ENV,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode().strip()


class Remote:
    """A bare repository used as a remote, plus helpers to inspect and move it."""

    def __init__(self, path: Path, scratch: Path, default_branch: str) -> None:
        self.path = path
        self.scratch = scratch
        self.default_branch = default_branch
        self._writers = 0

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def tip(self, branch: str | None = None) -> str | None:
        ref = f"refs/heads/{branch or self.default_branch}"
        try:
            return git("rev-parse", "--verify", "--quiet", ref, cwd=self.path)
        except subprocess.CalledProcessError:
            return None

    def read(self, relative: str, branch: str | None = None) -> bytes:
        rev = f"{branch or self.default_branch}:{relative}"
        return subprocess.run(
            ["git", "cat-file", "blob", rev], cwd=self.path, capture_output=True, check=True
        ).stdout

    def count(self, branch: str | None = None) -> int:
        return int(git("rev-list", "--count", branch or self.default_branch, cwd=self.path))

    def branches(self) -> list[str]:
        out = git("for-each-ref", "--format=%(refname:short)", "refs/heads", cwd=self.path)
        return sorted(out.split())

    def log(self, branch: str | None = None, fmt: str = "%an <%ae>|%s") -> list[str]:
        return git("log", f"--format={fmt}", branch or self.default_branch, cwd=self.path).split(
            "\n"
        )

    def changed_files(self, rev: str) -> list[str]:
        return git("diff-tree", "--no-commit-id", "--name-only", "-r", rev, cwd=self.path).split()

    def push_commit(
        self, files: Mapping[str, bytes], branch: str | None = None, message: str = "other"
    ) -> str:
        """Play another writer: commit ``files`` on ``branch`` and push it."""
        self._writers += 1
        work = self.scratch / f"writer-{self._writers}"
        branch = branch or self.default_branch
        git("clone", "-q", self.url, str(work), cwd=self.scratch)
        if self.tip(branch) is not None:
            git("checkout", "-q", branch, cwd=work)
        else:
            git("checkout", "-q", "-b", branch, cwd=work)
        for name, data in files.items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_bytes(data)
        git("add", "-A", cwd=work)
        git("commit", "-q", "-m", message, cwd=work)
        git("push", "-q", "origin", f"HEAD:refs/heads/{branch}", cwd=work)
        return git("rev-parse", "HEAD", cwd=work)


def make_remote(
    base: Path,
    files: Mapping[str, bytes],
    *,
    name: str = "repo",
    default_branch: str = "main",
    symlinks: Mapping[str, Path] | None = None,
) -> Remote:
    bare = base / f"{name}.git"
    scratch = base / f"{name}-scratch"
    scratch.mkdir(parents=True)
    git("init", "-q", "--bare", f"--initial-branch={default_branch}", str(bare), cwd=base)
    remote = Remote(bare, scratch, default_branch)
    if files or symlinks:
        seed = scratch / "seed"
        git("init", "-q", f"--initial-branch={default_branch}", str(seed), cwd=scratch)
        for rel, data in files.items():
            (seed / rel).parent.mkdir(parents=True, exist_ok=True)
            (seed / rel).write_bytes(data)
        for rel, target in (symlinks or {}).items():
            os.symlink(target, seed / rel)
        git("add", "-A", cwd=seed)
        git("commit", "-q", "-m", "seed", cwd=seed)
        git("push", "-q", bare.as_uri(), f"HEAD:refs/heads/{default_branch}", cwd=seed)
    return remote


CATALOG = (
    b"# the payments component\r\n"
    b"apiVersion: backstage.io/v1alpha1\r\n"
    b"kind: Component\r\n"
    b"metadata:\r\n"
    b"  name: payments\r\n"
    b"spec:\r\n"
    b"  type: service\r\n"
)
