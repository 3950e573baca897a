"""The README's template loop works as written, for a new user in a fresh clone.

The commands are read from the README itself (the first ``sh`` block under "Writing and
testing templates") and run by bash, verbatim, in a copy of the checkout whose ``.venv`` is
this test run's environment (so ``make venv`` has nothing to do). ``pagerduty-actions`` is not
on the PATH until the block's own set-up line puts it there, as in a fresh clone. The block
runs twice: a user trying it again must not be told that an output folder "is not empty".
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
HEADING = "## Writing and testing templates"
REMOTE = Path(".data/example-remotes/pagerduty-onboard.git")
BRANCH = "pagerduty/annotate-checkout-api"


def readme_loop(readme: str) -> str:
    """The first fenced ``sh`` block after the heading, as written."""
    section = readme.split(HEADING, 1)[1]
    match = re.search(r"^```sh\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    assert match, f"no ```sh block under {HEADING!r} in README.md"
    return match.group(1)


def fresh_clone(root: Path) -> Path:
    """The files a clone has that the loop reads, and a ``.venv`` that is this environment."""
    clone = root / "clone"
    clone.mkdir()
    for name in ("README.md", "Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy2(CHECKOUT / name, clone / name)  # mtimes kept: older than the stamp below
    shutil.copytree(CHECKOUT / "templates", clone / "templates")
    venv = clone / ".venv"
    venv.mkdir()
    (venv / "bin").symlink_to(Path(sys.executable).parent, target_is_directory=True)
    (venv / ".installed-stamp").touch()
    return clone


def user_environment(home: Path) -> dict[str, str]:
    """The test's environment without this virtualenv on the PATH (nor any config)."""
    venv_bin = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PAGERDUTY_ACTIONS_CONFIG") and not k.startswith("GIT_")
    }
    return {**env, "PATH": os.pathsep.join(path), "HOME": str(home)}


def test_the_readme_template_loop_runs_as_written_twice(tmp_path: Path) -> None:
    block = readme_loop((CHECKOUT / "README.md").read_text(encoding="utf-8"))
    # What the loop must show a new user: lint, a dry run, then a run (this is no hard-coded
    # result: the commands below are whatever the README says).
    assert "template lint" in block and "--dry-run" in block
    assert sum(line.startswith("pagerduty-actions template run") for line in block.splitlines())
    clone = fresh_clone(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    env = user_environment(home)
    assert shutil.which("pagerduty-actions", path=env["PATH"]) is None

    for attempt in (1, 2):
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"attempt {attempt}:\n{done.stdout}\n{done.stderr}"
        assert "pagerduty-onboard: dry run completed" in done.stdout
        assert "pagerduty-onboard: run completed" in done.stdout
        # The run says what was real: a commit in the example repository, and the service
        # only in the sandbox.
        assert "nothing real was created" not in done.stdout
        assert re.search(rf"real +commit [0-9a-f]{{40}} on {BRANCH} in \S+", done.stdout)
        assert re.search(r"sandbox +PagerDuty service", done.stdout)

    catalog = subprocess.run(
        ["git", "-C", str(clone / REMOTE), "show", f"{BRANCH}:catalog-info.yaml"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "pagerduty.com/service-id: P" in catalog
    assert (clone / "out" / "dry-run").is_dir() and (clone / "out" / "run").is_dir()
