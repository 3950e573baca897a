"""A dry run shows what our actions would do: each of our steps' rendered input and its plan,
in the runner's report, ``template run --dry-run --json``, ``POST /v2/dry-run`` (Backstage's
shape, fields added) and, in text mode, the steps' log lines under their progress lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from pagerduty_actions import cli_template
from pagerduty_actions.cli import main
from pagerduty_actions.registry import Caller, Registry
from pagerduty_actions.server import create_app
from pagerduty_actions.services import Services
from pagerduty_actions.templating import example_remote
from pagerduty_actions.templating.run_report import RunReport
from pagerduty_actions.templating.runner import TemplateRunner
from pagerduty_actions.templating.template import parse_template

TOKEN = "dry-run-plans-token-0123456789"
TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: plans-test
spec:
  type: service
  parameters:
    properties:
      name: {type: string}
      repoUrl: {type: string}
      serviceId: {type: string}
    required: [name, repoUrl]
  steps:
    - id: create
      action: pagerduty:service:create
      input:
        name: ${{ parameters.name }}
        escalationPolicyName: Default
        alertGrouping: time
    - id: proxied
      action: http:backstage:request
      input:
        method: POST
        path: /proxy/pagerduty-actions/v2/actions/pagerduty:service:create
        headers: {content-type: application/json}
        body:
          name: ${{ parameters.name }}-proxied
          escalationPolicyName: Default
    - id: many
      each: ['a', 'b']
      action: pagerduty:service:create
      input:
        name: ${{ parameters.name }}-${{ each.value }}
        escalationPolicyName: Default
    - id: annotate
      action: pagerduty:entity:annotate
      input:
        repoUrl: ${{ parameters.repoUrl }}
        annotations:
          serviceId: ${{ parameters.serviceId }}
          integrationKey: true
"""
CATALOG = (
    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout\n"
    "spec:\n  type: service\n"
)


@pytest.fixture(autouse=True)
def _registry(monkeypatch: pytest.MonkeyPatch, registry: Registry) -> None:
    monkeypatch.setattr(cli_template, "load_registry", lambda: registry)


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "template" / "template.yaml"
    (path.parent / "test-remote").mkdir(parents=True)
    (path.parent / "test-remote" / "catalog-info.yaml").write_text(CATALOG, encoding="utf-8")
    path.write_text(TEMPLATE, encoding="utf-8")
    return path


@pytest.fixture
def existing(registry: Registry, sandbox_services: Services) -> tuple[str, str]:
    """A service that exists already (its id and its integration key, a secret)."""
    made = registry.run(
        "pagerduty:service:create",
        {"name": "legacy", "escalationPolicyName": "Default"},
        services=sandbox_services,
        caller=Caller("test"),
    ).output
    return made["serviceId"], made["integrationKey"]


@pytest.fixture
def values(tmp_path: Path, template: Path, existing: tuple[str, str]) -> dict[str, Any]:
    remote = example_remote.ensure_remote(template.parent, "plans", tmp_path)
    return {"name": "checkout", "repoUrl": remote.as_uri(), "serviceId": existing[0]}


@pytest.fixture
def dry_run(
    registry: Registry, sandbox_services: Services, template: Path, tmp_path: Path
) -> Callable[[dict[str, Any]], RunReport]:
    def go(values: dict[str, Any]) -> RunReport:
        document = parse_template(TEMPLATE, base_dir=template.parent)
        runner = TemplateRunner(registry, sandbox_services)
        return runner.run(document, values, workspace=tmp_path / "ws", dry_run=True)

    return go


