"""Templates of the native path: they stay in step with their proxy twins, and a template
written for PagerDuty's own plugin fits our action's schemas (the real run is in tests/e2e).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
PLUGIN_STYLE = REPO / "e2e" / "backstage" / "templates" / "pagerduty-plugin-style" / "template.yaml"
MANIFEST = REPO / "backstage" / "scaffolder-backend-module-pagerduty-actions" / "actions.json"
NATIVE = sorted(p.parent for p in TEMPLATES.glob("*-native/template.yaml"))


def _yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _action(action_id: str) -> dict[str, Any]:
    actions = json.loads(MANIFEST.read_text(encoding="utf-8"))["actions"]
    return dict(next(a for a in actions if a["id"] == action_id))


def test_there_are_native_templates() -> None:
    assert [p.name for p in NATIVE], "templates/*-native/ holds the native forms"


@pytest.mark.parametrize("native", NATIVE, ids=lambda p: p.name)
def test_native_template_has_its_proxy_twin_skeleton_and_values(native: Path) -> None:
    twin = TEMPLATES / native.name.removesuffix("-native")
    assert (twin / "template.yaml").is_file(), f"{native.name} has no proxy twin {twin.name}"
    assert (native / "values.example.yaml").is_file()
    for path in sorted((twin / "skeleton").rglob("*")):
        if path.is_file():
            copy = native / "skeleton" / path.relative_to(twin / "skeleton")
            assert copy.read_bytes() == path.read_bytes(), f"{copy} differs from {path}"


@pytest.mark.parametrize("native", NATIVE, ids=lambda p: p.name)
def test_native_template_uses_our_actions_and_no_proxy(native: Path) -> None:
    template = _yaml(native / "template.yaml")
    text = (native / "template.yaml").read_text(encoding="utf-8")
    actions = [step["action"] for step in template["spec"]["steps"]]
    assert any(a.startswith("pagerduty:") for a in actions)
    assert "http:backstage:request" not in actions
    assert ".output.body.output" not in text, "native outputs are steps.<id>.output.<key>"


@pytest.mark.parametrize("native", NATIVE, ids=lambda p: p.name)
def test_native_template_asks_for_what_its_twin_asks(native: Path) -> None:
    twin = _yaml(TEMPLATES / native.name.removesuffix("-native") / "template.yaml")
    ours = _yaml(native / "template.yaml")
    assert ours["spec"]["parameters"] == twin["spec"]["parameters"]
    assert set(_yaml(native / "values.example.yaml")) == set(
        _yaml(TEMPLATES / native.name.removesuffix("-native") / "values.example.yaml")
    )


def test_plugin_style_step_input_fits_our_input_schema() -> None:
    template = _yaml(PLUGIN_STYLE)
    [step] = template["spec"]["steps"]
    assert step["action"] == "pagerduty:service:create"
    schema = _action("pagerduty:service:create")["schema"]
    assert set(step["input"]) == {
        "name",
        "description",
        "escalationPolicyId",
        "alertGrouping",
        "account",
    }
    rendered = {
        "name": "plugin-style-service",
        "description": "d",
        "escalationPolicyId": "PABC123",
        "alertGrouping": "intelligent",
        "account": "default",
    }
    jsonschema.validate(rendered, schema["input"])
    for word in ("intelligent", "time", "content_based"):
        jsonschema.validate({**rendered, "alertGrouping": word}, schema["input"])


def test_plugin_style_outputs_are_our_outputs() -> None:
    text = PLUGIN_STYLE.read_text(encoding="utf-8")
    used = set(re.findall(r"steps\['create-pagerduty-service'\]\.output\.(\w+)", text))
    assert used == {"serviceUrl", "serviceId", "integrationKey", "account"}
    outputs = _action("pagerduty:service:create")["schema"]["output"]["properties"]
    assert used <= set(outputs)
