"""Every example in every action manifest runs against the sandbox, for real and as a dry run,
so the documentation a template author copies cannot drift from what works.

Examples are written for real installations (github.com repositories, ids from earlier steps),
so an action whose examples need more than the sandbox registers a setup in :data:`SETUPS`: it
prepares what the examples name (services, bare repositories behind the github.com URLs) and
returns the outputs of the earlier steps that ``${{ steps.<id>.output.<key> }}`` refers to.
Every example runs with ``integrations`` configured, ``https://github.com/...`` cloning from
bare repositories (``git_hosts``) and GitHub's pull-request API served by respx (``git_host``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from action_git_hosts import GITHUB_HOST, FakeGitHost, hosted_remote
from flask import Flask

from pagerduty_actions.pagerduty.resources.integrations import BACKSTAGE_VENDOR_ID
from pagerduty_actions.registry import Registry
from pagerduty_actions.sandbox import SandboxServer

EXAMPLES = [
    pytest.param(spec.id, step["input"], id=f"{spec.id}-{n}")
    for spec in Registry.load().specs()
    for n, example in enumerate(spec.examples)
    for step in example["steps"]
    if step["action"] == spec.id
]
_STEP_OUTPUT = re.compile(r"^\$\{\{\s*steps\.([\w-]+)\.output\.([\w-]+)\s*\}\}$")
_SECRET = re.compile(r"^\$\{\{\s*secrets\.([\w-]+)\s*\}\}$")


@dataclass
class ExampleWorld:
    """What a setup may use: the sandbox, where bare repositories go, the fake git host."""

    pd: SandboxServer
    remotes_dir: Path
    git_host: FakeGitHost
    catalog_dir: Path  # the examples app's catalog.files glob is <catalog_dir>/*.yaml

    def service(self, name: str, service_id: str | None = None) -> str:
        """A service with a Backstage integration in the default account; its id."""
        account = self.pd.state.accounts["default"]
        policy = next(iter(account.escalation_policies))
        fields = {"name": name, "escalation_policy": {"id": policy}, "id": service_id}
        service = account.create_service(fields, unique_names=True, seeded=bool(service_id))
        account.create_integration(
            service["id"], {"vendor": {"id": BACKSTAGE_VENDOR_ID}}, self.pd.state.vendors
        )
        return str(service["id"])

    def github_repo(self, full_name: str, files: dict[str, bytes]) -> None:
        """A bare repository behind ``https://github.com/<full_name>``."""
        hosted_remote(self.remotes_dir, GITHUB_HOST, full_name, files)


Setup = Callable[[ExampleWorld], dict[str, dict[str, Any]]]


def _component(name: str, annotations: str = "") -> bytes:
    extra = f"  annotations:\n{annotations}" if annotations else ""
    return (
        f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n"
        f"{extra}spec:\n  type: service\n  owner: platform\n"
    ).encode()


def _annotate(world: ExampleWorld) -> dict[str, dict[str, Any]]:
    world.github_repo("acme/checkout-api", {"catalog-info.yaml": _component("checkout-api")})
    platform = _component("payments") + b"---\n" + _component("ledger")
    world.github_repo("acme/platform", {"services/catalog-info.yaml": platform})
    mapped = "    pagerduty.com/service-id: PLEGACY\n    pagerduty.com/account: ops\n"
    world.github_repo("acme/legacy-api", {"catalog-info.yaml": _component("legacy", mapped)})
    moved = _component("orders-api", "    pagerduty.com/service-id: PLEGACY\n")
    world.github_repo("acme/orders-api", {"catalog-info.yaml": moved})
    world.service("payments", "PABC123")
    return {"pagerduty": {"serviceId": world.service("checkout-api")}}


def _sync(world: ExampleWorld) -> dict[str, dict[str, Any]]:
    """checkout-api depends on payments in the catalog files; PagerDuty has neither edge."""
    world.service("payments", "PPAYMNT")
    checkout = world.service("checkout-api")
    world.catalog_dir.mkdir(parents=True, exist_ok=True)
    (world.catalog_dir / "payments.yaml").write_bytes(
        _component("payments", "    pagerduty.com/service-id: PPAYMNT\n")
    )
    (world.catalog_dir / "checkout-api.yaml").write_bytes(
        _component("checkout-api", f"    pagerduty.com/service-id: {checkout}\n")
        + b"  dependsOn: [component:payments]\n"
    )
    return {}


def _trigger(world: ExampleWorld) -> dict[str, dict[str, Any]]:
    """A service with a Backstage integration; its id, and its key as a template secret."""
    checkout = world.service("checkout-api")
    account = world.pd.state.accounts["default"]
    key = next(i for i in account.integrations.values() if i["service_id"] == checkout)
    return {
        "pagerduty": {"serviceId": checkout},
        "secrets": {"pagerdutyIntegrationKey": key["integration_key"]},
    }


SETUPS: dict[str, Setup] = {
    "pagerduty:entity:annotate": _annotate,
    "pagerduty:dependencies:sync": _sync,
    "pagerduty:incident:trigger": _trigger,
}


def _render(value: Any, outputs: dict[str, dict[str, Any]]) -> Any:
    """The input with each ``${{ steps.X.output.Y }}`` replaced by the setup's outputs."""
    if isinstance(value, dict):
        return {k: _render(v, outputs) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, outputs) for v in value]
    secret = _SECRET.match(value) if isinstance(value, str) else None
    if secret is not None:  # a template's ${{ secrets.X }}: the setup's "secrets" outputs
        value = "${{ steps.secrets.output." + secret.group(1) + " }}"
    match = _STEP_OUTPUT.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    step, key = match.groups()
    if key not in outputs.get(step, {}):
        pytest.fail(f"{value}: no output {step}.{key}; add it to the action's setup in SETUPS")
    return outputs[step][key]


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    return tmp_path / "example-catalog"


@pytest.fixture
def app(
    make_app: Callable[..., Flask],
    integrations_config: dict[str, Any],
    git_hosts: Path,
    catalog_dir: Path,
) -> Flask:
    return make_app(
        integrations=integrations_config,
        catalog={"files": [str(catalog_dir / "*.yaml")]},  # for pagerduty:dependencies:sync
        sync={"strategy": "backstage"},
    )


@pytest.mark.parametrize(("action", "payload"), EXAMPLES)
def test_example_runs(
    call: Callable[..., Any],
    pd: SandboxServer,
    remotes_dir: Path,
    git_host: FakeGitHost,
    catalog_dir: Path,
    action: str,
    payload: dict[str, Any],
) -> None:
    setup = SETUPS.get(action)
    outputs = setup(ExampleWorld(pd, remotes_dir, git_host, catalog_dir)) if setup else {}
    payload = _render(payload, outputs)
    dry = call(action, payload, dry_run=True)
    assert dry.status_code == 200, dry.json
    assert dry.json["dryRun"] is True
    real = call(action, payload)
    assert real.status_code == 200, real.json
    assert real.json["dryRun"] is False


def test_every_action_has_examples() -> None:
    for spec in Registry.load().specs():
        assert spec.examples, f"{spec.id} has no examples"
