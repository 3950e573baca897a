"""``pagerduty-actions template lint|run``: exit codes, progress lines, JSON, the sandbox note."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from pagerduty_actions import cli_template
from pagerduty_actions.cli import main
from pagerduty_actions.registry import Registry

TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: cli-test
spec:
  type: service
  parameters:
    required: [name]
    properties:
      name: {type: string, pattern: '^[a-z-]+$'}
  steps:
    - id: pagerduty
      name: Create
      action: pagerduty:service:create
      input:
        name: ${{ parameters.name }}
        escalationPolicyName: Default
    - id: files
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: ${{ parameters.name }}
          serviceId: ${{ steps.pagerduty.output.serviceId }}
    - id: publish
      action: publish:github
      input:
        repoUrl: github.com?owner=acme&repo=${{ parameters.name }}
  output:
    text:
      - title: Service
        content: created ${{ steps.pagerduty.output.serviceId }}
"""


@pytest.fixture(autouse=True)
def _registry(monkeypatch: pytest.MonkeyPatch, registry: Registry) -> None:
    monkeypatch.setattr(cli_template, "load_registry", lambda: registry)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"dataDir: {tmp_path / 'data'}\n", encoding="utf-8")
    return path


@pytest.fixture
def template(template_dir: Callable[..., Path]) -> Path:
    return template_dir(TEMPLATE, {"skeleton/README.md": "# ${{ values.name }}\n"})


def values(tmp_path: Path, text: str = "name: checkout\n") -> Path:
    path = tmp_path / "values.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_lint_clean_template_exits_zero(template: Path) -> None:
    result = CliRunner().invoke(main, ["template", "lint", str(template)])
    assert result.exit_code == 0, result.output
    assert "OK (0 error(s), 0 warning(s))" in result.output
    assert "publish:github runs only in Backstage" in result.output


def test_lint_errors_exit_one_with_line_numbers(template_dir: Callable[..., Path]) -> None:
    path = template_dir(
        TEMPLATE.replace("parameters.name }}\n        escal", "parameters.nam }}\n        escal")
    )
    result = CliRunner().invoke(main, ["template", "lint", str(path)])
    assert result.exit_code == 1
    assert f"{path}:16:19: error [unknown-parameter] spec.steps[0].input.name" in result.output


def test_lint_json(template_dir: Callable[..., Path]) -> None:
    path = template_dir("kind: Component\n")
    result = CliRunner().invoke(main, ["template", "lint", str(path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["findings"][0]["code"] == "not-a-template"


def test_dry_run_prints_a_progress_line_per_step(
    template: Path, tmp_path: Path, config_file: Path
) -> None:
    out = tmp_path / "out"
    args = ["template", "run", str(template), "--values", str(values(tmp_path)), "--dry-run"]
    args += ["--output", str(out), "--config", str(config_file)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert lines[0].split()[:3] == ["pagerduty", "pagerduty:service:create", "completed"]
    assert lines[1].split()[:3] == ["files", "fetch:template", "completed"]
    assert lines[2].split()[:3] == ["publish", "publish:github", "skipped"]
    assert lines[0].split()[3].endswith("s")
    assert "dry run against the built-in PagerDuty sandbox: nothing was created" in result.output
    assert (out / "README.md").read_text() == "# checkout\n"


def test_without_output_the_workspace_is_under_the_data_dir_and_removed(
    template: Path, tmp_path: Path, config_file: Path
) -> None:
    """So a run killed half-way leaves it where the next start sweeps it (see work_area)."""
    args = ["template", "run", str(template), "--values", str(values(tmp_path)), "--dry-run"]
    result = CliRunner().invoke(main, [*args, "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("workspace "))
    workspace = Path(line.split()[1])
    work = tmp_path / "data" / "work"
    assert workspace.parent.parent == work and workspace.name.startswith("template-run-")
    assert "(temporary, removed" in line and not workspace.exists()
    assert list(work.iterdir()) == []


def test_real_run_stops_at_a_backstage_only_step(
    template: Path, tmp_path: Path, config_file: Path
) -> None:
    args = ["template", "run", str(template), "--values", str(values(tmp_path))]
    args += ["--config", str(config_file), "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["failedStep"] == "publish"
    assert "publish:github runs only in Backstage" in report["error"]
    assert [s["status"] for s in report["steps"]] == ["completed", "completed", "failed"]
    assert report["sandbox"] is True


def test_values_failing_the_parameter_schema(
    template: Path, tmp_path: Path, config_file: Path
) -> None:
    args = ["template", "run", str(template), "--dry-run", "--config", str(config_file)]
    args += ["--values", str(values(tmp_path, "name: Not Valid\n"))]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["error"]["name"] == "InputError"
    assert "$.name" in body["error"]["message"]


def test_output_folder_must_be_empty(template: Path, tmp_path: Path) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "x").write_text("x")
    args = [
        "template",
        "run",
        str(template),
        "--values",
        str(values(tmp_path)),
        "--output",
        str(out),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "is not empty" in result.output


def test_task_id_makes_a_rerun_replay(template: Path, tmp_path: Path, config_file: Path) -> None:
    args = ["template", "run", str(template), "--values", str(values(tmp_path)), "--json"]
    args += ["--config", str(config_file), "--task-id", "ci-42"]
    outputs = []
    for _ in range(2):
        result = CliRunner().invoke(main, args)
        outputs.append(json.loads(result.stdout)["log"])
    created = [e for e in outputs[0] if e["stepId"] == "pagerduty"]
    assert created and created == [e for e in outputs[1] if e["stepId"] == "pagerduty"]


def test_an_output_folder_an_earlier_run_wrote_is_emptied_and_reused(
    template: Path, tmp_path: Path, config_file: Path
) -> None:
    """The README's loop run twice: the second run must not say "is not empty"."""
    out = tmp_path / "out"
    args = ["template", "run", str(template), "--values", str(values(tmp_path)), "--dry-run"]
    args += ["--output", str(out), "--config", str(config_file)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    (out / "stale.txt").write_text("from the first run")
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert sorted(p.name for p in out.iterdir()) == [cli_template.OUTPUT_MARKER, "README.md"]
    listed = second.stdout.split(f"workspace {out}", 1)[1].split()
    assert listed == ["README.md"]  # the marker is not one of the run's files
