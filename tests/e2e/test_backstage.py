"""A real Backstage 1.45 backend runs our templates: natively through our scaffolder module and
through the proxy with Roadie's http:backstage:request, against our server and the sandbox.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_api import Backstage, Sandbox
from e2e_stack import BACKSTAGE_DIR, MODULE_DIR, Stack, free_port, start_backstage, tail
from e2e_templates import TEMPLATES_DIR, Run, case_for, shipped_templates
from ruamel.yaml import YAML

FIXTURE_TEMPLATES = BACKSTAGE_DIR / "templates"
_unique = itertools.count(1)


def _yaml(path: Path) -> dict[str, Any]:
    return dict(YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")))


def _example_values(template: str) -> dict[str, Any]:
    return _yaml(TEMPLATES_DIR / template / "values.example.yaml")


def _register(backstage: Backstage, template_file: Path) -> str:
    name = str(_yaml(template_file)["metadata"]["name"])
    backstage.register_file(template_file)
    backstage.wait_for_entity("template", name)
    return name


@pytest.mark.parametrize("template", shipped_templates())
def test_shipped_template_runs_and_leaves_the_service_in_pagerduty(
    template: str, backstage: Backstage, healthy_sandbox: Sandbox, tmp_path: Path
) -> None:
    case = case_for(template)
    name = _register(backstage, TEMPLATES_DIR / template / "template.yaml")
    values = case.values_for_run(_example_values(template), tmp_path)
    task = backstage.run(name, values)
    assert task.status == "completed", f"{task.error}\n{task.log()}"
    case.check(Run(template, values, task, healthy_sandbox))


@pytest.mark.parametrize("template", shipped_templates())
def test_pagerduty_failure_fails_the_task(
    template: str, backstage: Backstage, healthy_sandbox: Sandbox, tmp_path: Path
) -> None:
    case = case_for(template)
    name = _register(backstage, TEMPLATES_DIR / template / "template.yaml")
    values = case.values_for_fault(_example_values(template), tmp_path)
    method, path = case.fault
    # Enough failures to outlast our server's own retries of the call.
    healthy_sandbox.fail_next(20, 500, method, path)
    task = backstage.run(name, values)
    assert task.status == "failed"
    if case.path == "native":
        # The task's own error is our server's: its error name and PagerDuty's status.
        assert task.error["name"] == "UpstreamError", task.error
        assert "PagerDuty" in task.error["message"]
        assert "500" in task.error["message"]
    else:
        # The proxy path: Backstage's generic error; our error body is only in the step log.
        assert "PagerDuty" not in task.error.get("message", "")
        assert "UpstreamError" in task.log("pagerduty")
    if "name" in values:
        assert healthy_sandbox.services_named(values["name"]) == []


@pytest.mark.parametrize(
    "template", [t for t in shipped_templates() if case_for(t).path == "native"]
)
def test_dry_run_plans_without_writing_to_pagerduty(
    template: str, backstage: Backstage, healthy_sandbox: Sandbox, tmp_path: Path
) -> None:
    values = case_for(template).values_for_run(_example_values(template), tmp_path)
    values = {**values, "name": f"dry-run-{next(_unique)}"}
    healthy_sandbox.clear_requests()
    result = backstage.dry_run(TEMPLATES_DIR / template / "template.yaml", values)
    messages = "\n".join(str(entry["body"].get("message", "")) for entry in result["log"])
    assert "dry run: plan only" in messages, messages
    assert healthy_sandbox.writes() == []
    assert any(r["method"] == "GET" for r in healthy_sandbox.requests()), "it reached us"
    assert healthy_sandbox.services_named(values["name"]) == []


def test_backstage_lists_every_action_of_ours_with_our_schemas(
    backstage: Backstage, stack: Stack
) -> None:
    ours = httpx.get(
        f"{stack.server_url}/v2/actions",
        headers={"Authorization": f"Bearer {stack.server_token}"},
        timeout=10,
    ).json()
    listed = backstage.actions()
    assert ours, "our server lists actions"
    for action in ours:
        native = listed.get(action["id"])
        assert native is not None, f"{action['id']} is not a Backstage action"
        assert native["description"] == action["description"]
        assert native["schema"]["input"] == action["schema"]["input"]
        assert native["schema"]["output"] == action["schema"]["output"]
        assert native["examples"] == action["examples"]


def test_template_written_for_pagerduty_plugin_runs_unchanged(
    backstage: Backstage, healthy_sandbox: Sandbox
) -> None:
    name = _register(backstage, FIXTURE_TEMPLATES / "pagerduty-plugin-style" / "template.yaml")
    values = {
        "service_name": "plugin-style-service",
        "description": "Made by a template written for PagerDuty's plugin",
        "escalation_policy": healthy_sandbox.escalation_policy_id("Default"),
        "alert_grouping": "time",
    }
    task = backstage.run(name, values)
    assert task.status == "completed", f"{task.error}\n{task.log()}"
    [service] = healthy_sandbox.services_named("plugin-style-service")
    assert service["escalation_policy"] == values["escalation_policy"]
    assert [g["type"] for g in healthy_sandbox.grouping_of(service["id"])] == ["time"]
    link = task.output["links"][0]["url"]
    assert link.endswith(f"/service-directory/{service['id']}")
    text = {t["title"]: t["content"] for t in task.output["text"]}
    assert text["Service id"] == service["id"]
    assert text["Integration key"] == service["integrations"][0]["integration_key"]
    assert text["Account"] == "default"


def test_retrying_a_task_replays_the_step_and_creates_no_second_service(
    backstage: Backstage, healthy_sandbox: Sandbox, tmp_path: Path
) -> None:
    name = _register(backstage, FIXTURE_TEMPLATES / "rerun-step" / "template.yaml")
    component = f"rerun-later-{next(_unique)}"
    values = {
        "name": f"rerun-service-{next(_unique)}",
        "escalationPolicyName": "Default",
        "entityRef": f"component:default/{component}",
    }
    first = backstage.run(name, values)
    assert first.status == "failed", "the second step needs an entity that is not there yet"
    [service] = healthy_sandbox.services_named(values["name"])

    entity = tmp_path / "catalog-info.yaml"
    entity.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        f"metadata: {{name: {component}}}\n"
        "spec: {type: service, lifecycle: experimental, owner: group:default/platform}\n",
        encoding="utf-8",
    )
    backstage.register_file(entity)
    backstage.wait_for_entity("component", component)

    retried = backstage.retry(first.id)
    assert retried.status == "completed", f"{retried.error}\n{retried.log()}"
    assert "replayed the answer of this step's first run" in retried.log("pagerduty")
    assert healthy_sandbox.services_named(values["name"]) == [service]
    text = {t["title"]: t["content"] for t in retried.output["text"]}
    assert text["Service id"] == service["id"]


def test_backstage_starts_with_our_server_down_and_steps_say_where_they_failed(
    stack: Stack, tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    process, url = start_backstage(
        tmp_path,
        module_path=stack.module_path,
        server_url=dead,
        server_token=stack.server_token,
        token=stack.backstage_token,
        name="backstage-server-down",
    )
    try:
        backstage = Backstage(url, stack.backstage_token)
        bundled = json.loads((MODULE_DIR / "actions.json").read_text(encoding="utf-8"))
        listed = backstage.actions()
        for action in bundled["actions"]:
            assert listed[action["id"]]["schema"]["input"] == action["schema"]["input"]
        assert "registering the" in tail(process.log, 400), "a warning says the list is bundled"

        template = "pagerduty-service-native"
        _register(backstage, TEMPLATES_DIR / template / "template.yaml")
        task = backstage.run(template, _example_values(template))
        assert task.status == "failed"
        assert task.error["name"] == "PagerDutyActionsUnavailableError"
        assert f"cannot reach pagerduty-actions at {dead}/v2/actions/" in task.error["message"]
        assert "pagerdutyActions.baseUrl" in task.error["message"]
    finally:
        process.stop()
