"""The manifest bundled with the Backstage module is exactly what ``actions export`` prints now.

Backstage registers the bundled actions when our server is down at its start-up, so a stale
``actions.json`` would register old schemas or miss new actions. Regenerate it with
``pagerduty-actions actions export -o`` and the module's ``actions.json`` path (see REGENERATE).
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pagerduty_actions.cli import main

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "backstage" / "scaffolder-backend-module-pagerduty-actions"
BUNDLED = MODULE / "actions.json"
REGENERATE = (
    "regenerate it: .venv/bin/pagerduty-actions actions export "
    "-o backstage/scaffolder-backend-module-pagerduty-actions/actions.json"
)


def _export() -> str:
    result = CliRunner().invoke(main, ["actions", "export"])
    assert result.exit_code == 0, result.output
    return result.output


def test_bundled_manifest_is_what_export_prints_now() -> None:
    exported = json.loads(_export())
    bundled = json.loads(BUNDLED.read_text(encoding="utf-8"))
    exported_ids = [a["id"] for a in exported["actions"]]
    bundled_ids = [a["id"] for a in bundled["actions"]]
    assert bundled_ids == exported_ids, f"actions differ; {REGENERATE}"
    for fresh, stale in zip(exported["actions"], bundled["actions"], strict=True):
        assert stale == fresh, f"{fresh['id']} differs from the bundled manifest; {REGENERATE}"
    assert bundled == exported, f"manifest version differs; {REGENERATE}"


def test_bundled_manifest_text_is_byte_for_byte_the_export_file(tmp_path: Path) -> None:
    target = tmp_path / "actions.json"
    result = CliRunner().invoke(main, ["actions", "export", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert BUNDLED.read_bytes() == target.read_bytes(), REGENERATE


def test_package_ships_the_manifest() -> None:
    package = json.loads((MODULE / "package.json").read_text(encoding="utf-8"))
    assert "actions.json" in package["files"]
    assert "dist" in package["files"]
    # Built by backstage-cli: sources in the repository, dist/ in the packed package.
    assert package["main"] == "src/index.ts"
    assert package["publishConfig"]["main"] == "dist/index.cjs.js"
    assert package["configSchema"] == "config.d.ts"
    peers = package["peerDependencies"]
    assert "@backstage/plugin-scaffolder-node" in peers
    assert "dependencies" not in package, "the module has no runtime dependency of its own"
