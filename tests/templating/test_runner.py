"""The runner: our actions in-process (direct and through the proxy path), if/each, failures.

PagerDuty is the built-in sandbox the services start without credentials, so every run here
creates real sandbox services over loopback, exactly as ``template run`` does.
"""

from __future__ import annotations

import re
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pagerduty_actions.errors import InputError
from pagerduty_actions.registry import Registry
from pagerduty_actions.services import Services
from pagerduty_actions.templating.run_report import RunReport
from pagerduty_actions.templating.runner import TemplateRunner
from pagerduty_actions.templating.template import parse_template

HEAD = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: runner-test
spec:
  type: service
  parameters:
    properties:
      name: {type: string, minLength: 3}
      policy: {type: string, default: Default}
      tags: {type: array, items: {type: string}}
      create: {type: boolean, default: true}
    required: [name]
  steps:
"""


@pytest.fixture
def runner(registry: Registry, sandbox_services: Services) -> TemplateRunner:
    return TemplateRunner(registry, sandbox_services)


@pytest.fixture
def run(runner: TemplateRunner, tmp_path: Path) -> Callable[..., RunReport]:
    def go(
        steps: str, values: dict[str, Any] | None = None, output: str = "", **kwargs: Any
    ) -> RunReport:
        text = HEAD + textwrap.indent(textwrap.dedent(steps), "    ")
        if output:
            text += "  output:\n" + textwrap.indent(textwrap.dedent(output), "    ")
        document = parse_template(text, base_dir=tmp_path)
        workspace = tmp_path / f"ws-{len(list(tmp_path.glob('ws-*')))}"
        return runner.run(document, values or {"name": "checkout"}, workspace=workspace, **kwargs)

    return go


def pd_services(services: Services) -> list[str]:
    assert services.sandbox is not None
    return [
        e.path
        for e in services.sandbox.state.requests()
        if e.method == "POST" and e.path == "/services"
    ]


CREATE = """\
- id: create
  action: pagerduty:service:create
  input:
    name: ${{ parameters.name }}
    escalationPolicyName: ${{ parameters.policy }}
"""

PROXY = """\
- id: proxied
  action: http:backstage:request
  input:
    method: POST
    path: /proxy/pagerduty-actions/v2/actions/pagerduty:service:create{query}
    headers: {{content-type: application/json}}
    body:
      name: ${{{{ parameters.name }}}}
      escalationPolicyName: ${{{{ parameters.policy }}}}
"""

LOG = """\
- id: log
  action: debug:log
  input:
    message: service ${{ steps.create.output.serviceId }}
