"""Config defaults are written once, in ``schemas/config.schema.json``: the loaded config has
each default in place, changing one in the schema changes what the server uses, and no module
repeats a default value as a fallback (``section.get("port", 7077)``)."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pagerduty_actions import config as config_module
from pagerduty_actions.config import Config, config_schema, load_config, validate_config
from pagerduty_actions.store.retention import RetentionPolicy

PACKAGE = Path(config_module.__file__).parent


def defaults(schema: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], Any, dict[str, Any]]]:
    """(path, default, property schema) of every default: top-level keys and section keys."""
    for key, sub in schema["properties"].items():
        if "default" in sub:
            yield (key,), sub["default"], sub
        for name, prop in (sub.get("properties") or {}).items():
            if "default" in prop:
                yield (key, name), prop["default"], prop


def all_defaults_anywhere(value: Any) -> int:
    """How many ``default`` keys the schema has at any depth."""
    if isinstance(value, dict):
        return ("default" in value) + sum(all_defaults_anywhere(v) for v in value.values())
    if isinstance(value, list):
        return sum(all_defaults_anywhere(v) for v in value)
    return 0


def another_value(default: Any, prop: dict[str, Any]) -> Any:
    """A valid value other than ``default``."""
    if "enum" in prop:
        return next(v for v in prop["enum"] if v != default)
    if isinstance(default, bool):
        return not default
    if isinstance(default, int):
        return default - 1 if default > prop.get("minimum", 0) else default + 1
    return f"{default}-changed"


def at(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


DEFAULTS = list(defaults(config_schema()))
# What each default is read through, besides the loaded data itself.
READERS = {
    ("server", "host"): lambda c: c.host,
    ("server", "port"): lambda c: c.port,
    ("server", "threads"): lambda c: c.threads,
    ("server", "maxBodyBytes"): lambda c: c.max_body_bytes,
    ("server", "maxHeaderBytes"): lambda c: c.max_header_bytes,
    ("dataDir",): lambda c: str(c.data_dir),
    ("logging", "format"): lambda c: c.log_format,
    ("logging", "level"): lambda c: c.log_level,
    ("idempotency", "retentionHours"): lambda c: (
        RetentionPolicy.from_config(c).idempotency / timedelta(hours=1)
    ),
    ("retention", "auditDays"): lambda c: RetentionPolicy.from_config(c).audit / timedelta(days=1),
    ("retention", "syncRunsDays"): lambda c: (
        RetentionPolicy.from_config(c).sync_runs / timedelta(days=1)
    ),
}


def test_every_default_of_the_schema_is_one_that_is_applied() -> None:
    """A ``default`` deeper in the schema would be documentation that nothing applies."""
    assert len(DEFAULTS) == all_defaults_anywhere(config_schema())
    assert len(DEFAULTS) >= 18


@pytest.mark.parametrize("path", [p for p, _, _ in DEFAULTS], ids=".".join)
def test_the_loaded_config_has_the_schemas_default(path: tuple[str, ...]) -> None:
    default = next(d for p, d, _ in DEFAULTS if p == path)
    loaded = load_config(None)
    assert at(loaded.data, path) == default
    if path in READERS:
        assert READERS[path](loaded) == default


@pytest.mark.parametrize("path", [p for p, _, _ in DEFAULTS], ids=".".join)
def test_changing_a_default_in_the_schema_changes_the_loaded_config(
    path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = copy.deepcopy(config_schema())
    prop = schema["properties"][path[0]]
    for key in path[1:]:
        prop = prop["properties"][key]
    changed = another_value(prop["default"], prop)
    prop["default"] = changed
    monkeypatch.setattr(config_module, "config_schema", lambda: schema)
    loaded = validate_config({}, "test")
    assert at(loaded.data, path) == changed
    if path in READERS:
        assert READERS[path](loaded) == changed


def test_a_value_given_is_kept_and_a_section_given_gets_the_rest() -> None:
    loaded = validate_config({"server": {"port": 8080}, "sync": {"strategy": "both"}}, "t")
    assert loaded.port == 8080 and loaded.host == "127.0.0.1" and loaded.threads == 8
    assert loaded.section("sync") == {
        "strategy": "both",
        "delivery": "pull-request",
        "allowRealGit": False,
        "leaseSeconds": 60,
        "batchSize": 100,
    }


def test_an_optional_object_is_not_made_by_a_default() -> None:
    """No default lives inside an optional object (an OAuth app, an account), so filling in
    defaults never makes one appear: a config without credentials stays without."""
    loaded = validate_config({}, "t")
    assert not loaded.has_pagerduty_credentials
    assert "pagerDuty" not in loaded.data and "auth" not in loaded.data


def test_no_module_repeats_a_default_as_a_fallback() -> None:
    """``x.get("leaseSeconds", 30)``, for a key the schema gives a default, is a second copy
    of the default that drifts when the schema changes."""
    keys = {path[-1] for path, _, _ in DEFAULTS}
    found = []
    for module in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and len(node.args) == 2
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in keys
                and _is_config_read(node.func.value)
            ):
                found.append(f"{module.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []


def _is_config_read(target: ast.expr) -> bool:
    """``config.section(...)``, a variable holding a section, or ``config.data``."""
    text = ast.unparse(target)
    return "section" in text or text.endswith(".data") or text in {"server", "sync", "retention"}


def test_config_needs_its_data_and_source() -> None:
    """No Config without validate_config (which fills the defaults) nor a source to name."""
    with pytest.raises(TypeError):
        Config()  # type: ignore[call-arg]
