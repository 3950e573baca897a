"""The import contracts of pyproject.toml (#20.7): the layers of docs/architecture.md, no cycle
inside any package, a sandbox apart from the product. ``make lint`` runs them; here they run on
the tree as it is, and on copies of it with one forbidden import added, to show that each
contract sees what it forbids (a contract that cannot fail proves nothing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the project's contracts over the package under ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "300", "NO_COLOR": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# (module, line appended to it, what the broken contract says)
FORBIDDEN = {
    # the two imports #14 removed: sync and the adapters must not reach up
    "sync-imports-handlers": (
        "sync/runs.py",
        "from ..handlers.errors import ERROR_MAPPERS",
        "pagerduty_actions.sync is not allowed to import pagerduty_actions.handlers",
    ),
    "catalog-imports-sync": (
        "catalog/files.py",
        "from ..sync.model import Location",
        "pagerduty_actions.catalog is not allowed to import pagerduty_actions.sync",
    ),
    "store-imports-server": (
        "store/audit.py",
        "from ..server import create_app",
        "pagerduty_actions.store is not allowed to import pagerduty_actions.server",
    ),
    "store-imports-services": (
        "store/retention.py",
        "from ..services import Services",
        "pagerduty_actions.store is not allowed to import pagerduty_actions.services",
    ),
    "handlers-import-templating": (
        "handlers/entity_annotate.py",
        "from ..templating.runner import TemplateRunner",
        "pagerduty_actions.handlers is not allowed to import pagerduty_actions.templating",
    ),
    "templating-imports-server": (
        "templating/runner.py",
        "from pagerduty_actions.server import create_app",
        "pagerduty_actions.templating is not allowed to import pagerduty_actions.server",
    ),
    "adapter-imports-adapter": (
        "scm/git_ops.py",
        "from ..pagerduty import PagerDutyClient",
        "pagerduty_actions.scm is not allowed to import pagerduty_actions.pagerduty",
    ),
    "foundation-imports-adapter": (
        "config.py",
        "from .store import Database",
        "pagerduty_actions.config is not allowed to import pagerduty_actions.store",
    ),
    "seed-state-cycle": (
        "sandbox/seed.py",
        "from pagerduty_actions.sandbox.state import SandboxState",
        "No cycles are allowed in pagerduty_actions.sandbox.",
    ),
    "foundation-cycle": (
        "redaction.py",
        "from .config import Config",
        "No cycles are allowed in pagerduty_actions.",
    ),
    "sandbox-imports-the-product": (
        "sandbox/ids.py",
        "from pagerduty_actions.redaction import clip",
        "pagerduty_actions.sandbox is not allowed to import pagerduty_actions.redaction",
    ),
    "sandbox-imported-by-a-handler": (
        "handlers/lookups.py",
        "from ..sandbox import SandboxServer",
        "Illegal imports of protected package pagerduty_actions.sandbox",
    ),
}


@pytest.mark.parametrize("case", sorted(FORBIDDEN))
def test_each_contract_sees_the_import_it_forbids(case: str, tmp_path: Path) -> None:
    module, line, message = FORBIDDEN[case]
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "pagerduty_actions", src / "pagerduty_actions")
    target = src / "pagerduty_actions" / module
    assert target.is_file(), f"{module} moved: point this case at a module of the same layer"
    with target.open("a", encoding="utf-8") as file:
        file.write(f"\n{line}  # noqa\n")
    result = lint_imports(src)
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stdout, result.stdout


def test_a_module_outside_every_layer_is_refused(tmp_path: Path) -> None:
    """A new top-level module must be given its layer before it lands."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "pagerduty_actions", src / "pagerduty_actions")
    (src / "pagerduty_actions" / "unplaced.py").write_text('"""Not in any layer."""\n')
    result = lint_imports(src)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pagerduty_actions.unplaced" in result.stdout, result.stdout
