"""Honest reports: what a run made is listed as real or sandbox, and a sandbox service id is
not pushed to a hosted git repository unless ``--allow-real-git`` says so.

PagerDuty is the built-in sandbox (no credentials). Git is real: local bare repositories, and
``https://github.com/...`` rewritten by git's own ``insteadOf`` to bare repositories on disk,
with GitHub's pull-request API answered by ``FakeGitHost`` under respx (tests/actions).
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "scm"))
sys.path.insert(0, str(Path(__file__).parents[1] / "actions"))

from action_git_hosts import FakeGitHost, hosted_remote, insteadof_env, integrations_for
from scm_git_helpers import Remote, make_remote

from pagerduty_actions import cli_template
from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.cli import main
from pagerduty_actions.config import validate_config
from pagerduty_actions.registry import Registry
from pagerduty_actions.services import Services
from pagerduty_actions.templating.run_effects import effects_of
from pagerduty_actions.templating.run_report import RunReport
from pagerduty_actions.templating.runner import TemplateRunner
from pagerduty_actions.templating.template import parse_template

CATALOG = (
    b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout-api\n"
    b"spec:\n  type: service\n"
)
TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: effects-test
spec:
  type: service
  parameters:
    properties:
      repoUrl: {type: string}
      delivery: {type: string, default: pull-request}
    required: [repoUrl]
  steps:
    - id: pagerduty
      action: pagerduty:service:create
      input:
        name: checkout-api
        escalationPolicyName: Default
        ifExists: reuse
    - id: annotate
      action: pagerduty:entity:annotate
      input:
        repoUrl: ${{ parameters.repoUrl }}
        delivery: ${{ parameters.delivery }}
        annotations:
          serviceId: ${{ steps.pagerduty.output.serviceId }}
"""
GITHUB_REPO = "github.com?owner=acme&repo=checkout-api"


@pytest.fixture(autouse=True)
def _registry(monkeypatch: pytest.MonkeyPatch, registry: Registry) -> None:
    monkeypatch.setattr(cli_template, "load_registry", lambda: registry)


