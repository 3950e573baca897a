"""#10.1: integration keys and tokens never reach what we write for people to read.

One app runs create + annotate (pull request and commit) + sync with distinctive fake secrets,
on the happy paths and on failures that tend to echo credentials (a refused PagerDuty token, a
git host answering 401, an unknown integration key). Then everything the process wrote is
scanned: every log line at DEBUG, every response except the action outputs that are meant to
carry a key, /metrics, every database table but the idempotency store (which must replay the
output), the pull-request bodies sent to the host, the bare repositories' git config.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from action_git_hosts import GITHUB_HOST, FakeGitHost, hosted_remote, integrations_for
from flask import Flask

from pagerduty_actions.logging_setup import configure_logging
from pagerduty_actions.sandbox import SandboxServer

PD_TOKEN = "u+PDsecretTOKEN-4f7a9c2e81b3"
GIT_TOKEN = "ghp_GITsecretTOKEN8d2c4b6a1e9f3z"
UNKNOWN_KEY = "feedfacefeedfacefeedfacefeedface"
CATALOG = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n{extra}"
SPEC = "spec:\n  type: service\n  owner: team\n"


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """Every log record of every logger, at DEBUG, through our own formatter."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("json", "DEBUG")
    stream = io.StringIO()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    yield stream
    root.handlers[:], root.level = saved[0], saved[1]


@pytest.fixture
def secret_app(
    make_app: Callable[..., Flask],
    pd: SandboxServer,
    remotes_dir: Path,
    git_hosts: Path,
    tmp_path: Path,
) -> Flask:
    pd.state.add_token(PD_TOKEN, "default")
    section = {"apiToken": PD_TOKEN, "apiBaseUrl": pd.base_url, "eventsBaseUrl": pd.events_url}
    return make_app(
        pagerduty=section,
        integrations=integrations_for(remotes_dir, token=GIT_TOKEN),
        catalog={"files": [str(tmp_path / "catalog" / "*.yaml")]},
        sync={"strategy": "backstage"},
    )


def test_no_key_or_token_in_anything_we_wrote(
    secret_app: Flask,
    pd: SandboxServer,
    git_host: FakeGitHost,
    remotes_dir: Path,
    tmp_path: Path,
    log_text: io.StringIO,
    api_token: str,
) -> None:
    client = secret_app.test_client()
    headers = {"Authorization": f"Bearer {api_token}"}
    readable: list[str] = []  # what must hold no secret

    def call(action: str, body: dict[str, Any], keep_output: bool = False) -> dict[str, Any]:
        response = client.post(f"/v2/actions/{action}", json=body, headers=headers)
        data = dict(response.json)
        shown = {k: v for k, v in data.items() if k != "output" or not keep_output}
        readable.append(repr(shown))
        return data

    created = call(
        "pagerduty:service:create",
        {
            "name": "secret-scan-api",
            "escalationPolicyName": "Default",
            "integrations": [{"type": "events_api_v2"}],
        },
        keep_output=True,  # the output is where a key is meant to be (Backstage keeps it)
    )
    keys = [created["output"]["integrationKey"]] + [
        i["integrationKey"] for i in created["output"].get("integrations", [])
    ]
    assert all(len(k) == 32 for k in keys), created
    service_id = created["output"]["serviceId"]

    component = CATALOG.format(name="api", extra="") + SPEC
    for repo in ("acme/api2", "acme/api3"):
        hosted_remote(remotes_dir, GITHUB_HOST, repo, {"catalog-info.yaml": component.encode()})
    pr = call(
        "pagerduty:entity:annotate",
        {
            "repoUrl": "github.com?owner=acme&repo=api2",
            "annotations": {"serviceId": service_id, "integrationKey": True},
        },
    )
    assert pr.get("output", {}).get("pullRequestUrl"), pr
    local = hosted_remote(
        remotes_dir, "local", "team/web", {"catalog-info.yaml": component.encode()}
    )
    commit = call(
        "pagerduty:entity:annotate",
        {
            "repoUrl": local.url,
            "annotations": {"integrationKey": keys[0]},
            "delivery": "commit",
        },
    )
    assert commit.get("output", {}).get("changed") is True, commit
    assert keys[0].encode() in local.read("catalog-info.yaml")  # asked for, so written

    # Failures that tend to echo credentials.
    call(
        "pagerduty:entity:annotate",
        {"repoUrl": local.url, "annotations": {"integrationKey": UNKNOWN_KEY}},
    )
    git_host.fail_with = (401, {"message": f"Bad credentials for {GIT_TOKEN}"})
    failed_pr = call(
        "pagerduty:entity:annotate",
        {"repoUrl": "github.com?owner=acme&repo=api3", "annotations": {"serviceId": service_id}},
    )
    assert "Bad credentials for [REDACTED]" in failed_pr["error"]["message"]  # host's words
    git_host.fail_with = None

    # Sync: one entity mapped by integration key only, so keys flow through the run.
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "api.yaml").write_text(
        CATALOG.format(
            name="api", extra=f"  annotations:\n    pagerduty.com/integration-key: {keys[0]}\n"
        )
        + SPEC
        + "  dependsOn: [component:db]\n"
    )
    other = call(
        "pagerduty:service:create",
        {"name": "secret-scan-db", "escalationPolicyName": "Default"},
        keep_output=True,
    )
    (catalog / "db.yaml").write_text(
        CATALOG.format(
            name="db",
            extra=f"  annotations:\n    pagerduty.com/service-id: {other['output']['serviceId']}\n",
        )
        + SPEC
    )
    synced = call("pagerduty:dependencies:sync", {})
    assert synced["output"]["counts"]["applied"] == 1, synced

    pd.state.fail_next(1, 401, "POST", "/services")  # PagerDuty refuses the token once
    refused = call(
        "pagerduty:service:create", {"name": "refused", "escalationPolicyName": "Default"}
    )
    assert "error" in refused, refused
    readable.append(client.get("/metrics").get_data(as_text=True))
    readable.append(log_text.getvalue())
    readable.extend(repr(r) for r in git_host.requests)
    readable.extend(p.read_text() for p in remotes_dir.rglob("config") if p.is_file())
    readable.extend(_tables(secret_app))

    haystack = "\n".join(readable)
    assert len(log_text.getvalue()) > 1000, (
        "the log capture caught nothing: the scan would be empty"
    )
    for secret in [PD_TOKEN, GIT_TOKEN, api_token, UNKNOWN_KEY, *keys]:
        assert secret not in haystack, f"a secret ({secret[:6]}...) reached what we wrote"


def _tables(app: Flask) -> list[str]:
    """Every row of every table except the idempotency store, as text."""
    db = app.extensions["pagerduty_actions"].services.db
    rows: list[str] = []
    with db.engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            if table in ("idempotency_records", "alembic_version"):
                continue
            rows.extend(
                repr(tuple(r))
                for r in conn.execute(sa.Table(table, sa.MetaData(), autoload_with=conn).select())
            )
    assert rows, "no database rows: the audit log should hold the runs"
    return rows


def test_an_error_body_never_echoes_a_key_the_caller_sent(call: Callable[..., Any]) -> None:
    """Validation messages quote the offending value; a key put in the wrong field is one."""
    response = call(
        "pagerduty:service:create",
        {"name": "x", "escalationPolicyName": "Default", "alertGrouping": UNKNOWN_KEY},
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "alertGrouping" in body and "[REDACTED]" in body
    assert UNKNOWN_KEY not in body
