"""Manifests: what loads, and the start-up errors for what does not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pagerduty_actions.registry import Registry, RegistryError

FIXTURES = Path(__file__).parent / "fixtures"


def copy_fixtures(tmp_path: Path) -> tuple[Path, Path]:
    actions, schemas = tmp_path / "actions", tmp_path / "schemas"
    shutil.copytree(FIXTURES / "actions", actions)
    shutil.copytree(FIXTURES / "schemas", schemas)
    return actions, schemas


def test_project_registry_loads() -> None:
    registry = Registry.load()
    for spec in registry.specs():
        assert spec.input_schema["type"] == "object"


@pytest.mark.parametrize(
    ("manifest", "fragment"),
    [
        (
            "id: x:y\ndescription: d\nhandler: fixture_handlers:echo\n"
            "schema: {input: missing.json, output: echo.output.json}\n",
            "schema.input file 'missing.json' not found",
        ),
        (
            "id: x:y\ndescription: d\nhandler: no_such_module:run\n"
            "schema: {input: echo.input.json, output: echo.output.json}\n",
            "handler module 'no_such_module' not found",
        ),
        (
            "id: x:y\ndescription: d\nhandler: fixture_handlers:nothing\n"
            "schema: {input: echo.input.json, output: echo.output.json}\n",
            "is not a function",
        ),
        ("id: x:y\ndescription: d\n", "missing required key 'handler'"),
        (
            "id: test:echo\ndescription: d\nhandler: fixture_handlers:echo\n"
            "schema: {input: echo.input.json, output: echo.output.json}\n",
            "also in",
        ),
        (
            "id: x:y\ndescription: d\nhandler: fixture_handlers:echo\nhandlr: typo\n"
            "schema: {input: echo.input.json, output: echo.output.json}\n",
            "unknown keys ['handlr']",
        ),
    ],
)
def test_broken_manifest_fails_at_load(tmp_path: Path, manifest: str, fragment: str) -> None:
    actions, schemas = copy_fixtures(tmp_path)
    (actions / "zz-broken.yaml").write_text(manifest)
    with pytest.raises(RegistryError) as info:
        Registry.load(actions, schemas)
    assert fragment in str(info.value)
    assert "zz-broken.yaml" in str(info.value)


def test_invalid_schema_fails_at_load(tmp_path: Path) -> None:
    actions, schemas = copy_fixtures(tmp_path)
    (schemas / "echo.input.json").write_text('{"type": "objekt"}')
    with pytest.raises(RegistryError) as info:
        Registry.load(actions, schemas)
    assert "not a valid JSON Schema" in str(info.value)
