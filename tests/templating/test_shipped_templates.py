"""Every shipped template lints clean, dry-runs, and runs for real against the sandbox.

Picked up generically: any ``templates/<name>/template.yaml`` with ``values.example.yaml``
beside it. A template that needs a git repository writes ``${BARE_GIT_REMOTE}`` in its
example values; the test replaces it with the URL of a bare repository on disk, made as
``template run`` makes it (templating/example_remote: seeded from ``templates/<name>/test-remote/``
when that folder exists). So the shipped templates cannot rot.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pagerduty_actions.paths import data_dir
from pagerduty_actions.registry import Registry
from pagerduty_actions.server import create_app
from pagerduty_actions.services import Services
from pagerduty_actions.templating import example_remote
from pagerduty_actions.templating.lint import lint_file
from pagerduty_actions.templating.preflight import action_schemas
from pagerduty_actions.templating.runner import TemplateRunner
from pagerduty_actions.templating.template import load_template

TEMPLATES = sorted(data_dir("templates").glob("*/template.yaml"))


def test_there_are_shipped_templates() -> None:
    assert any(path.parent.name == "pagerduty-service" for path in TEMPLATES)
    for path in TEMPLATES:
        assert (path.parent / "values.example.yaml").is_file(), path


def example_values(template: Path, tmp_path: Path) -> dict[str, Any]:
    values: dict[str, Any] = YAML(typ="safe", pure=True).load(
        (template.parent / "values.example.yaml").read_text(encoding="utf-8")
    )
    if not example_remote.uses_placeholder(values):
        return values
    remote = example_remote.ensure_remote(template.parent, "remote", tmp_path)
    return dict(example_remote.substitute(values, remote.as_uri()))


@pytest.mark.parametrize("template", TEMPLATES, ids=[p.parent.name for p in TEMPLATES])
def test_lints_clean(template: Path, registry: Registry) -> None:
    report = lint_file(template, action_schemas(registry))
    assert report.errors == [] and report.warnings == [], report.as_dict()


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "sandbox-run"])
@pytest.mark.parametrize("template", TEMPLATES, ids=[p.parent.name for p in TEMPLATES])
def test_runs(
    template: Path,
    dry_run: bool,
    registry: Registry,
    sandbox_services: Services,
    tmp_path: Path,
) -> None:
    runner = TemplateRunner(registry, sandbox_services)
    report = runner.run(
        load_template(template),
        example_values(template, tmp_path),
        workspace=tmp_path / "workspace",
        dry_run=dry_run,
    )
    assert report.ok, report.as_dict()
    assert report.sandbox is True
    assert report.steps and all(s.status in ("completed", "skipped") for s in report.steps)
    assert any(s.status == "completed" for s in report.steps)
    assert report.output, "a shipped template should tell its user what it made"


@pytest.mark.parametrize("template", TEMPLATES, ids=[p.parent.name for p in TEMPLATES])
def test_http_dry_run_answers_in_backstages_shape(
    template: Path, registry: Registry, sandbox_services: Services, tmp_path: Path
) -> None:
    """``POST /v2/dry-run`` with the request Backstage's template editor sends."""
    token = "shipped-dry-run-token-0123456789"
    config = sandbox_services.config.with_overrides(
        auth={"tokens": [{"name": "editor", "token": token}]}
    )
    app = create_app(config, services=sandbox_services, registry=registry)
    files = [
        {
            "path": path.relative_to(template.parent).as_posix(),
            "base64Content": base64.b64encode(path.read_bytes()).decode(),
        }
        for path in sorted(template.parent.rglob("*"))
        if path.is_file() and "test-remote" not in path.parts
    ]
    request = {
        "template": YAML(typ="safe", pure=True).load(template.read_text(encoding="utf-8")),
        "values": example_values(template, tmp_path),
        "secrets": {},
        "directoryContents": files,
    }
    response = app.test_client().post(
        "/v2/dry-run", json=request, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) >= {"directoryContents", "log", "output", "steps"} and "error" not in body
    assert all(set(entry) == {"body"} for entry in body["log"])
    assert all(s["status"] in ("completed", "skipped") for s in body["steps"]), body["steps"]
    assert body["output"], "a shipped template should tell its user what it would make"


def test_onboarding_an_existing_service_creates_none_and_annotates_the_component(
    registry: Registry, sandbox_services: Services, tmp_path: Path
) -> None:
    """The other branch of pagerduty-onboard: a service id is given, so no service is made."""
    template = data_dir("templates") / "pagerduty-onboard" / "template.yaml"
    assert sandbox_services.sandbox is not None
    account = sandbox_services.sandbox.state.accounts["default"]
    policy = next(iter(account.escalation_policies))
    existing = account.create_service(
        {"name": "legacy-checkout", "escalation_policy": {"id": policy}}, unique_names=True
    )
    before = len(account.services)
    values = {**example_values(template, tmp_path), "serviceId": existing["id"]}
    report = TemplateRunner(registry, sandbox_services).run(
        load_template(template), values, workspace=tmp_path / "workspace"
    )
    assert report.ok, report.as_dict()
    statuses = {s.id: s.status for s in report.steps}
    assert statuses == {"pagerduty": "skipped", "annotate": "completed"}
    assert len(account.services) == before  # nothing created
    annotate = next(s for s in report.steps if s.id == "annotate")
    branch = annotate.output["branch"]
    catalog = subprocess.run(
        ["git", "-C", str(tmp_path / "remote.git"), "show", f"{branch}:catalog-info.yaml"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert f"pagerduty.com/service-id: {existing['id']}" in catalog
    assert "pagerduty.com/integration-key" not in catalog  # a secret: only when asked
    assert catalog.startswith("# The component an onboarding run annotates")  # comment kept
    links = {link["title"]: link["url"] for link in report.output["links"]}
    assert links["PagerDuty service"].endswith(f"/service-directory/{existing['id']}")
    assert links["Pull request"] is None  # a local repository: the branch, no pull request
