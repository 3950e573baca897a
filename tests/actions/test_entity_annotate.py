"""pagerduty:entity:annotate through the HTTP API: real git remotes (bare repositories), the
hosts' pull-request APIs under respx (exact requests), PagerDuty played by the sandbox.

Bad input and secret handling are in test_entity_annotate_errors.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from action_git_hosts import GITHUB_HOST, GITLAB_HOST, FakeGitHost, hosted_remote
from flask import Flask
from scm_git_helpers import Remote, make_remote

from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer

ACTION = "pagerduty:entity:annotate"
Call = Callable[..., Any]

CATALOG = (
    b"# payments: owned by the platform team\n"
    b"apiVersion: backstage.io/v1alpha1\n"
    b"kind: Component\n"
    b"metadata:\n"
    b"  name: payments\n"
    b"  annotations:\n"
    b"    github.com/project-slug: acme/payments  # keep me\n"
    b"spec:\n"
    b"  type: service\n"
    b"  owner: platform\n"
)
ANCHOR = b"    github.com/project-slug: acme/payments  # keep me\n"


def with_lines(*lines: str) -> bytes:
    """CATALOG with annotation lines added after the existing one."""
    added = "".join(f"    {line}\n" for line in lines).encode()
    return CATALOG.replace(ANCHOR, ANCHOR + added)


@pytest.fixture
def app(
    make_app: Callable[..., Flask], integrations_config: dict[str, Any], git_hosts: Path
) -> Flask:
    return make_app(integrations=integrations_config)


def create_service(call: Call, name: str = "payments") -> dict[str, Any]:
    """A PagerDuty service with its Backstage integration, made by our own create action."""
    response = call("pagerduty:service:create", {"name": name, "escalationPolicyName": "Default"})
    assert response.status_code == 200, response.json
    return dict(response.json["output"])


@pytest.fixture
def service(call: Call) -> dict[str, Any]:
    return create_service(call)


@pytest.fixture
def local(remotes_dir: Path) -> Remote:
    return make_remote(remotes_dir, {"catalog-info.yaml": CATALOG}, name="payments")


@pytest.fixture
def github(remotes_dir: Path) -> Remote:
    return hosted_remote(remotes_dir, GITHUB_HOST, "acme/payments", {"catalog-info.yaml": CATALOG})


def commit(repo: Remote, annotations: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"repoUrl": str(repo.path), "annotations": annotations, "delivery": "commit", **extra}


# -- commit delivery ---------------------------------------------------------------------------


def test_commit_writes_only_the_service_id_by_default(
    call: Call, local: Remote, service: dict[str, Any]
) -> None:
    sid = service["serviceId"]
    response = call(ACTION, commit(local, {"serviceId": sid}))
    assert response.status_code == 200, response.json
    out = response.json["output"]
    assert local.read("catalog-info.yaml") == with_lines(f"pagerduty.com/service-id: {sid}")
    assert local.count() == 2 and out["commitSha"] == local.tip()
    assert local.changed_files(out["commitSha"]) == ["catalog-info.yaml"]
    assert local.log()[0] == (
        "pagerduty-actions <pagerduty-actions@noreply.invalid>|Connect payments to PagerDuty"
    )
    assert out["changed"] is True and out["branch"] == "main"
    assert out["pullRequestUrl"] is None and out["pullRequestNumber"] is None
    assert out["entityRef"] == "component:default/payments"
    assert out["annotations"] == {"pagerduty.com/service-id": sid}
    assert f"+    pagerduty.com/service-id: {sid}\n" in out["diff"]
    assert service["integrationKey"] not in response.get_data(as_text=True)
    assert response.json["log"] == [
        {
            "level": "info",
            "message": f"committed {out['commitSha']} to main for component:default/payments",
        }
    ]


def test_commit_to_a_named_branch_with_message_and_author(
    call: Call, local: Remote, service: dict[str, Any]
) -> None:
    local.push_commit({"r.txt": b"r"}, branch="release")
    body = commit(
        local,
        {"serviceId": service["serviceId"]},
        branch="release",
        commitMessage="chore: PagerDuty",
        author={"name": "Jane", "email": "jane@example.invalid"},
    )
    assert call(ACTION, body).status_code == 200
    assert local.log("release")[0] == "Jane <jane@example.invalid>|chore: PagerDuty"
    assert local.read("catalog-info.yaml") == CATALOG  # main untouched


def test_unchanged_rerun_makes_no_commit_and_no_pull_request(
    call: Call, github: Remote, service: dict[str, Any], git_host: FakeGitHost
) -> None:
    body = {
        "repoUrl": "github.com?owner=acme&repo=payments",
        "annotations": {"serviceId": service["serviceId"]},
    }
    assert call(ACTION, {**body, "delivery": "commit"}).status_code == 200
    tip = github.tip()
    for delivery in ("commit", "pull-request"):
        again = call(ACTION, {**body, "delivery": delivery})
        assert again.status_code == 200, again.json
        out = again.json["output"]
        assert (out["changed"], out["commitSha"], out["diff"]) == (False, None, "")
        assert out["pullRequestUrl"] is None
        assert again.json["log"][0]["message"] == (
            "component:default/payments already has these annotations: nothing to commit"
        )
    assert github.tip() == tip and github.branches() == ["main"]
    assert git_host.requests == []


def test_same_idempotency_key_replays_without_a_second_commit(
    call: Call, local: Remote, service: dict[str, Any]
) -> None:
    body = commit(local, {"serviceId": service["serviceId"]})
    first = call(ACTION, body, key="annotate-1")
    local.push_commit({"catalog-info.yaml": CATALOG}, message="someone reverted it")
    second = call(ACTION, body, key="annotate-1")
    assert second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json == first.json
    assert local.count() == 3 and local.read("catalog-info.yaml") == CATALOG
    other = call(ACTION, {**body, "commitMessage": "different"}, key="annotate-1")
    assert other.status_code == 409


def test_dry_run_returns_the_diff_and_changes_nothing(
    call: Call, github: Remote, service: dict[str, Any], git_host: FakeGitHost
) -> None:
    body = {
        "repoUrl": "github.com?owner=acme&repo=payments",
        "annotations": {"serviceId": service["serviceId"]},
    }
    response = call(ACTION, body, dry_run=True)
    assert response.status_code == 200, response.json
    out = response.json["output"]
    assert response.json["dryRun"] is True
    assert out["changed"] is True and out["commitSha"] is None
    assert out["branch"] == "pagerduty/annotate-payments"
    assert out["pullRequestUrl"] is None
    assert f"+    pagerduty.com/service-id: {service['serviceId']}" in out["diff"]
    assert github.count() == 1 and github.branches() == ["main"]
    assert [r[0] for r in git_host.requests] == ["GET"]  # looked for an open one, no write
    assert response.json["log"][0]["message"] == (
        "dry run: component:default/payments would change (pull-request); nothing pushed"
    )


# -- pull requests -----------------------------------------------------------------------------


def test_github_pull_request_exact_requests_then_updated_not_duplicated(
    call: Call, github: Remote, git_host: FakeGitHost
) -> None:
    first_service = create_service(call, "payments")
    body = {
        "repoUrl": "github.com?owner=acme&repo=payments",
        "annotations": {"serviceId": first_service["serviceId"]},
    }
    response = call(ACTION, body)
    assert response.status_code == 200, response.json
    out = response.json["output"]
    head = "pagerduty/annotate-payments"
    assert out["branch"] == head and out["pullRequestNumber"] == 1
    assert out["pullRequestUrl"] == "https://github.com/acme/payments/pull/1"
    assert out["commitSha"] == github.tip(head)
    assert github.read("catalog-info.yaml") == CATALOG  # the base branch is untouched
    assert github.read("catalog-info.yaml", head) == with_lines(
        f"pagerduty.com/service-id: {first_service['serviceId']}"
    )
    get, post = git_host.requests
    assert get == (
        "GET",
        "/repos/acme/payments/pulls",
        {"head": f"acme:{head}", "base": "main", "state": "open"},
        None,
    )
    assert post[:2] == ("POST", "/repos/acme/payments/pulls")
    sent = post[3]
    assert sent["title"] == "Connect payments to PagerDuty"
    assert (sent["head"], sent["base"], sent["draft"]) == (head, "main", False)
    assert f"`pagerduty.com/service-id`: `{first_service['serviceId']}`" in sent["body"]
    assert first_service["serviceUrl"] in sent["body"]
    assert response.json["log"][0]["message"] == (
        "pull request for component:default/payments: https://github.com/acme/payments/pull/1"
    )

    second_service = create_service(call, "payments-v2")
    git_host.requests.clear()
    again = call(  # the open pull request names the first service: re-pointing it is a replace
        ACTION,
        {
            **body,
            "annotations": {"serviceId": second_service["serviceId"]},
            "draft": True,
            "replace": True,
        },
    )
    assert again.status_code == 200, again.json
    assert again.json["output"]["pullRequestNumber"] == 1
    assert [r[:2] for r in git_host.requests] == [
        ("GET", "/repos/acme/payments/pulls"),
        ("PATCH", "/repos/acme/payments/pulls/1"),
    ]
    assert second_service["serviceId"] in git_host.requests[1][3]["body"]
    assert len(git_host.pulls) == 1
    assert github.read("catalog-info.yaml", head) == with_lines(
        f"pagerduty.com/service-id: {second_service['serviceId']}"
    )


def test_gitlab_merge_request_exact_requests_then_updated(
    call: Call, remotes_dir: Path, service: dict[str, Any], git_host: FakeGitHost
) -> None:
    repo = hosted_remote(remotes_dir, GITLAB_HOST, "group/sub/svc", {"catalog-info.yaml": CATALOG})
    body = {
        "repoUrl": f"{GITLAB_HOST}?owner=group/sub&repo=svc",
        "entityRef": "component:default/payments",
        "annotations": {"serviceId": service["serviceId"]},
        "title": "PagerDuty for payments",
        "draft": True,
    }
    response = call(ACTION, body)
    assert response.status_code == 200, response.json
    out = response.json["output"]
    head = "pagerduty/annotate-payments"  # the normalised ref, not the spelling
    assert out["branch"] == head and out["pullRequestNumber"] == 1
    assert out["pullRequestUrl"] == f"https://{GITLAB_HOST}/group/sub/svc/-/merge_requests/1"
    mrs = "/api/v4/projects/group%2Fsub%2Fsvc/merge_requests"
    (get, post) = git_host.requests
    assert get == (
        "GET",
        mrs.replace("%2F", "/"),  # httpx's decoded path
        {"source_branch": head, "target_branch": "main", "state": "opened"},
        None,
    )
    assert post[0] == "POST"
    assert post[3]["title"] == "Draft: PagerDuty for payments"
    assert (post[3]["source_branch"], post[3]["target_branch"]) == (head, "main")
    assert service["serviceId"] in post[3]["description"]
    assert repo.read("catalog-info.yaml", head) == with_lines(
        f"pagerduty.com/service-id: {service['serviceId']}"
    )

    git_host.requests.clear()
    again = call(ACTION, {**body, "title": "PagerDuty for payments, again"})
    assert again.status_code == 200, again.json
    assert [r[0] for r in git_host.requests] == ["GET", "PUT"]
    assert git_host.requests[1][3]["title"] == "Draft: PagerDuty for payments, again"
    assert len(git_host.pulls) == 1


def test_local_pull_request_pushes_our_branch_only(
    call: Call, local: Remote, service: dict[str, Any]
) -> None:
    body = {"repoUrl": local.path.as_uri(), "annotations": {"serviceId": service["serviceId"]}}
    response = call(ACTION, body)
    assert response.status_code == 200, response.json
    out = response.json["output"]
    assert out["pullRequestUrl"] is None and out["branch"] == "pagerduty/annotate-payments"
    assert local.branches() == ["main", "pagerduty/annotate-payments"]
    assert local.read("catalog-info.yaml") == CATALOG


# -- what gets written -------------------------------------------------------------------------


def test_integration_key_true_looks_the_key_up(
    call: Call, local: Remote, service: dict[str, Any], pd: SandboxServer
) -> None:
    sid, key = service["serviceId"], service["integrationKey"]
    before = len(pd.state.requests())
    response = call(ACTION, commit(local, {"serviceId": sid, "integrationKey": True}))
    assert response.status_code == 200, response.json
    reads = [(e.path, e.query) for e in pd.state.requests()[before:]]
    assert (f"/services/{sid}", {"include[]": ["integrations"]}) in reads
    assert local.read("catalog-info.yaml") == with_lines(
        f"pagerduty.com/service-id: {sid}", f"pagerduty.com/integration-key: {key}"
    )
    out = response.json["output"]
    assert out["annotations"]["pagerduty.com/integration-key"] == "********"
    assert "+    pagerduty.com/integration-key: ********" in out["diff"]
    assert key not in response.get_data(as_text=True)


def test_service_id_alone_never_reads_integrations(
    call: Call, local: Remote, service: dict[str, Any], pd: SandboxServer
) -> None:
    before = len(pd.state.requests())
    assert call(ACTION, commit(local, {"serviceId": service["serviceId"]})).status_code == 200
    reads = [(e.method, e.path, e.query) for e in pd.state.requests()[before:]]
    assert reads == [("GET", f"/services/{service['serviceId']}", {})]


def test_integration_key_given_looks_the_service_up(
    call: Call, github: Remote, service: dict[str, Any], git_host: FakeGitHost
) -> None:
    sid, key = service["serviceId"], service["integrationKey"]
    body = {
        "repoUrl": f"https://{GITHUB_HOST}/acme/payments",
        "annotations": {"integrationKey": key},
    }
    response = call(ACTION, body)
    assert response.status_code == 200, response.json
    head = "pagerduty/annotate-payments"
    assert github.read("catalog-info.yaml", head) == with_lines(
        f"pagerduty.com/service-id: {sid}", f"pagerduty.com/integration-key: {key}"
    )
    assert response.json["output"]["annotations"] == {
        "pagerduty.com/service-id": sid,
        "pagerduty.com/integration-key": "********",
    }
    assert key not in response.get_data(as_text=True)
    pr_body = git_host.requests[-1][3]["body"]
    assert "`pagerduty.com/integration-key`: `********`" in pr_body and key not in pr_body


def test_non_default_account_is_written(
    make_app: Callable[..., Flask],
    integrations_config: dict[str, Any],
    pd: SandboxServer,
    local: Remote,
) -> None:
    ops = pd.state.add_account("ops", "ops")
    pd.state.add_token("ops-token-0123456789", "ops")
    policy = ops.add_escalation_policy("Ops")
    sid = ops.create_service(
        {"name": "payments", "escalation_policy": {"id": policy["id"]}}, unique_names=True
    )["id"]
    app = make_app(
        pagerduty={
            "accounts": [
                {
                    "id": "main",
                    "apiToken": DEFAULT_TOKEN,
                    "apiBaseUrl": pd.base_url,
                    "isDefault": True,
                },
                {"id": "ops", "apiToken": "ops-token-0123456789", "apiBaseUrl": pd.base_url},
            ]
        },
        integrations=integrations_config,
    )
    client = app.test_client()
    headers = {"Authorization": "Bearer actions-test-token-0123456789"}
    response = client.post(
        f"/v2/actions/{ACTION}",
        json={**commit(local, {"serviceId": sid}), "account": "ops"},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    assert local.read("catalog-info.yaml") == with_lines(
        f"pagerduty.com/service-id: {sid}", "pagerduty.com/account: ops"
    )


def test_remove_unmaps_every_pagerduty_annotation_and_nothing_else(
    call: Call, remotes_dir: Path
) -> None:
    mapped = with_lines(
        "pagerduty.com/service-id: PABC123",
        "pagerduty.com/integration-key: 0123456789abcdef0123456789abcdef",
        "backstage.io/techdocs-ref: dir:.",
        "pagerduty.com/account: ops",
    )
    repo = make_remote(remotes_dir, {"catalog-info.yaml": mapped}, name="legacy")
    response = call(ACTION, commit(repo, {"remove": True}))
    assert response.status_code == 200, response.json
    assert repo.read("catalog-info.yaml") == with_lines("backstage.io/techdocs-ref: dir:.")
    out = response.json["output"]
    assert out["annotations"] == {}
    assert "-    pagerduty.com/integration-key: ********\n" in out["diff"]
    assert "0123456789abcdef0123456789abcdef" not in response.get_data(as_text=True)
    again = call(ACTION, commit(repo, {"remove": True}))
    assert again.json["output"]["changed"] is False and repo.count() == 2


def test_other_annotations_and_a_custom_body(
    call: Call, github: Remote, service: dict[str, Any], git_host: FakeGitHost
) -> None:
    body = {
        "repoUrl": "github.com?owner=acme&repo=payments",
        "annotations": {
            "serviceId": service["serviceId"],
            "other": {"pagerduty.com/escalation-policy": "Default"},
        },
        "body": "{{ entityRef }}: {% for k, v in annotations.items() %}{{ k }}={{ v }} "
        "{% endfor %}",
    }
    response = call(ACTION, body)
    assert response.status_code == 200, response.json
    sent = git_host.requests[-1][3]["body"]
    assert sent == (
        f"the component in catalog-info.yaml: pagerduty.com/service-id={service['serviceId']} "
        "pagerduty.com/escalation-policy=Default "
    )
    assert github.read("catalog-info.yaml", "pagerduty/annotate-payments") == with_lines(
        f"pagerduty.com/service-id: {service['serviceId']}",
        "pagerduty.com/escalation-policy: Default",
    )


def test_null_service_id_from_a_planned_step(call: Call, local: Remote) -> None:
    """A template's dry run passes the create step's serviceId, which is null there."""
    body = commit(local, {"serviceId": None})
    dry = call(ACTION, body, dry_run=True)
    assert dry.status_code == 200, dry.json
    out = dry.json["output"]
    assert '+    pagerduty.com/service-id: "<id of the service to be created>"' in out["diff"]
    assert out["warnings"] and "serviceId is null" in out["warnings"][0]
    real = call(ACTION, body)
    assert real.status_code == 400
    assert real.json["error"]["details"][0]["path"] == "$.annotations.serviceId"
    assert local.count() == 1


def test_output_links_the_service(call: Call, local: Remote, service: dict[str, Any]) -> None:
    response = call(ACTION, commit(local, {"serviceId": service["serviceId"]}))
    assert response.json["output"]["serviceUrl"] == service["serviceUrl"]


def test_the_checkout_is_made_under_the_data_dir_and_removed(
    app: Flask, call: Call, local: Remote, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under ``<dataDir>/work/<this process>/``, where a start sweeps what a killed process
    left (see work_area), not in the system temp dir."""
    from pagerduty_actions.scm import Workspace

    checkouts: list[Path] = []
    original = Workspace.open

    def recording_open(self: Workspace) -> None:
        original(self)
        checkouts.append(self.root)

    monkeypatch.setattr(Workspace, "open", recording_open)
    response = call(ACTION, commit(local, {"other": {"pagerduty.com/team": "payments"}}))
    assert response.status_code == 200, response.json
    work = app.extensions["pagerduty_actions"].services.work
    assert work is not None and len(checkouts) == 1
    assert checkouts[0].is_relative_to(work.folder) and not checkouts[0].exists()
    assert list(work.folder.iterdir()) == []
