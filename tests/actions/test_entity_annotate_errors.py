"""pagerduty:entity:annotate refusals through the HTTP API: each bad input gives a clear error
naming the field and the fix, changes nothing, and no error, log line or pull request ever
holds an integration key or a host token (#10.1)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from action_git_hosts import FAKE_TOKEN, GITHUB_HOST, FakeGitHost, hosted_remote
from flask import Flask
from scm_git_helpers import Remote, make_remote

from pagerduty_actions.sandbox import SandboxServer

ACTION = "pagerduty:entity:annotate"
Call = Callable[..., Any]
KEY = "R0utingKeyDoNotLeakR0utingKey0123"  # distinctive, and not shaped like a hex key
CATALOG = b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\n"


@pytest.fixture
def app(
    make_app: Callable[..., Flask], integrations_config: dict[str, Any], git_hosts: Path
) -> Flask:
    return make_app(integrations=integrations_config)


@pytest.fixture
def sid(call: Call) -> str:
    response = call(
        "pagerduty:service:create", {"name": "payments", "escalationPolicyName": "Default"}
    )
    assert response.status_code == 200, response.json
    return str(response.json["output"]["serviceId"])


def repo_with(remotes_dir: Path, files: dict[str, bytes], **kw: Any) -> Remote:
    return make_remote(remotes_dir, files, name="payments", **kw)


def refused(response: Any, status: int, field: str | None, *words: str) -> str:
    """Assert an error naming ``field`` (a JSON path) and saying ``words``; return its text."""
    assert response.status_code == status, response.json
    error = response.json["error"]
    if field is not None:
        assert field in {d["path"] for d in error.get("details", [])}, error
    for word in words:
        assert word in error["message"], error["message"]
    return str(response.get_data(as_text=True))


def test_missing_file_lists_the_catalog_files_found(
    call: Call, remotes_dir: Path, sid: str
) -> None:
    repo = repo_with(
        remotes_dir, {"catalog-info.yaml": CATALOG, "services/api/catalog-info.yaml": CATALOG}
    )
    response = call(
        ACTION,
        {
            "repoUrl": str(repo.path),
            "catalogPath": "services/catalog-info.yaml",
            "annotations": {"serviceId": sid},
        },
    )
    refused(
        response, 400, "$.catalogPath", "'services/catalog-info.yaml' does not exist",
        "catalog-info.yaml, services/api/catalog-info.yaml",
    )  # fmt: skip
    assert repo.count() == 1


def test_entity_not_found_lists_the_entities_present(
    call: Call, remotes_dir: Path, sid: str
) -> None:
    two = CATALOG + b"---\nkind: API\nmetadata:\n  name: payments-api\n"
    repo = repo_with(remotes_dir, {"catalog-info.yaml": two})
    body = {"repoUrl": str(repo.path), "annotations": {"serviceId": sid}}
    response = call(ACTION, {**body, "entityRef": "component:default/checkout"})
    refused(
        response, 400, "$.entityRef", "no entity 'component:default/checkout'",
        "component:default/payments, api:default/payments-api",
    )  # fmt: skip
    ambiguous = call(ACTION, body)
    refused(ambiguous, 400, "$.entityRef", "several entities", "Pass the full ref")
    assert repo.count() == 1


def test_invalid_yaml_names_line_and_column(call: Call, remotes_dir: Path, sid: str) -> None:
    broken = b"kind: Component\nmetadata:\n  name: [payments\n  owner: x\n"
    repo = repo_with(remotes_dir, {"catalog-info.yaml": broken})
    response = call(ACTION, {"repoUrl": str(repo.path), "annotations": {"serviceId": sid}})
    refused(response, 400, "$.catalogPath", "not valid YAML at line", "column")
    assert repo.count() == 1


@pytest.mark.parametrize("path", ["../outside.yaml", "/etc/passwd", "docs/../../x.yaml", "link"])
def test_paths_leaving_the_repository_are_refused(
    call: Call, remotes_dir: Path, sid: str, path: str
) -> None:
    outside = remotes_dir / "outside.yaml"
    outside.write_bytes(CATALOG)
    repo = repo_with(remotes_dir, {"catalog-info.yaml": CATALOG}, symlinks={"link": outside})
    response = call(
        ACTION,
        {"repoUrl": str(repo.path), "catalogPath": path, "annotations": {"serviceId": sid}},
    )
    refused(response, 400, "$.catalogPath", "catalogPath")
    assert repo.count() == 1 and outside.read_bytes() == CATALOG


def test_hosts_and_roots_not_allowed_are_refused_before_any_request(
    call: Call, tmp_path: Path, sid: str, git_host: FakeGitHost
) -> None:
    for url, words in (
        ("evil.example.com?owner=acme&repo=payments", ("'evil.example.com' is not configured",)),
        ("https://evil.example.com/acme/payments.git", ("integrations.github",)),
        (str(tmp_path / "elsewhere" / "repo.git"), ("not under a configured",)),
    ):
        response = call(ACTION, {"repoUrl": url, "annotations": {"serviceId": sid}})
        refused(response, 400, "$.repoUrl", *words)
    assert git_host.requests == []


def test_host_refusing_the_token_is_reported_as_such(
    call: Call, remotes_dir: Path, sid: str, git_host: FakeGitHost
) -> None:
    repo = hosted_remote(remotes_dir, GITHUB_HOST, "acme/payments", {"catalog-info.yaml": CATALOG})
    git_host.fail_with = (401, {"message": "Bad credentials"})
    response = call(
        ACTION,
        {"repoUrl": "github.com?owner=acme&repo=payments", "annotations": {"serviceId": sid}},
    )
    text = refused(
        response, 502, None, "github.com refused the token of integrations.github[host=github.com]",
        "401: Bad credentials",
    )  # fmt: skip
    assert response.json["error"]["name"] == "UpstreamError"
    assert FAKE_TOKEN not in text
    assert repo.branches() == ["main"]  # looked for an open pull request first: nothing pushed


def test_repository_not_found(call: Call, remotes_dir: Path, sid: str) -> None:
    response = call(
        ACTION,
        {"repoUrl": "github.com?owner=acme&repo=missing", "annotations": {"serviceId": sid}},
    )
    text = refused(response, 400, None, "repository github.com/acme/missing was not found")
    assert str(remotes_dir) not in text and FAKE_TOKEN not in text


def test_unknown_service_id_is_an_input_error(
    call: Call, remotes_dir: Path, pd: SandboxServer
) -> None:
    repo = repo_with(remotes_dir, {"catalog-info.yaml": CATALOG})
    response = call(ACTION, {"repoUrl": str(repo.path), "annotations": {"serviceId": "PNOPE00"}})
    refused(response, 400, "$.annotations.serviceId", "PagerDuty service PNOPE00 does not exist")
    assert repo.count() == 1
    assert pd.state.requests("GET", "/services/PNOPE00")  # asked PagerDuty, which said 404


def test_integration_key_lookups_that_find_nothing(
    call: Call, remotes_dir: Path, pd: SandboxServer
) -> None:
    repo = repo_with(remotes_dir, {"catalog-info.yaml": CATALOG})
    unknown = call(ACTION, {"repoUrl": str(repo.path), "annotations": {"integrationKey": KEY}})
    text = refused(unknown, 400, "$.annotations.integrationKey", "no PagerDuty service")
    assert KEY not in text
    account = pd.state.accounts["default"]
    policy = next(iter(account.escalation_policies))
    bare = account.create_service(
        {"name": "no-integrations", "escalation_policy": {"id": policy}}, unique_names=True
    )
    none = call(
        ACTION,
        {
            "repoUrl": str(repo.path),
            "annotations": {"serviceId": bare["id"], "integrationKey": True},
        },
    )
    refused(none, 400, "$.annotations.integrationKey", "has no Backstage integration")
    assert repo.count() == 1


@pytest.mark.parametrize("bad", [KEY + "-x", KEY[:10], KEY * 3])
def test_malformed_integration_key_is_refused_without_echoing_it(
    call: Call, remotes_dir: Path, sid: str, bad: str
) -> None:
    repo = repo_with(remotes_dir, {"catalog-info.yaml": CATALOG})
    response = call(
        ACTION,
        {"repoUrl": str(repo.path), "annotations": {"serviceId": sid, "integrationKey": bad}},
    )
    text = refused(response, 400, "$.annotations.integrationKey", "20 to 64 letters and digits")
    assert bad not in text and KEY[:10] not in text


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("{% if %}", ["body is not a valid Jinja2 template"]),
        ("{{ " + "1 + " * 15_000 + "1 }}", ["body cannot be rendered", "nests more than 100"]),
        ("{{ x" + " | trim" * 3_000 + " }}", ["body cannot be rendered", "nests more than 100"]),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", ["'macro' tag is not allowed"]),
        ("{{ ''.__class__ }}", ["access to '__class__' is not allowed"]),
        ("{{ 'a' | center(400000000) }}", ["would exceed 1000000 characters"]),
    ],
)
def test_invalid_body_template(
    call: Call, remotes_dir: Path, sid: str, body: str, words: list[str]
) -> None:
    repo = repo_with(remotes_dir, {"catalog-info.yaml": CATALOG})
    response = call(
        ACTION, {"repoUrl": str(repo.path), "annotations": {"serviceId": sid}, "body": body}
    )
    refused(response, 400, "$.body", *words)
    assert repo.count() == 1


def test_the_integration_key_never_leaves_in_logs_errors_or_pull_requests(
    call: Call,
    remotes_dir: Path,
    sid: str,
    git_host: FakeGitHost,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    repo = hosted_remote(remotes_dir, GITHUB_HOST, "acme/payments", {"catalog-info.yaml": CATALOG})
    body = {
        "repoUrl": "github.com?owner=acme&repo=payments",
        "annotations": {"serviceId": sid, "integrationKey": KEY},
    }
    texts = []
    for extra in ({}, {"entityRef": "component:default/nope"}, {"catalogPath": "nope.yaml"}):
        texts.append(call(ACTION, {**body, **extra}).get_data(as_text=True))
        texts.append(call(ACTION, {**body, **extra}, dry_run=True).get_data(as_text=True))
    replaced = {**body, "annotations": {"serviceId": sid, "integrationKey": KEY[::-1]}}
    texts.append(call(ACTION, replaced).get_data(as_text=True))  # the old key leaves the file
    removed = {**body, "annotations": {"remove": True}, "delivery": "commit"}
    repo.push_commit(
        {"catalog-info.yaml": repo.read("catalog-info.yaml", "pagerduty/annotate-payments")}
    )
    texts.append(call(ACTION, removed).get_data(as_text=True))
    texts += [str(r) for r in git_host.requests]
    texts += [r.getMessage() for r in caplog.records]
    assert f"pagerduty.com/integration-key: {KEY[::-1]}".encode() in repo.read(
        "catalog-info.yaml", "pagerduty/annotate-payments"
    )  # asked for: the file holds it
    assert b"pagerduty.com/integration-key" not in repo.read("catalog-info.yaml")
    for text in texts:
        assert KEY not in text and KEY[::-1] not in text and FAKE_TOKEN not in text
    assert any("********" in t for t in texts)


def test_a_different_service_id_in_the_file_is_not_replaced_without_replace(
    call: Call, remotes_dir: Path, sid: str
) -> None:
    """It was silently replaced: a template given the wrong id re-pointed a mapped component."""
    mapped = CATALOG + b"  annotations:\n    pagerduty.com/service-id: PLEGACY\n"
    repo = repo_with(remotes_dir, {"catalog-info.yaml": mapped})
    body = {"repoUrl": str(repo.path), "annotations": {"serviceId": sid}, "delivery": "commit"}
    for dry_run in (True, False):
        response = call(ACTION, body, dry_run=dry_run)
        assert response.status_code == 400, response.json
        assert response.json["error"]["message"] == (
            f"catalog-info.yaml already has pagerduty.com/service-id: PLEGACY; this run would "
            f"replace it with {sid}. Pass replace: true to point the entity at {sid}, or give "
            "the service id already there"
        )
        assert response.json["error"]["details"] == [
            {
                "path": "$.annotations.serviceId",
                "message": "the file has PLEGACY; replace: true replaces it",
            }
        ]
    assert repo.count() == 1 and repo.read("catalog-info.yaml") == mapped

    replaced = call(ACTION, {**body, "replace": True})
    assert replaced.status_code == 200, replaced.json
    assert f"pagerduty.com/service-id: {sid}\n".encode() in repo.read("catalog-info.yaml")
    # The same id again is a no-op with or without replace, as before.
    again = call(ACTION, body)
    assert again.status_code == 200 and again.json["output"]["changed"] is False


def test_a_planned_service_does_not_replace_a_mapped_entity_in_a_dry_run(
    call: Call, remotes_dir: Path
) -> None:
    mapped = CATALOG + b"  annotations:\n    pagerduty.com/service-id: PLEGACY\n"
    repo = repo_with(remotes_dir, {"catalog-info.yaml": mapped})
    body = {"repoUrl": str(repo.path), "annotations": {"serviceId": None}}
    response = call(ACTION, body, dry_run=True)
    refused(response, 400, "$.annotations.serviceId", "replace: true")
    planned = call(ACTION, {**body, "replace": True}, dry_run=True)
    assert planned.status_code == 200, planned.json
    assert (
        '+    pagerduty.com/service-id: "<id of the service to be created>"'
        in (planned.json["output"]["diff"])
    )
