"""What the end-to-end run checks for each shipped template (``templates/*/template.yaml``).

Every shipped template runs through the real Backstage with its ``values.example.yaml``; this
table says how it reaches us (``proxy`` through ``http:backstage:request``, or ``native``
through our module), which PagerDuty call to break for the failure run, and what must be true
afterwards. A template without an entry fails the run with a message saying to add one here.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from e2e_api import Sandbox, TaskResult

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


@dataclass(frozen=True)
class Run:
    """One finished run of a template, with what the checks need."""

    template: str
    values: dict[str, Any]
    task: TaskResult
    sandbox: Sandbox


@dataclass(frozen=True)
class TemplateCase:
    path: Literal["proxy", "native"]
    check: Callable[[Run], None]
    # The PagerDuty call the failure run breaks (method, path template of the sandbox).
    fault: tuple[str, str] = ("POST", "/services")
    # Values of the failure run from the example's (default: the name gets "-fault").
    fault_values: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Set up what a run needs (a bare git remote, a catalog entity...) in a fresh directory
    # and return the values to run with; default: values.example.yaml as it is.
    prepare: Callable[[dict[str, Any], Path], dict[str, Any]] | None = None

    def values_for_run(self, example: dict[str, Any], workdir: Path) -> dict[str, Any]:
        return self.prepare(example, workdir) if self.prepare else dict(example)

    def values_for_fault(self, example: dict[str, Any], workdir: Path) -> dict[str, Any]:
        values = self.values_for_run(example, workdir)
        if self.fault_values:
            return self.fault_values(values)
        return {**values, "name": f"{values['name']}-fault"} if "name" in values else values


def _grouping_word(values: dict[str, Any]) -> str | None:
    word = values.get("alertGrouping")
    return None if word in (None, "none") else str(word)


def check_service_template(run: Run) -> None:
    """The service exists once, with the example's grouping, and the output links to it."""
    services = run.sandbox.services_named(run.values["name"])
    assert len(services) == 1, f"expected one service {run.values['name']!r}, got {services}"
    service = services[0]
    policy = run.sandbox.escalation_policy_id(run.values["escalationPolicyName"])
    assert service["escalation_policy"] == policy
    assert [i["vendor"] for i in service["integrations"]][:1] == ["PRO19CT"]
    groupings = run.sandbox.grouping_of(service["id"])
    expected = _grouping_word(run.values)
    assert [g["type"] for g in groupings] == ([expected] if expected else [])
    links = {link["title"]: link.get("url") for link in run.task.output.get("links", [])}
    assert links["PagerDuty service"].endswith(f"/service-directory/{service['id']}")
    text = " ".join(t["content"] for t in run.task.output.get("text", []))
    assert service["id"] in text
    if expected:
        assert expected in text
    # The integration key is a secret: unless asked for, it is in no task output.
    key = service["integrations"][0]["integration_key"]
    if not run.values.get("writeIntegrationKey"):
        assert key not in str(run.task.output)
    assert key not in run.task.log(), "the integration key leaked into the task log"


ONBOARD_BRANCH = "pagerduty/annotate-checkout-api"  # the normalised ref, however spelled


def _git(*args: str) -> str:
    command = ["git", "-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def prepare_onboard(example: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """A bare remote seeded from the template's test-remote/ (the server's integrations.local
    root holds every test's directory), as the repository the run annotates."""
    bare, work = workdir / "onboard-remote.git", workdir / "onboard-seed"
    if not bare.exists():
        shutil.copytree(TEMPLATES_DIR / "pagerduty-onboard" / "test-remote", work)
        _git("init", "-q", "--bare", "-b", "main", str(bare))
        _git("init", "-q", "-b", "main", str(work))
        _git("-C", str(work), "add", "-A")
        _git("-C", str(work), "commit", "-q", "-m", "seed")
        _git("-C", str(work), "push", "-q", str(bare), "main")
    return {**example, "repoUrl": bare.as_uri()}


def check_onboard_template(run: Run) -> None:
    """One new service, and the component's catalog-info.yaml on our branch carries its id
    (and not the integration key, not asked for); the output links to the service."""
    [service] = run.sandbox.services_named(run.values["serviceName"])
    bare = Path(run.values["repoUrl"].removeprefix("file://"))
    text = _git("-C", str(bare), "show", f"{ONBOARD_BRANCH}:catalog-info.yaml")
    assert f"    pagerduty.com/service-id: {service['id']}\n" in text, text
    assert "integration-key" not in text
    assert "pagerduty.com" not in _git("-C", str(bare), "show", "main:catalog-info.yaml")
    # A local repository gets a branch and no pull request: its link has a null url.
    urls = [
        link.get("url")
        for link in run.task.output.get("links", [])
        if link["title"] == "PagerDuty service" and link.get("url")
    ]
    assert len(urls) == 1 and urls[0].endswith(f"/service-directory/{service['id']}"), urls
    key = service["integrations"][0]["integration_key"]
    assert key not in str(run.task.output) and key not in run.task.log()


CASES: dict[str, TemplateCase] = {
    "pagerduty-service": TemplateCase(path="proxy", check=check_service_template),
    "pagerduty-service-native": TemplateCase(path="native", check=check_service_template),
    "pagerduty-onboard": TemplateCase(
        path="native",
        check=check_onboard_template,
        prepare=prepare_onboard,
        fault_values=lambda v: {**v, "serviceName": f"{v['serviceName']}-fault"},
    ),
}


def shipped_templates() -> list[str]:
    return sorted(p.parent.name for p in TEMPLATES_DIR.glob("*/template.yaml"))


def case_for(template: str) -> TemplateCase:
    case = CASES.get(template)
    assert case is not None, (
        f"templates/{template} has no end-to-end check: add a TemplateCase for it to "
        f"CASES in {Path(__file__).name}"
    )
    return case
