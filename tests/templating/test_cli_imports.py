"""``template lint`` runs on every save: it must not import what only a server or a run needs.

Checked in a fresh interpreter (``sys.modules`` after the command), since the test process has
imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pagerduty_actions.paths import data_dir

#: Import roots a lint has no use for: the store and its migrations, the server, HTTP clients,
#: and on a template without findings about schemas, jsonschema.
NOT_FOR_LINT = (
    "alembic",
    "sqlalchemy",
    "flask",
    "waitress",
    "httpx",
    "git",
    "pagerduty_actions.store",
    "pagerduty_actions.registry",
    "pagerduty_actions.handlers",
    "pagerduty_actions.server",
    "pagerduty_actions.services",
    "pagerduty_actions.sync",
    "pagerduty_actions.pagerduty",
    # jsonschema and what it brings (half a lint's instructions): quick_schema tells a good
    # template's verdicts without it
    "jsonschema",
    "jsonschema_specifications",
    "referencing",
    "attr",
    "attrs",
    "rpds",
    "idna",
    "rfc3339_validator",
    "pagerduty_actions.validation",
    # the redaction patterns: only a failed render has a message to redact
    "pagerduty_actions.redaction",
)

_PROBE = """
import json, sys
from pagerduty_actions.entry import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(*args: str) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=False
    )
    result = json.loads(done.stdout.splitlines()[-1])
    return result["code"], result["modules"]


def _loaded(modules: list[str], roots: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == r or m.startswith(r + ".") for r in roots)]


@pytest.mark.parametrize("template", sorted(data_dir("templates").glob("*/template.yaml")))
def test_template_lint_imports_no_store_server_or_http_client(template: Path) -> None:
    code, modules = _modules_after("template", "lint", str(template))
    assert code == 0
    assert _loaded(modules, NOT_FOR_LINT) == []
    # the console script's plain lint; the fast YAML reader reads the shipped templates
    assert _loaded(modules, ("click", "ruamel")) == []


def test_a_lint_with_other_arguments_goes_through_click() -> None:
    """Control: the probe does see click when the arguments are not a plain lint."""
    code, modules = _modules_after("template", "lint", "--help")
    assert code == 0
    assert "click" in modules


def test_the_probe_sees_a_command_that_does_import_them(tmp_path: Path) -> None:
    """Control: ``actions run`` builds the services, so the same probe finds the store."""
    payload = tmp_path / "input.json"
    payload.write_text("{}", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"dataDir: {tmp_path}\n", encoding="utf-8")
    code, modules = _modules_after(
        "actions", "run", "pagerduty:service:create", "--input", str(payload),
        "--config", str(config), "--dry-run",
    )  # fmt: skip
    assert code == 1  # {} lacks the required name
    assert "sqlalchemy" in modules
    assert "pagerduty_actions.store" in modules


def test_template_dry_run_imports_no_http_server(tmp_path: Path) -> None:
    """A dry run needs the registry, the services and the sandbox, never our HTTP server."""
    template = data_dir("templates") / "pagerduty-service" / "template.yaml"
    config = tmp_path / "config.yaml"
    config.write_text(f"dataDir: {tmp_path}\n", encoding="utf-8")
    code, modules = _modules_after(
        "template", "run", str(template), "--dry-run", "--config", str(config),
        "--values", str(template.parent / "values.example.yaml"),
    )  # fmt: skip
    assert code == 0
    assert "pagerduty_actions.registry" in modules  # it did run the actions
    assert _loaded(modules, ("waitress", "pagerduty_actions.server", "pagerduty_actions.web")) == []
