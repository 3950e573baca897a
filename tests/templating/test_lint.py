"""``template lint``: each kind of mistake, in a small broken template, with its path and line."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pagerduty_actions.templating.findings import Finding, LintReport
from pagerduty_actions.templating.lint import lint_file, lint_text
from pagerduty_actions.templating.template import parse_template

GOOD = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: small
spec:
  type: service
  parameters:
    - title: Basics
      required: [name]
      properties:
        name: {type: string}
        policy: {type: string, default: Default}
  steps:
    - id: pagerduty
      action: pagerduty:service:create
      input:
        name: ${{ parameters.name }}
        escalationPolicyName: ${{ parameters.policy }}
    - id: log
      action: debug:log
      input:
        message: created ${{ steps.pagerduty.output.serviceId }}
  output:
    text:
      - title: Service
        content: ${{ steps.pagerduty.output.serviceId }}
"""


def lint(text: str, actions: dict[str, Any], base_dir: Path | None = None) -> LintReport:
    return lint_text(textwrap.dedent(text), actions, source="t.yaml", base_dir=base_dir)


def only(report: LintReport, code: str) -> Finding:
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, report.as_dict()
    return found[0]


def test_a_good_template_is_clean(action_inputs: dict[str, Any]) -> None:
    report = lint(GOOD, action_inputs)
    assert report.findings == []
    assert report.exit_code == 0


def test_yaml_that_does_not_parse_names_the_line(action_inputs: dict[str, Any]) -> None:
    report = lint("apiVersion: x\nkind: Template\nmetadata: {name: [a\n", action_inputs)
    finding = only(report, "yaml-invalid")
    assert finding.line == 4 or finding.line == 3
    assert report.exit_code == 1


ANCHORED = GOOD.replace(
    "        name: {type: string}\n",
    "        name: &text {type: string, maxLength: 63}\n        owner: *text\n",
).replace(
    "        policy: {type: string, default: Default}\n",
    "        policy:\n          <<: *text\n          default: Default\n",
)


def test_a_few_anchors_and_a_merge_key_read_as_backstage_reads_them(
    action_inputs: dict[str, Any],
) -> None:
    report = lint(ANCHORED, action_inputs)
    assert report.findings == []
    document = parse_template(ANCHORED)
    properties = document.data["spec"]["parameters"][0]["properties"]
    assert properties["owner"] == {"type": "string", "maxLength": 63}
    assert properties["policy"] == {"type": "string", "maxLength": 63, "default": "Default"}
    assert document.line_of(("spec", "parameters", 0, "properties", "owner")) == 12


@pytest.mark.parametrize(
    ("tail", "line", "words"),
    [
        (
            "".join(
                f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 9)
            ),
            9,
            "YAML aliases expand to more than 10000 nodes",
        ),
        ("  deep: " + "[" * 100_000 + "\n", 6, "nests more than 100 mappings or lists"),
        ("  self: &self\n    again: *self\n", 7, "*self refers to a node that contains it"),
    ],
    ids=["billion laughs", "100,000 brackets", "recursive alias"],
)
def test_yaml_too_costly_to_walk_is_refused_naming_the_line(
    action_inputs: dict[str, Any], tail: str, line: int, words: str
) -> None:
    head = "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: x}\n"
    text = head + "spec:\n  l0: &l0 [lol]\n" + tail
    finding = only(lint(text, action_inputs), "yaml-invalid")
    assert words in finding.message and finding.line == line


def test_a_yaml_file_that_is_not_a_template(action_inputs: dict[str, Any]) -> None:
    text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec: {}\n"
    finding = only(lint(text, action_inputs), "not-a-template")
    assert "kind 'Component'" in finding.message
    assert (finding.path, finding.line) == ("kind", 2)


def test_a_list_is_not_a_template(action_inputs: dict[str, Any]) -> None:
    finding = only(lint("- a\n- b\n", action_inputs), "not-a-template")
    assert "list" in finding.message


