"""Reading ``actions/*.yaml`` and the schema files named after them, without any handler.

The registry binds each manifest to its handler module (which pulls in the adapters, the
store and httpx); ``template lint`` needs only each action's id and input schema, and a linter
run on every save should not pay for the rest. Both read manifests here, so they agree on
what a manifest says and on every error about one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .fast_yaml import load_all
from .paths import data_dir
from .yaml_budget import YamlBudgetError

MANIFEST_KEYS = frozenset({"id", "description", "supportsDryRun", "examples"})
# Keys of the manifests before #20, refused with the way things are found now.
_RETIRED_KEYS = {
    "handler": "a handler module binds itself by ACTION_ID and is listed in "
    "pagerduty_actions/handlers/__init__.py HANDLERS",
    "schema": "the schemas are found by name: schemas/actions/<name>.input.json and "
    ".output.json, <name> being the manifest's own file name",
}


class RegistryError(Exception):
    """A manifest cannot be loaded; raised at start-up."""


def actions_folder(actions_dir: Path | None = None) -> Path:
    """``actions_dir``, or the shipped ``actions/``; it must exist."""
    actions_dir = actions_dir or data_dir("actions")
    if not actions_dir.is_dir():
        raise RegistryError(f"actions folder {actions_dir} not found")
    return actions_dir


def schemas_folder(schemas_dir: Path | None = None) -> Path:
    """``schemas_dir``, or the shipped ``schemas/actions/``."""
    return schemas_dir or data_dir("schemas") / "actions"


def read_manifest(path: Path) -> dict[str, Any]:
    """One manifest as a mapping whose keys are known and whose required keys are there."""
    try:
        documents = load_all(path.read_text(encoding="utf-8"))
    except (OSError, YamlBudgetError) as exc:
        raise RegistryError(f"{path}: cannot be read as YAML: {exc}") from None
    except Exception as exc:
        # ruamel (the fallback reader) is imported only when it was needed, so is its error
        from ruamel.yaml.error import YAMLError

        if isinstance(exc, YAMLError):
            raise RegistryError(f"{path}: cannot be read as YAML: {exc}") from None
        raise
    raw = documents[0] if len(documents) == 1 else None
    if not isinstance(raw, dict):
        raise RegistryError(f"{path}: a manifest must be a mapping")
    for key, hint in _RETIRED_KEYS.items():
        if key in raw:
            raise RegistryError(f"{path}: {key!r} is no longer read; {hint}")
    unknown = set(raw) - MANIFEST_KEYS
    if unknown:
        raise RegistryError(
            f"{path}: unknown keys {sorted(unknown)}; allowed {sorted(MANIFEST_KEYS)}"
        )
    for key in ("id", "description"):
        if key not in raw:
            raise RegistryError(f"{path}: missing required key {key!r}")
    for i, example in enumerate(raw.get("examples") or []):
        if not isinstance(example, dict) or "description" not in example or "steps" not in example:
            raise RegistryError(f"{path}: examples[{i}] needs 'description' and 'steps'")
    return raw


def load_schema(path: Path, manifest: Path, *, check: bool = True) -> dict[str, Any]:
    """The JSON Schema at ``path`` (of ``manifest``), checked against the draft 2020-12
    meta-schema unless ``check`` is false."""
    if not path.is_file():
        raise RegistryError(f"{manifest}: its schema file {path} is missing")
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RegistryError(f"{path}: not valid JSON ({exc})") from None
    if check:
        # here only: template lint reads the schemas unchecked and never imports jsonschema
        from jsonschema import Draft202012Validator, SchemaError

        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise RegistryError(f"{path}: not a valid JSON Schema: {exc.message}") from None
    if not isinstance(schema, dict):
        raise RegistryError(f"{path}: a schema must be a JSON object")
    return schema


def input_schemas(
    actions_dir: Path | None = None, schemas_dir: Path | None = None
) -> dict[str, dict[str, Any]]:
    """Each action's id and input schema (``<schemas>/<name>.input.json``, ``<name>`` being
    the manifest's file name), as ``template lint`` wants them.

    The schemas are not checked against the meta-schema here (that is most of the cost of a
    lint): the registry checks every one when it loads, and the tests load the shipped ones.
    """
    schemas = schemas_folder(schemas_dir)
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(actions_folder(actions_dir).glob("*.yaml")):
        raw = read_manifest(path)
        found[str(raw["id"])] = load_schema(schemas / f"{path.stem}.input.json", path, check=False)
    return found