"""


def test_our_action_runs_in_process_against_the_sandbox(
    run: Callable[..., RunReport], sandbox_services: Services
) -> None:
    report = run(CREATE + LOG)
    assert report.ok and report.sandbox
    service_id = report.steps[0].output["serviceId"]
    assert service_id and service_id.startswith("P")
    assert {"stepId": "log", "level": "info", "message": f"service {service_id}"} in report.log
    assert len(pd_services(sandbox_services)) == 1


def test_a_dry_run_changes_nothing(
    run: Callable[..., RunReport], sandbox_services: Services
) -> None:
    report = run(CREATE + LOG, dry_run=True)
    assert report.ok and report.dry_run
    assert report.steps[0].dry_run and report.steps[0].output["serviceId"] is None
    assert pd_services(sandbox_services) == []


def test_a_proxy_step_is_routed_and_wrapped_as_backstage_returns_it(
    run: Callable[..., RunReport], sandbox_services: Services
) -> None:
    steps = PROXY.format(query="") + LOG.replace(
        "steps.create.output.serviceId", "steps.proxied.output.body.output.serviceId"
    )
    report = run(steps)
    output = report.steps[0].output
    assert output["code"] == 200
    assert output["headers"] == {"content-type": "application/json"}
    assert set(output["body"]) >= {"output", "log", "dryRun"}
    assert output["body"]["dryRun"] is False
    service_id = output["body"]["output"]["serviceId"]
    assert report.log[-1]["message"] == f"service {service_id}"
    assert len(pd_services(sandbox_services)) == 1


def test_a_proxy_path_asking_for_dry_run_is_a_dry_run(
    run: Callable[..., RunReport], sandbox_services: Services
) -> None:
    report = run(PROXY.format(query="?dryRun=true"))
    assert report.steps[0].output["body"]["dryRun"] is True
    assert pd_services(sandbox_services) == []


def test_a_failing_step_stops_the_run_and_says_why(
    run: Callable[..., RunReport], sandbox_services: Services
) -> None:
    report = run(CREATE + LOG, {"name": "checkout", "policy": "No Such Policy"})
    assert not report.ok
    assert report.failed_step == "create"
    assert "No Such Policy" in (report.error or "")
    assert [s.status for s in report.steps] == ["failed", "not-run"]
    assert report.output == {}
    assert pd_services(sandbox_services) == []


def test_a_failing_proxy_step_carries_our_error_message(run: Callable[..., RunReport]) -> None:
    steps = PROXY.format(query="") + LOG.replace("steps.create.output.serviceId", "'x'")
    report = run(steps, {"name": "checkout", "policy": "No Such Policy"})
    assert report.failed_step == "proxied"
    assert "No Such Policy" in (report.error or "")
    assert [s.status for s in report.steps] == ["failed", "not-run"]


def test_if_false_skips_and_each_iterates(run: Callable[..., RunReport]) -> None:
    steps = """\
    - id: never
      if: ${{ parameters.create and parameters.tags | length > 5 }}
      action: debug:log
      input: {message: never}
    - id: literal-false
      if: false
      action: debug:log
      input: {message: never}
    - id: each-tag
      each: ${{ parameters.tags }}
      action: debug:log
      input:
        message: tag ${{ each.key }}=${{ each.value }}
    """
    report = run(steps, {"name": "checkout", "tags": ["api", "web"]})
    assert [s.status for s in report.steps] == ["skipped", "skipped", "completed"]
    assert [line["message"] for line in report.log] == ["tag 0=api", "tag 1=web"]


def test_backstage_only_actions_are_skipped_in_a_dry_run_with_their_input(
    run: Callable[..., RunReport],
) -> None:
    steps = """\
    - id: publish
      action: publish:github
      input:
        repoUrl: github.com?owner=acme&repo=${{ parameters.name }}
        secret: ${{ secrets.token }}
    """
    report = run(steps, dry_run=True, secrets={"token": "very-secret-value"})
    step = report.steps[0]
    assert step.status == "skipped" and "runs only in Backstage" in (step.reason or "")
    assert step.input == {"repoUrl": "github.com?owner=acme&repo=checkout", "secret": "***"}
    real = run(steps, secrets={"token": "very-secret-value"})
    assert real.failed_step == "publish"
    assert "publish:github runs only in Backstage" in (real.error or "")


def test_defaults_fill_in_and_the_output_renders(run: Callable[..., RunReport]) -> None:
    steps = """\
    - id: log
      action: debug:log
      input: {message: hi}
    """
    output = """\
    links:
      - title: never
        if: ${{ not parameters.create }}
        url: https://x
      - title: policy ${{ parameters.policy }}
        url: https://example.com/${{ parameters.name }}
    count: ${{ parameters.name | length }}
    """
    report = run(steps, output=output)
    assert report.output == {
        "links": [{"title": "policy Default", "url": "https://example.com/checkout"}],
        "count": 8,
    }


def test_values_failing_the_parameter_schema_are_refused_before_any_step(
    run: Callable[..., RunReport], sandbox_services: Services
) -> None:
    with pytest.raises(InputError) as caught:
        run(CREATE, {"name": "ab", "tags": "not-a-list"})
    paths = {d["path"] for d in caught.value.details}
    assert paths == {"$.name", "$.tags"}
    assert pd_services(sandbox_services) == []


def test_unknown_step_reference_is_refused_before_any_step(
    run: Callable[..., RunReport], sandbox_services: Services
) -> None:
    with pytest.raises(InputError) as caught:
        run(CREATE + LOG.replace("steps.create", "steps.creat"))
    assert caught.value.details[0]["code"] == "unknown-step"
    assert pd_services(sandbox_services) == []


@pytest.mark.parametrize(
    "expression",
    [
        "${{ ''.__class__.__mro__ }}",
        "${{ cycler.__init__.__globals__ }}",
        "${{ parameters['__cla' ~ 'ss__'] }}",
    ],
)
def test_injection_is_refused_never_executed(
    run: Callable[..., RunReport], expression: str
) -> None:
    steps = f'- id: log\n  action: debug:log\n  input:\n    message: "{expression}"\n'
    started = time.monotonic()
    try:
        report = run(steps)
    except InputError as exc:
        assert "sandbox" in exc.message or "not allowed" in exc.message
    else:
        assert report.failed_step == "log"
        assert "not allowed" in (report.error or "")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "body",
    [
        "{% for i in range(100000000) %}x{% endfor %}",
        "${{ range(10000) | join('" + "x" * 200 + "') }}",
        "{% for a in range(9000) %}{% for b in range(9000) %}{% endfor %}{% endfor %}",
    ],
)
def test_runaway_blocks_are_stopped_in_bounded_time(
    run: Callable[..., RunReport], body: str
) -> None:
    steps = f'- id: log\n  action: debug:log\n  input:\n    message: "{body}"\n'
    started = time.monotonic()
    report = run(steps)
    assert report.failed_step == "log"
    assert re.search("limited|exceed|more than", report.error or "")
    assert time.monotonic() - started < 5


def test_secrets_never_reach_the_log(run: Callable[..., RunReport]) -> None:
    steps = "- id: log\n  action: debug:log\n  input:\n    message: token=${{ secrets.token }}\n"
    report = run(steps, secrets={"token": "s3cr3t-token-value"})
    assert report.log[0]["message"] == "token=***"


def test_each_item_of_our_action_has_its_own_idempotency_key(
    run: Callable[..., RunReport], sandbox_services: Services
) -> None:
    steps = """\
    - id: create
      each: ${{ parameters.tags }}
      action: pagerduty:service:create
      input:
        name: ${{ parameters.name }}-${{ each.value }}
        escalationPolicyName: Default
    """
    report = run(steps, {"name": "shop", "tags": ["api", "web"]})
    assert report.ok, report.error
    assert len(report.steps[0].output["serviceId"]) == 2
    assert len(pd_services(sandbox_services)) == 2


def test_a_rerun_with_the_same_task_id_replays_instead_of_repeating(
    run: Callable[..., RunReport], sandbox_services: Services
) -> None:
    first = run(CREATE, task_id="task-1")
    again = run(CREATE, task_id="task-1")
    assert again.steps[0].output["serviceId"] == first.steps[0].output["serviceId"]
    assert len(pd_services(sandbox_services)) == 1


def test_a_yaml_file_that_is_not_a_template_is_refused(
    runner: TemplateRunner, tmp_path: Path
) -> None:
    document = parse_template("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
                              "  name: x\nspec: {type: service}\n")  # fmt: skip
    with pytest.raises(InputError) as caught:
        runner.run(document, {}, workspace=tmp_path / "ws")
    assert caught.value.details[0]["code"] == "not-a-template"
    assert "kind 'Component'" in caught.value.message