@pytest.fixture
def remotes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Local repositories and the stand-ins of github.com ones (git's insteadOf)."""
    path = tmp_path / "remotes"
    path.mkdir()
    for name, value in insteadof_env(path).items():
        monkeypatch.setenv(name, value)
    return path


@pytest.fixture
def github(remotes: Path) -> Remote:
    return hosted_remote(remotes, "github.com", "acme/checkout-api", {"catalog-info.yaml": CATALOG})


@pytest.fixture
def git_host() -> Iterator[FakeGitHost]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()  # the sandbox
        yield FakeGitHost(router)


@pytest.fixture
def services(tmp_path: Path, remotes: Path) -> Iterator[Services]:
    """No PagerDuty credentials (the sandbox), GitHub with a token, local repositories."""
    config = validate_config(
        {"dataDir": str(tmp_path / "data"), "integrations": integrations_for(remotes)}
    )
    built = build_services(config)
    yield built
    built.close()


def run(
    registry: Registry, services: Services, tmp_path: Path, values: dict[str, Any], **kw: Any
) -> RunReport:
    runner = TemplateRunner(registry, services, allow_real_git=kw.pop("allow_real_git", False))
    document = parse_template(TEMPLATE, base_dir=tmp_path)
    return runner.run(document, values, workspace=tmp_path / "ws", **kw)


def test_a_commit_to_a_local_repository_is_reported_real_and_the_service_sandbox(
    registry: Registry, services: Services, tmp_path: Path, remotes: Path
) -> None:
    local = make_remote(remotes, {"catalog-info.yaml": CATALOG}, name="checkout")
    values = {"repoUrl": local.url, "delivery": "commit"}
    report = run(registry, services, tmp_path, values)
    assert report.ok, report.as_dict()
    service, commit = report.effects
    assert (service.what, service.sandbox, service.step_id) == (
        "PagerDuty service",
        True,
        "pagerduty",
    )
    assert service.id and service.url and service.url.endswith(service.id)
    assert (commit.what, commit.sandbox, commit.local) == ("commit", False, True)
    assert commit.id == local.tip() and commit.branch == "main"
    assert commit.repository == str(local.path)
    assert commit.note == f"names sandbox service {service.id}"
    lines = report.summary_lines()
    assert "nothing real was created" not in "\n".join(lines)
    assert lines[0].startswith("sandbox: no PagerDuty credentials configured; PagerDuty objects")
    assert any(line.split()[:3] == ["real", "commit", local.tip()] for line in lines)
    data = report.as_dict()
    assert data["madeRealChanges"] is True
    assert [e["sandbox"] for e in data["effects"]] == [True, False]


def test_a_sandbox_service_id_is_not_pushed_to_github_without_allow_real_git(
    registry: Registry,
    services: Services,
    tmp_path: Path,
    github: Remote,
    git_host: FakeGitHost,
) -> None:
    report = run(registry, services, tmp_path, {"repoUrl": GITHUB_REPO})
    assert not report.ok and report.failed_step == "annotate"
    assert report.error is not None
    assert "--allow-real-git" in report.error
    assert "github.com/acme/checkout-api" in report.error and "Nothing was pushed" in report.error
    assert github.branches() == ["main"] and git_host.requests == []  # nothing reached GitHub
    assert [(e.what, e.sandbox) for e in report.effects] == [("PagerDuty service", True)]
    assert "nothing real was created" in report.summary_lines()[0]


def test_allow_real_git_pushes_and_reports_the_real_pull_request(
    registry: Registry,
    services: Services,
    tmp_path: Path,
    github: Remote,
    git_host: FakeGitHost,
) -> None:
    report = run(registry, services, tmp_path, {"repoUrl": GITHUB_REPO}, allow_real_git=True)
    assert report.ok, report.as_dict()
    service, commit, pull = report.effects
    assert service.sandbox is True
    assert (commit.what, commit.sandbox, commit.local) == ("commit", False, False)
    assert commit.repository == "github.com/acme/checkout-api"
    assert commit.id == github.tip("pagerduty/annotate-checkout-api")
    assert (pull.what, pull.sandbox) == ("pull request", False)
    assert pull.url == "https://github.com/acme/checkout-api/pull/1"
    assert pull.note == f"names sandbox service {service.id}"
    assert any(line.split()[:3] == ["real", "pull", "request"] for line in report.summary_lines())


def test_removing_annotations_or_a_dry_run_needs_no_flag(
    registry: Registry,
    services: Services,
    tmp_path: Path,
    github: Remote,
    git_host: FakeGitHost,
) -> None:
    """Only a sandbox id is refused: a dry run pushes nothing, and a removal names no service."""
    dry = run(registry, services, tmp_path, {"repoUrl": GITHUB_REPO}, dry_run=True)
    assert dry.ok, dry.as_dict()
    assert dry.effects == [] and github.branches() == ["main"]
    assert dry.summary_lines() == [
        "dry run against the built-in PagerDuty sandbox: nothing was created, changed or pushed"
    ]
    head = TEMPLATE.split("  steps:\n")[0] + "  steps:\n"
    document = parse_template(head + textwrap.indent(REMOVE_STEP, "    "), base_dir=tmp_path)
    report = TemplateRunner(registry, services).run(
        document, {"repoUrl": GITHUB_REPO}, workspace=tmp_path / "ws-remove"
    )
    # Nothing to remove, so nothing pushed; what matters is that it was not refused.
    assert report.ok, report.as_dict()
    assert [(s.id, s.status) for s in report.steps] == [("unmap", "completed")]


REMOVE_STEP = """\
- id: unmap
  action: pagerduty:entity:annotate
  input:
    repoUrl: ${{ parameters.repoUrl }}
    annotations: {remove: true}
"""


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def cli_files(tmp_path: Path, remotes: Path) -> tuple[Path, Path]:
    template = tmp_path / "template" / "template.yaml"
    template.parent.mkdir()
    template.write_text(TEMPLATE, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(
        json.dumps({"dataDir": str(tmp_path / "data"), "integrations": integrations_for(remotes)}),
        encoding="utf-8",
    )
    return template, config


def invoke(template: Path, config: Path, values: str, *extra: str) -> Any:
    values_file = template.parent / "values.yaml"
    values_file.write_text(values, encoding="utf-8")
    args = ["template", "run", str(template), "--values", str(values_file)]
    return CliRunner().invoke(main, [*args, "--config", str(config), *extra])


def test_the_cli_refuses_then_delivers_with_allow_real_git(
    cli_files: tuple[Path, Path], github: Remote, git_host: FakeGitHost
) -> None:
    template, config = cli_files
    refused = invoke(template, config, f"repoUrl: '{GITHUB_REPO}'\n")
    assert refused.exit_code == 1
    assert "pass --allow-real-git to push it anyway" in refused.stdout
    assert "sandbox  PagerDuty service" in refused.stdout
    assert github.branches() == ["main"]

    delivered = invoke(template, config, f"repoUrl: '{GITHUB_REPO}'\n", "--allow-real-git")
    assert delivered.exit_code == 0, delivered.output
    assert "nothing real was created" not in delivered.stdout
    assert "real     pull request https://github.com/acme/checkout-api/pull/1" in delivered.stdout
    assert github.branches() == ["main", "pagerduty/annotate-checkout-api"]


def test_the_cli_json_report_lists_effects_with_the_example_remote(
    cli_files: tuple[Path, Path], tmp_path: Path
) -> None:
    """``${BARE_GIT_REMOTE}``: a repository of the CLI's own, allowed for the run only."""
    template, config = cli_files
    (template.parent / "test-remote").mkdir()
    (template.parent / "test-remote" / "catalog-info.yaml").write_bytes(CATALOG)
    result = invoke(template, config, "repoUrl: ${BARE_GIT_REMOTE}\ndelivery: commit\n", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    remote = tmp_path / "data" / "example-remotes" / "effects-test.git"
    assert f"${{BARE_GIT_REMOTE}} is {remote}" in result.stderr
    assert report["madeRealChanges"] is True
    service, commit = report["effects"]
    assert service["sandbox"] is True and service["what"] == "PagerDuty service"
    assert commit["what"] == "commit" and commit["sandbox"] is False and commit["local"] is True
    assert commit["repository"] == str(remote) and commit["branch"] == "main"
    assert f"names sandbox service {service['id']}" == commit["note"]


def test_a_sync_reports_its_dependency_writes_as_sandbox_and_its_deliveries_as_real() -> None:
    """The sync's report shape (sync/ledger.py): PagerDuty changes, then commits and pull
    requests per repository, and catalog files edited in place."""
    output = {
        "applied": [
            {"side": "pagerduty", "kind": "add", "dependent": "P1", "supporting": "P2"},
            {"side": "backstage", "entityRef": "component:default/a"},
        ],
        "deliveries": [
            {"repository": "github.com/acme/a", "changed": True, "branch": "pagerduty/sync",
             "commitSha": "c0ffee", "pullRequestUrl": "https://github.com/acme/a/pull/7"},
            {"repository": "github.com/acme/b", "changed": False, "commitSha": None},
            {"target": "/srv/catalog/b.yaml", "mode": "in-place", "changed": True},
        ],
    }  # fmt: skip
    effects = effects_of(
        "pagerduty:dependencies:sync", {}, output, step_id="sync", sandbox=True, integrations={}
    )
    assert [(e.what, e.sandbox) for e in effects] == [
        ("1 PagerDuty dependency change(s)", True),
        ("commit", False),
        ("pull request", False),
        ("catalog file edited", False),
    ]
    assert effects[1].id == "c0ffee" and effects[1].repository == "github.com/acme/a"
    assert effects[2].url == "https://github.com/acme/a/pull/7"
    assert effects[3].repository == "/srv/catalog/b.yaml" and effects[3].local is True
