"""``${BARE_GIT_REMOTE}`` in a values file: a local git repository to try a template against.

A template that edits a repository (``pagerduty:entity:annotate``) cannot run without one, and
a new user trying it has none to offer. So an example values file may say
``repoUrl: ${BARE_GIT_REMOTE}``, and ``template run`` puts there a bare repository of its own:
``<dataDir>/example-remotes/<template name>.git``, made on first use from the template's
``test-remote/`` folder (else one README) and allowed for that run as an ``integrations.local``
root. It is kept, so a second run shows what a re-run does (the branch updated, or nothing to
commit), and ``git -C <path> log --all`` shows what a run pushed. Nothing here talks to a host.

The test suite makes its repositories with the same function, so what the README promises is
what the tests run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PLACEHOLDER = "${BARE_GIT_REMOTE}"
#: The folder under ``dataDir`` holding the repositories, one per template.
FOLDER = "example-remotes"
#: The folder beside ``template.yaml`` whose files are the repository's first commit.
SEED_FOLDER = "test-remote"
_GIT_TIMEOUT_S = 60
# Whatever the user's git config says: no hooks, no signing, a fixed author.
_GIT = (
    "git",
    "-c", "core.hooksPath=/dev/null",
    "-c", "commit.gpgsign=false",
    "-c", "user.name=pagerduty-actions",
    "-c", "user.email=pagerduty-actions@noreply.invalid",
)  # fmt: skip
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


class ExampleRemoteError(Exception):
    """The repository could not be made; the message says what git answered."""


def uses_placeholder(values: Any) -> bool:
    """True when some string of ``values`` holds ``${BARE_GIT_REMOTE}``."""
    if isinstance(values, str):
        return PLACEHOLDER in values
    if isinstance(values, Mapping):
        return any(uses_placeholder(v) for v in values.values())
    if isinstance(values, list):
        return any(uses_placeholder(v) for v in values)
    return False


def substitute(values: Any, url: str) -> Any:
    """``values`` with every ``${BARE_GIT_REMOTE}`` replaced by ``url``."""
    if isinstance(values, str):
        return values.replace(PLACEHOLDER, url)
    if isinstance(values, Mapping):
        return {key: substitute(value, url) for key, value in values.items()}
    if isinstance(values, list):
        return [substitute(value, url) for value in values]
    return values


def remote_root(data_dir: Path) -> Path:
    """Where the example repositories live (the ``integrations.local`` root a run adds)."""
    return (data_dir / FOLDER).resolve()


def ensure_remote(template_dir: Path | None, name: str, root: Path) -> Path:
    """The bare repository ``root/<name>.git``, made (seeded, one commit on ``main``) if absent.

    Made in a temporary folder and moved into place, so two runs starting at once both end
    up with one complete repository.
    """
    target = root / f"{_UNSAFE_NAME.sub('-', name) or 'template'}.git"
    if (target / "HEAD").is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".making-", dir=root))
    try:
        bare, work = scratch / "remote.git", scratch / "work"
        seed = template_dir / SEED_FOLDER if template_dir is not None else None
        if seed is not None and seed.is_dir():
            shutil.copytree(seed, work, symlinks=True)
        else:
            work.mkdir()
            (work / "README.md").write_text(f"# {name}\n", encoding="utf-8")
        _git("init", "-q", "--bare", "-b", "main", str(bare))
        _git("init", "-q", "-b", "main", str(work))
        _git("-C", str(work), "add", "-A")
        _git("-C", str(work), "commit", "-q", "-m", f"Example repository for {name}")
        _git("-C", str(work), "push", "-q", str(bare), "main")
        try:
            os.rename(bare, target)
        except OSError:
            if not (target / "HEAD").is_file():  # not a run that got there first
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _git(*args: str) -> None:
    command = args[2] if args[0] == "-C" else args[0]
    try:
        subprocess.run(
            [*_GIT, *args], check=True, capture_output=True, text=True, timeout=_GIT_TIMEOUT_S
        )
    except FileNotFoundError:
        raise ExampleRemoteError(
            "git is not installed; it is needed for the example remote"
        ) from None
    except subprocess.CalledProcessError as exc:
        tail = " ".join((exc.stderr or "").strip().splitlines()[-2:])
        raise ExampleRemoteError(f"git {command} failed: {tail or exc.returncode}") from None
    except subprocess.TimeoutExpired:
        raise ExampleRemoteError(f"git {command} took over {_GIT_TIMEOUT_S}s") from None
