"""The registry: built from a list of handler modules, each bound to its manifest by id and
finding its files by its own name; and the start-up errors for what does not fit."""

from __future__ import annotations

import importlib
import pkgutil
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pagerduty_actions import handlers
from pagerduty_actions.handlers import HANDLERS
from pagerduty_actions.paths import data_dir
from pagerduty_actions.registry import Registry, RegistryError

FIXTURES = Path(__file__).parent / "fixtures"
TESTS = Path(__file__).parent.parent


def copy_fixtures(tmp_path: Path) -> tuple[Path, Path]:
    actions, schemas = tmp_path / "actions", tmp_path / "schemas"
    shutil.copytree(FIXTURES / "actions", actions)
    shutil.copytree(FIXTURES / "schemas", schemas)
    return actions, schemas


def fixture_handlers() -> list[ModuleType]:
    import fixture_actions  # on sys.path through conftest's autouse fixture

    return list(fixture_actions.HANDLERS)


def module(name: str, **attrs: Any) -> ModuleType:
    """A handler module made on the spot (``fixture_actions.<name>``)."""
    made = ModuleType(f"fixture_actions.{name}")
    made.__dict__.update(attrs)
    return made


def run(ctx: Any, payload: dict[str, Any]) -> dict[str, Any]:
    return {}


def run_needing_a_mailer(ctx: Any, payload: dict[str, Any], *, mailer: Any) -> dict[str, Any]:
    return {}


def run_with_services_positional(ctx: Any, payload: Any, db: Any) -> dict[str, Any]:
    return {}


def test_project_registry_loads_every_listed_handler() -> None:
    registry = Registry.load()
    assert sorted(s.id for s in registry.specs()) == sorted(m.ACTION_ID for m in HANDLERS)
    for spec in registry.specs():
        assert spec.input_schema["type"] == "object"


def test_one_name_leads_to_every_part_of_each_action() -> None:
    """actions/<name>.yaml, schemas/actions/<name>.*.json, handlers/<name>.py and
    tests/actions/test_<name>.py, for every action, and no stray manifest or schema."""
    names = {m.__name__.rpartition(".")[2] for m in HANDLERS}
    assert names == {p.stem for p in data_dir("actions").glob("*.yaml")}
    schemas = {p.name for p in (data_dir("schemas") / "actions").glob("*.json")}
    assert schemas == {f"{n}.{kind}.json" for n in names for kind in ("input", "output")}
    for name in names:
        assert (Path(handlers.__file__).parent / f"{name}.py").is_file()
        assert (TESTS / "actions" / f"test_{name}.py").is_file(), name


def test_the_handlers_list_is_the_one_truth_of_which_modules_are_actions() -> None:
    """A module of handlers/ with an ACTION_ID but missing from HANDLERS would be an action
    nobody can run; a shared part (errors, lookups, ...) has no ACTION_ID."""
    listed = {m.__name__ for m in HANDLERS}
    for info in pkgutil.iter_modules(handlers.__path__):
        found = importlib.import_module(f"{handlers.__name__}.{info.name}")
        assert hasattr(found, "ACTION_ID") == (found.__name__ in listed), found.__name__


@pytest.mark.parametrize(
    ("manifest", "fragment"),
    [
        ("id: x:y\ndescription: d\nhandler: fixture_actions.zz_broken:run\n", "HANDLERS"),
        ("id: x:y\ndescription: d\nschema: {input: a.json, output: b.json}\n", "found by name"),
        ("id: x:y\ndescription: d\nhandlr: typo\n", "unknown keys ['handlr']"),
        ("id: x:y\n", "missing required key 'description'"),
        ("id: test:other\ndescription: d\n", "is not the ACTION_ID 'x:y'"),
    ],
)
def test_broken_manifest_fails_at_load(tmp_path: Path, manifest: str, fragment: str) -> None:
    actions, schemas = copy_fixtures(tmp_path)
    (actions / "zz_broken.yaml").write_text(manifest)
    for kind in ("input", "output"):
        shutil.copy(schemas / f"echo.{kind}.json", schemas / f"zz_broken.{kind}.json")
    broken = module("zz_broken", ACTION_ID="x:y", run=run)
    with pytest.raises(RegistryError) as info:
        Registry.load([*fixture_handlers(), broken], actions, schemas)
    assert fragment in str(info.value)
    assert "zz_broken.yaml" in str(info.value)


@pytest.mark.parametrize(
    ("attrs", "fragment"),
    [
        ({"run": run}, "has no ACTION_ID"),
        ({"ACTION_ID": "x:y"}, "has no run function"),
        ({"ACTION_ID": "test:echo", "run": run}, "also in"),
        (
            {"ACTION_ID": "x:y", "run": run_needing_a_mailer},
            "asks for 'mailer', which no service provides; known: config, db, pagerduty",
        ),
        (
            {"ACTION_ID": "x:y", "run": run_with_services_positional},
            "must take (ctx, payload) and then, keyword-only, the services",
        ),
    ],
)
def test_broken_handler_module_fails_at_load(
    tmp_path: Path, attrs: dict[str, Any], fragment: str
) -> None:
    actions, schemas = copy_fixtures(tmp_path)
    (actions / "zz_broken.yaml").write_text(
        f"id: {attrs.get('ACTION_ID', 'x:y')}\ndescription: d\n"
    )
    for kind in ("input", "output"):
        shutil.copy(schemas / f"echo.{kind}.json", schemas / f"zz_broken.{kind}.json")
    with pytest.raises(RegistryError) as info:
        Registry.load([*fixture_handlers(), module("zz_broken", **attrs)], actions, schemas)
    assert fragment in str(info.value)


def test_a_manifest_without_a_listed_module_fails_at_load(tmp_path: Path) -> None:
    actions, schemas = copy_fixtures(tmp_path)
    (actions / "zz_orphan.yaml").write_text("id: x:y\ndescription: d\n")
    with pytest.raises(RegistryError) as info:
        Registry.load(fixture_handlers(), actions, schemas)
    assert "zz_orphan.yaml: no handler module named 'zz_orphan'" in str(info.value)


def test_a_module_without_its_manifest_or_schema_fails_at_load(tmp_path: Path) -> None:
    actions, schemas = copy_fixtures(tmp_path)
    extra = module("zz_new", ACTION_ID="x:new", run=run)
    with pytest.raises(RegistryError) as info:
        Registry.load([*fixture_handlers(), extra], actions, schemas)
    assert "has no manifest" in str(info.value) and "zz_new.yaml" in str(info.value)
    (actions / "zz_new.yaml").write_text("id: x:new\ndescription: d\n")
    shutil.copy(schemas / "echo.input.json", schemas / "zz_new.input.json")
    with pytest.raises(RegistryError) as info:
        Registry.load([*fixture_handlers(), extra], actions, schemas)
    assert "zz_new.output.json is missing" in str(info.value)


def test_invalid_schema_fails_at_load(tmp_path: Path) -> None:
    actions, schemas = copy_fixtures(tmp_path)
    (schemas / "echo.input.json").write_text('{"type": "objekt"}')
    with pytest.raises(RegistryError) as info:
        Registry.load(fixture_handlers(), actions, schemas)
    assert "not a valid JSON Schema" in str(info.value)
