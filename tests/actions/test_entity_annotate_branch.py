"""pagerduty:entity:annotate's branch and default title come from the normalised entity ref,
so every spelling of one entity reaches the same pull request (a re-run updates it) instead of
opening one per spelling. Real git remotes, GitHub under respx, PagerDuty the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from action_git_hosts import GITHUB_HOST, FakeGitHost, hosted_remote
from flask import Flask
from scm_git_helpers import make_remote

ACTION = "pagerduty:entity:annotate"
Call = Callable[..., Any]
COMPONENT = b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout-api\n"
API = b"---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: orders\n"
TEAM = b"---\nkind: Component\nmetadata:\n  name: ledger\n  namespace: Finance\n"


@pytest.fixture
def app(
    make_app: Callable[..., Flask], integrations_config: dict[str, Any], git_hosts: Path
) -> Flask:
    return make_app(integrations=integrations_config)


def create_service(call: Call, name: str) -> str:
    response = call("pagerduty:service:create", {"name": name, "escalationPolicyName": "Default"})
    assert response.status_code == 200, response.json
    return str(response.json["output"]["serviceId"])


def test_two_spellings_of_one_entity_share_one_branch_and_pull_request(
    call: Call, remotes_dir: Path, git_host: FakeGitHost
) -> None:
    repo = hosted_remote(remotes_dir, GITHUB_HOST, "acme/shop", {"catalog-info.yaml": COMPONENT})
    first, second = create_service(call, "checkout"), create_service(call, "checkout-v2")
    base = {"repoUrl": f"{GITHUB_HOST}?owner=acme&repo=shop"}
    opened = call(
        ACTION, {**base, "entityRef": "checkout-api", "annotations": {"serviceId": first}}
    )
    assert opened.status_code == 200, opened.json
    head = "pagerduty/annotate-checkout-api"
    assert opened.json["output"]["branch"] == head
    assert git_host.requests[-1][3]["title"] == "Connect checkout-api to PagerDuty"

    git_host.requests.clear()
    again = call(
        ACTION,
        {
            **base,
            "entityRef": "Component:default/Checkout-API",
            "annotations": {"serviceId": second},
            "replace": True,  # the open pull request's branch already names the first service
        },
    )
    assert again.status_code == 200, again.json
    out = again.json["output"]
    assert (out["branch"], out["pullRequestNumber"]) == (head, 1)
    assert [r[:2] for r in git_host.requests] == [
        ("GET", "/repos/acme/shop/pulls"),
        ("PATCH", "/repos/acme/shop/pulls/1"),  # updated, not a second pull request
    ]
    assert git_host.requests[1][3]["title"] == "Connect checkout-api to PagerDuty"
    assert len(git_host.pulls) == 1
    assert repo.branches() == ["main", head]
    assert f"pagerduty.com/service-id: {second}".encode() in repo.read("catalog-info.yaml", head)


@pytest.mark.parametrize(
    ("spellings", "branch", "title"),
    [
        (
            ["api:orders", "API:default/orders", "api:Default/Orders"],
            "pagerduty/annotate-api-default-orders",
            "Connect api:default/orders to PagerDuty",
        ),
        (
            ["Finance/ledger", "component:finance/ledger", "Component:FINANCE/Ledger"],
            "pagerduty/annotate-component-finance-ledger",
            "Connect component:finance/ledger to PagerDuty",
        ),
    ],
)
def test_other_kinds_and_namespaces_keep_kind_and_namespace_in_the_branch(
    call: Call, remotes_dir: Path, spellings: list[str], branch: str, title: str
) -> None:
    repo = make_remote(remotes_dir, {"catalog-info.yaml": COMPONENT + API + TEAM}, name="shop")
    sid = create_service(call, "orders")
    for ref in spellings:
        body = {"repoUrl": str(repo.path), "entityRef": ref, "annotations": {"serviceId": sid}}
        response = call(ACTION, body)
        assert response.status_code == 200, (ref, response.json)
        assert response.json["output"]["branch"] == branch, ref
    assert repo.branches() == ["main", branch]
    # A local repository gets no pull request; the title is the branch's commit message.
    assert repo.log(branch, fmt="%s")[0] == title


def test_without_entity_ref_the_repository_name_names_the_branch(
    call: Call, remotes_dir: Path
) -> None:
    repo = make_remote(remotes_dir, {"catalog-info.yaml": COMPONENT}, name="Shop-Service")
    body = {"repoUrl": str(repo.path), "annotations": {"serviceId": None}}
    response = call(ACTION, body, dry_run=True)
    assert response.status_code == 200, response.json
    assert response.json["output"]["branch"] == "pagerduty/annotate-shop-service"


def test_an_invalid_entity_ref_is_refused_before_cloning(call: Call, remotes_dir: Path) -> None:
    repo = make_remote(remotes_dir, {"catalog-info.yaml": COMPONENT}, name="shop")
    body = {"repoUrl": str(repo.path), "entityRef": "component:default/", "annotations": {}}
    response = call(ACTION, {**body, "annotations": {"serviceId": None}}, dry_run=True)
    assert response.status_code == 400, response.json
    error = response.json["error"]
    assert "$.entityRef" in {d["path"] for d in error["details"]}
    assert "name is empty" in error["message"]
    assert repo.branches() == ["main"] and repo.count() == 1