def test_old_api_version_is_reported(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace("scaffolder.backstage.io/v1beta3", "backstage.io/v1beta2")
    finding = only(lint(text, action_inputs), "not-a-template")
    assert "v1beta3" in finding.message and finding.line == 1


def test_schema_missing_type_and_step_action(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace("  type: service\n", "").replace("      action: debug:log\n", "")
    report = lint(text, action_inputs)
    messages = {(f.path, f.message) for f in report.findings if f.code == "schema"}
    assert ("spec", "breaks the Template v1beta3 schema: 'type' is a required property") in messages
    assert any(path == "spec.steps[1]" and "'action'" in m for path, m in messages)


def test_unknown_top_level_key_breaks_the_envelope(action_inputs: dict[str, Any]) -> None:
    finding = only(lint(GOOD + "extra: 1\n", action_inputs), "schema")
    assert "'extra' was unexpected" in finding.message


def test_invalid_entity_name(action_inputs: dict[str, Any]) -> None:
    finding = only(
        lint(GOOD.replace("name: small", "name: -bad name-"), action_inputs), "invalid-name"
    )
    assert (finding.path, finding.line) == ("metadata.name", 4)


def test_parameter_page_that_is_not_a_json_schema(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace("name: {type: string}", "name: {type: text}")
    finding = only(lint(text, action_inputs), "parameter-schema")
    assert finding.path.startswith("spec.parameters[0]")
    assert finding.severity == "error"


def test_expression_that_does_not_parse(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace("${{ parameters.name }}", "${{ parameters.name + }}")
    finding = only(lint(text, action_inputs), "expression-syntax")
    assert (finding.path, finding.line) == ("spec.steps[0].input.name", 17)


def test_unknown_filter_suggests_the_near_one(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace("${{ parameters.name }}", "${{ parameters.name | lowr }}")
    finding = only(lint(text, action_inputs), "unknown-filter")
    assert "'lowr'" in finding.message and "did you mean 'lower'" in finding.message


@pytest.mark.parametrize(
    "expression",
    ["''.__class__.__mro__", "cycler.__init__.__globals__", "parameters.__class__"],
)
def test_injection_attempts_are_refused_by_lint(
    expression: str, action_inputs: dict[str, Any]
) -> None:
    text = GOOD.replace("${{ parameters.name }}", "${{ " + expression + " }}")
    report = lint(text, action_inputs)
    assert "unsafe-expression" in report.codes()
    assert report.exit_code == 1


def test_reference_to_a_step_that_does_not_exist(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace(
        "steps.pagerduty.output.serviceId }}\n  output",
        "steps.pagerdty.output.serviceId }}\n  output",
    )
    finding = only(lint(text, action_inputs), "unknown-step")
    assert "steps.pagerdty" in finding.message and "did you mean 'pagerduty'" in finding.message
    assert finding.path == "spec.steps[1].input.message"


def test_reference_to_a_later_step(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace(
        "escalationPolicyName: ${{ parameters.policy }}",
        "escalationPolicyName: ${{ steps.log.output.x }}",
    )
    finding = only(lint(text, action_inputs), "step-order")
    assert "runs after this step" in finding.message


def test_dashed_step_ids_are_understood(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace("id: pagerduty", "id: create-service").replace(
        "steps.pagerduty.output", "steps['create-service'].output"
    )
    assert lint(text, action_inputs).findings == []


def test_unknown_parameter(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace("${{ parameters.policy }}", "${{ parameters.polcy }}")
    finding = only(lint(text, action_inputs), "unknown-parameter")
    assert "did you mean 'policy'" in finding.message


def test_parameters_of_conditional_branches_are_known(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace(
        "        policy: {type: string, default: Default}\n",
        "        policy: {type: string, default: Default}\n"
        "      dependencies:\n"
        "        policy:\n"
        "          oneOf:\n"
        "            - properties: {team: {type: string}}\n",
    ).replace("created ${{", "created ${{ parameters.team }} ${{")
    assert lint(text, action_inputs).findings == []


def test_each_outside_a_loop(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace("created ${{", "created ${{ each.value }} ${{")
    only(lint(text, action_inputs), "each-outside-loop")


def test_duplicate_step_id(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace("id: log", "id: pagerduty")
    finding = only(lint(text, action_inputs), "duplicate-step-id")
    assert (finding.path, finding.line) == ("spec.steps[1].id", 19)


def test_missing_step_id_is_a_warning(action_inputs: dict[str, Any]) -> None:
    report = lint(GOOD.replace("    - id: log\n      action", "    - action"), action_inputs)
    assert only(report, "missing-step-id").severity == "warning"
    assert report.exit_code == 0


def test_unknown_pagerduty_action_is_an_error(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace("action: pagerduty:service:create", "action: pagerduty:service:craete")
    finding = only(lint(text, action_inputs), "unknown-action")
    assert (
        finding.severity == "error" and "did you mean 'pagerduty:service:create'" in finding.message
    )


def test_other_unknown_actions_warn_and_backstage_ones_are_noted(
    action_inputs: dict[str, Any],
) -> None:
    text = GOOD.replace("action: debug:log", "action: acme:thing").replace(
        "      input:\n        message", "      input:\n        msg"
    )
    report = lint(text, action_inputs)
    assert only(report, "unknown-action").severity == "warning"
    noted = lint(GOOD.replace("action: debug:log", "action: publish:github"), action_inputs)
    assert only(noted, "backstage-only").severity == "info"


def test_literal_input_breaking_our_action_schema(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace(
        "escalationPolicyName: ${{ parameters.policy }}",
        "escalationPolicyName: ${{ parameters.policy }}\n"
        "        urgency: sometimes\n"
        "        nmae: x",
    )
    report = lint(text, action_inputs)
    found = sorted(
        (f.path, f.line, f.column, f.message) for f in report.findings if f.code == "action-input"
    )
    create = "input for pagerduty:service:create"
    assert found == [
        (
            # the unknown key itself, at its own line and column, with the name it was meant to be
            "spec.steps[0].input.nmae",
            20,
            9,
            f"{create}: 'nmae' is not a known property; did you mean 'name'? (known: name, "
            "description, account, escalationPolicyId, escalationPolicyName, alertGrouping, "
            "autoPauseNotifications, acknowledgementTimeout, autoResolveTimeout, urgency, teams, "
            "integrations, ifExists, alertCreation)",
        ),
        (
            "spec.steps[0].input.urgency",
            19,
            9,
            f"{create}: 'sometimes' is not an urgency (allowed: 'high', 'low', 'severity_based')",
        ),
    ]


def test_templated_values_are_not_guessed(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace(
        "escalationPolicyName: ${{ parameters.policy }}",
        "escalationPolicyName: ${{ parameters.policy }}\n        urgency: ${{ parameters.name }}",
    )
    assert lint(text, action_inputs).findings == []


PROXY_STEP = """\
    - id: pagerduty
      action: http:backstage:request
      input:
        method: {method}
        path: {path}
        headers: {headers}
        body:
          name: ${{{{ parameters.name }}}}
          escalationPolicyName: Default
          {extra}
"""


def proxy_template(
    method: str = "POST",
    path: str = "/proxy/pagerduty-actions/v2/actions/pagerduty:service:create",
    headers: str = "{content-type: application/json}",
    extra: str = "",
) -> str:
    head, rest = GOOD.split("  steps:\n", 1)
    rest = rest.split("    - id: log\n", 1)[1]
    step = PROXY_STEP.format(method=method, path=path, headers=headers, extra=extra)
    rest = rest.replace(
        "steps.pagerduty.output.serviceId", "steps.pagerduty.output.body.output.serviceId"
    )
    return head + "  steps:\n" + step + "    - id: log\n" + rest


def test_a_good_proxy_step_is_clean(action_inputs: dict[str, Any]) -> None:
    assert lint(proxy_template(), action_inputs).findings == []


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        (
            {"path": "/proxy/pagerduty-actions/v2/actions/pagerduty:service:craete"},
            "names no action",
        ),
        ({"path": "/proxy/pagerduty-actions/v2/settings/x"}, "the only path that runs an action"),
        ({"method": "GET"}, "use POST"),
        ({"headers": "{accept: application/json}"}, "content-type: application/json"),
    ],
)
def test_proxy_steps_that_cannot_reach_the_action(
    kwargs: dict[str, str], needle: str, action_inputs: dict[str, Any]
) -> None:
    finding = only(lint(proxy_template(**kwargs), action_inputs), "proxy-route")
    assert needle in finding.message
    assert finding.path.startswith("spec.steps[0].input")


def test_proxy_body_is_checked_against_the_action(action_inputs: dict[str, Any]) -> None:
    finding = only(lint(proxy_template(extra="urgency: sometimes"), action_inputs), "action-input")
    assert finding.path == "spec.steps[0].input.body.urgency"


def test_other_proxy_paths_run_only_in_backstage(action_inputs: dict[str, Any]) -> None:
    report = lint(proxy_template(path="/proxy/other/v2/actions/x"), action_inputs)
    assert only(report, "backstage-only").severity == "info"


LOG_STEP = (
    "action: debug:log\n      input:\n"
    "        message: created ${{ steps.pagerduty.output.serviceId }}"
)
SKELETON = GOOD.replace(
    LOG_STEP,
    "action: fetch:template\n      input:\n        url: {url}\n        values: {a: 1}",
)


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("../outside", "leads outside its folder"),
        ("/etc", "is absolute"),
        ("./missing", "does not exist"),
    ],
)
def test_skeleton_paths_outside_or_missing(
    url: str, needle: str, template_dir: Callable[..., Path], action_inputs: dict[str, Any]
) -> None:
    path = template_dir(SKELETON.replace("{url}", url), {"skeleton/a.txt": "x"})
    finding = only(lint_file(path, action_inputs), "skeleton-path")
    assert needle in finding.message and finding.severity == "error"


def test_builtin_input_missing_url(action_inputs: dict[str, Any]) -> None:
    text = SKELETON.replace("        url: {url}\n", "")
    finding = only(lint(text, action_inputs), "action-input")
    assert "'url' is a required property" in finding.message


def test_json_report_shape(action_inputs: dict[str, Any]) -> None:
    report = lint(
        GOOD.replace("${{ parameters.policy }}", "${{ parameters.polcy }}"), action_inputs
    )
    data = json.loads(json.dumps(report.as_dict()))
    assert data["ok"] is False and data["errors"] == 1
    assert data["findings"][0] == {
        "code": "unknown-parameter",
        "severity": "error",
        "message": data["findings"][0]["message"],
        "path": "spec.steps[0].input.escalationPolicyName",
        "line": 18,
        "column": 35,  # parameters.polcy inside the ${{ }} of that line
    }


def test_reference_to_a_conditional_step_without_the_same_if(
    action_inputs: dict[str, Any],
) -> None:
    guarded = GOOD.replace(
        "    - id: pagerduty\n", "    - id: pagerduty\n      if: ${{ parameters.policy }}\n"
    )
    report = lint(guarded, action_inputs)
    paths = sorted(f.path for f in report.findings if f.code == "conditional-step")
    assert paths == ["spec.output.text[0].content", "spec.steps[1].input.message"]
    assert report.exit_code == 0
    same_if = guarded.replace(
        "    - id: log\n", "    - id: log\n      if: ${{ parameters.policy }}\n"
    ).replace(
        "      - title: Service\n", "      - title: Service\n        if: ${{ parameters.policy }}\n"
    )
    assert lint(same_if, action_inputs).findings == []


@pytest.mark.parametrize(
    "handled",
    [
        "${{ steps.pagerduty.output.serviceId or parameters.policy }}",
        "${{ steps.pagerduty.output.serviceId if steps.pagerduty else 'none' }}",
        "${{ steps.pagerduty.output.serviceId | default('none') }}",
        "${{ 'x' if steps.pagerduty is defined else 'y' }}",
    ],
)
def test_a_conditional_step_read_that_handles_undefined_is_not_a_finding(
    handled: str, action_inputs: dict[str, Any]
) -> None:
    """Picking whichever of two conditional steps ran (``a or b``) is deliberate."""
    guarded = GOOD.replace(
        "    - id: pagerduty\n", "    - id: pagerduty\n      if: ${{ parameters.policy }}\n"
    )
    text = guarded.replace("${{ steps.pagerduty.output.serviceId }}", handled)
    assert text != guarded
    findings = [f.path for f in lint(text, action_inputs).findings if f.code == "conditional-step"]
    plain = [f.path for f in lint(guarded, action_inputs).findings if f.code == "conditional-step"]
    assert len(findings) < len(plain)  # the handled reads are no longer reported


def test_enum_parameters_are_tried_in_our_action_input(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace(
        "        policy: {type: string, default: Default}\n",
        "        policy: {type: string, default: Default}\n"
        "        urgency: {type: string, enum: [high, low, medium]}\n",
    ).replace(
        "escalationPolicyName: ${{ parameters.policy }}",
        "escalationPolicyName: ${{ parameters.policy }}\n"
        "        urgency: ${{ parameters.urgency }}",
    )
    finding = only(lint(text, action_inputs), "action-input")
    assert finding.path == "spec.steps[0].input.urgency"
    assert "with parameters.urgency = 'medium'" in finding.message
    assert lint(text.replace(", medium]", "]"), action_inputs).findings == []


def test_a_parameter_of_the_wrong_type_is_found(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace(
        "        policy: {type: string, default: Default}\n",
        "        policy: {type: string, default: Default}\n        team: {type: string}\n",
    ).replace(
        "escalationPolicyName: ${{ parameters.policy }}",
        "escalationPolicyName: ${{ parameters.policy }}\n        teams: ${{ parameters.team }}",
    )
    finding = only(lint(text, action_inputs), "action-input")
    assert "parameters.team is declared as string, but this input must be array" in finding.message


def test_a_required_input_from_an_optional_parameter_warns(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace("      required: [name]\n", "")
    finding = only(lint(text, action_inputs), "optional-parameter")
    assert finding.path == "spec.steps[0].input.name" and finding.severity == "warning"
    assert "requires 'name'" in finding.message
    with_default = text.replace("name: {type: string}", "name: {type: string, default: x}")
    assert lint(with_default, action_inputs).findings == []


# -- where a finding points (#15.8): the bad key or expression itself, line and column --------


def test_an_unknown_filter_points_at_the_filter_not_at_offset_zero(
    action_inputs: dict[str, Any],
) -> None:
    text = GOOD.replace(
        "message: created ${{ steps.pagerduty.output.serviceId }}",
        "message: 'created ${{ steps.pagerduty.output.serviceId | uper }}'",
    )
    finding = only(lint(text, action_inputs), "unknown-filter")
    # line 22: `        message: 'created ${{ steps.pagerduty.output.serviceId | uper }}'`
    assert (finding.path, finding.line, finding.column) == ("spec.steps[1].input.message", 22, 66)
    assert finding.message == (
        "unknown filter 'uper' in `steps.pagerduty.output.serviceId | uper`; did you mean 'upper'?"
    )
    assert finding.text("t.yaml").startswith("t.yaml:22:66: error [unknown-filter] ")


def test_a_reference_in_a_block_scalar_points_at_its_own_line(
    action_inputs: dict[str, Any],
) -> None:
    text = GOOD.replace(
        "message: created ${{ steps.pagerduty.output.serviceId }}",
        "message: |\n          created\n          as ${{ steps.pagerdty.output.serviceId }}",
    )
    finding = only(lint(text, action_inputs), "unknown-step")
    assert (finding.line, finding.column) == (24, 18)  # `steps`, under `as ${{ `
    assert (
        finding.message
        == "steps.pagerdty names no step of this template; did you mean 'pagerduty'?"
    )


def test_a_yaml_error_has_a_column(action_inputs: dict[str, Any]) -> None:
    finding = only(lint("kind: Template\nspec: {steps: [1, 2}\n", action_inputs), "yaml-invalid")
    assert (finding.line, finding.column) == (2, 20)


def test_empty_annotate_annotations_say_what_to_give(action_inputs: dict[str, Any]) -> None:
    text = GOOD.replace(
        "    - id: log\n",
        "    - id: annotate\n"
        "      action: pagerduty:entity:annotate\n"
        "      input:\n"
        "        repoUrl: github.com?owner=a&repo=b\n"
        "        annotations: {}\n"
        "    - id: log\n",
    )
    finding = only(lint(text, action_inputs), "action-input")
    assert (finding.path, finding.line, finding.column) == (
        "spec.steps[1].input.annotations",
        23,
        9,
    )
    assert finding.message == (
        "input for pagerduty:entity:annotate: give at least one of serviceId, integrationKey "
        "(a string), remove: true or other (none is set)"
    )