def test_each_of_our_steps_has_its_rendered_input_and_its_plan(
    dry_run: Callable[[dict[str, Any]], RunReport],
    values: dict[str, Any],
    existing: tuple[str, str],
) -> None:
    report = dry_run(values)
    assert report.ok, report.as_dict()
    steps = {s["id"]: s for s in report.as_dict()["steps"]}

    create = steps["create"]
    assert create["input"] == {
        "name": "checkout",
        "escalationPolicyName": "Default",
        "alertGrouping": "time",
    }
    assert [(r["method"], r["path"]) for r in create["plan"]] == [
        ("POST", "/services"),
        ("POST", "/services/{serviceId}/integrations"),
        ("POST", "/alert_grouping_settings"),
    ]
    assert create["plan"][0]["body"]["service"]["name"] == "checkout"

    proxied = steps["proxied"]  # the step's own input: the request Backstage would send
    assert proxied["input"]["path"].endswith("/v2/actions/pagerduty:service:create")
    assert proxied["input"]["body"]["name"] == "checkout-proxied"
    assert proxied["plan"][0]["body"]["service"]["name"] == "checkout-proxied"

    many = steps["many"]  # one input and one plan per item of each:
    assert [i["name"] for i in many["input"]] == ["checkout-a", "checkout-b"]
    assert [p[0]["body"]["service"]["name"] for p in many["plan"]] == ["checkout-a", "checkout-b"]

    annotate = steps["annotate"]  # no plan output: its dry-run output is the plan
    assert annotate["input"]["annotations"] == {"serviceId": existing[0], "integrationKey": True}
    assert annotate["plan"]["changed"] is True
    assert f"+    pagerduty.com/service-id: {existing[0]}" in annotate["plan"]["diff"]
    assert annotate["plan"]["branch"] == "pagerduty/annotate-plans"  # the repository name
    assert existing[1] not in json.dumps(report.as_dict())  # the key looked up: never shown


def test_a_real_run_records_no_plan(
    registry: Registry, sandbox_services: Services, tmp_path: Path
) -> None:
    steps = TEMPLATE.split("    - id: proxied")[0]
    document = parse_template(steps, base_dir=tmp_path)
    report = TemplateRunner(registry, sandbox_services).run(
        document, {"name": "real-one", "repoUrl": "x"}, workspace=tmp_path / "ws"
    )
    assert report.ok, report.as_dict()
    assert "plan" not in report.as_dict()["steps"][0] and "input" not in report.steps[0].as_dict()


def test_post_dry_run_adds_input_and_plan_to_backstages_shape(
    registry: Registry,
    sandbox_services: Services,
    values: dict[str, Any],
) -> None:
    config = sandbox_services.config.with_overrides(
        auth={"tokens": [{"name": "editor", "token": TOKEN}]}
    )
    client: FlaskClient = create_app(
        config, services=sandbox_services, registry=registry
    ).test_client()
    request = {"template": TEMPLATE, "values": values, "secrets": {}}
    response = client.post(
        "/v2/dry-run", json=request, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) >= {"directoryContents", "log", "output", "steps"} and "error" not in body
    assert all(set(entry) == {"body"} for entry in body["log"])
    for step in body["steps"]:
        assert {"id", "name", "action", "status"} <= set(step)
        assert "input" in step and "plan" in step, step
    create = body["steps"][0]
    assert create["plan"][0]["path"] == "/services"
    assert create["input"]["name"] == "checkout"


def test_text_mode_prints_each_steps_log_lines_under_it(
    template: Path, tmp_path: Path, existing: tuple[str, str]
) -> None:
    values_file = tmp_path / "values.yaml"
    values_file.write_text(
        f"name: checkout\nrepoUrl: ${{BARE_GIT_REMOTE}}\nserviceId: {existing[0]}\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.yaml"
    config.write_text(f"dataDir: {tmp_path / 'data'}\n", encoding="utf-8")
    args = ["template", "run", str(template), "--values", str(values_file), "--dry-run"]
    result = CliRunner().invoke(main, [*args, "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("annotate "))
    assert lines[at + 1].startswith("    info: dry run: ") and "would change" in lines[at + 1]
    create = next(i for i, line in enumerate(lines) if line.startswith("create "))
    assert lines[create + 1] == (
        "    plan: POST /services, POST /services/{serviceId}/integrations, "
        "POST /alert_grouping_settings"
    )
    many = next(i for i, line in enumerate(lines) if line.startswith("many "))
    assert (
        lines[many + 1 : many + 3]
        == ["    plan: POST /services, POST /services/{serviceId}/integrations"] * 2
    )
