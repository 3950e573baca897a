"""``POST /v2/dry-run`` (Backstage's dry-run shapes) and ``POST /v2/lint`` over the real app."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from ruamel.yaml import YAML

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import validate_config
from pagerduty_actions.paths import data_dir
from pagerduty_actions.registry import Registry
from pagerduty_actions.server import create_app

TOKEN = "templates-api-test-token-0123456789"
SHIPPED = data_dir("templates") / "pagerduty-service"


@pytest.fixture
def client(tmp_path: Path, registry: Registry) -> Iterator[FlaskClient]:
    config = validate_config(
        {
            "dataDir": str(tmp_path / "data"),
            "auth": {"tokens": [{"name": "backstage", "token": TOKEN}]},
        }
    )
    services = build_services(config)
    app = create_app(config, services=services, registry=registry)
    yield app.test_client()
    services.close()


def post(client: FlaskClient, path: str, body: Any, token: str | None = TOKEN) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(path, json=body, headers=headers)


def shipped_request() -> dict[str, Any]:
    yaml = YAML(typ="safe", pure=True)
    files = [
        {
            "path": path.relative_to(SHIPPED).as_posix(),
            "base64Content": base64.b64encode(path.read_bytes()).decode(),
        }
        for path in sorted(SHIPPED.rglob("*"))
        if path.is_file()
    ]
    return {
        "template": yaml.load((SHIPPED / "template.yaml").read_text()),
        "values": yaml.load((SHIPPED / "values.example.yaml").read_text()),
        "secrets": {},
        "directoryContents": files,
    }


def test_dry_run_returns_backstages_shape_for_the_shipped_template(client: FlaskClient) -> None:
    response = post(client, "/v2/dry-run", shipped_request())
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) >= {"directoryContents", "log", "output", "steps"}
    assert "error" not in body and body["sandbox"] is True
    files = {f["path"]: f for f in body["directoryContents"]}
    catalog = base64.b64decode(files["catalog-info.yaml"]["base64Content"]).decode()
    assert "name: checkout-api" in catalog and files["catalog-info.yaml"]["executable"] is False
    assert [(s["id"], s["status"]) for s in body["steps"]] == [
        ("pagerduty", "completed"),
        ("fetch", "completed"),
        ("publish", "skipped"),
        ("register", "skipped"),
    ]
    assert all(set(entry) == {"body"} for entry in body["log"])
    assert body["output"]["links"][0]["title"] == "PagerDuty service"


def test_dry_run_accepts_yaml_text(client: FlaskClient) -> None:
    request = shipped_request()
    request["template"] = (SHIPPED / "template.yaml").read_text()
    assert post(client, "/v2/dry-run", request).status_code == 200


def test_dry_run_names_a_failed_step(client: FlaskClient) -> None:
    request = shipped_request()
    request["values"]["escalationPolicyName"] = "No Such Policy"
    body = post(client, "/v2/dry-run", request).json
    assert body["error"]["stepId"] == "pagerduty"
    assert "No Such Policy" in body["error"]["message"]
    assert [s["status"] for s in body["steps"]] == ["failed", "not-run", "not-run", "not-run"]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"values": {"name": "Bad Name!"}}, "do not match the template's parameters"),
        ({"directoryContents": [{"path": "../x", "base64Content": ""}]}, "outside its folder"),
        ({"directoryContents": [{"path": "a", "base64Content": "!!"}]}, "not valid base64"),
        ({"template": "kind: [unclosed"}, "not valid YAML"),
        ({"template": 3}, "template must be"),
    ],
)
def test_bad_requests_are_400(client: FlaskClient, change: dict[str, Any], needle: str) -> None:
    request = {**shipped_request(), **change}
    response = post(client, "/v2/dry-run", request)
    assert response.status_code == 400
    assert needle in response.json["error"]["message"]


def entry(path: str) -> dict[str, str]:
    return {"path": path, "base64Content": base64.b64encode(b"x").decode()}


@pytest.mark.parametrize("route", ["/v2/lint", "/v2/dry-run"])
@pytest.mark.parametrize(
    ("contents", "index", "needle"),
    [
        ([entry(".")], 0, "the path '.' names a folder; each entry is one file"),
        ([entry("")], 0, "the path '' names a folder"),
        ([entry("./")], 0, "the path './' names a folder"),
        ([entry("a/..")], 0, "the path 'a/..' names a folder"),
        ([entry("skeleton/")], 0, "the path 'skeleton/' names a folder"),
        ([entry("a"), entry("a/b")], 1, "'a/b' clashes with another entry"),
        ([entry("a/b"), entry("a")], 1, "'a' clashes with another entry"),
    ],
)
def test_directory_entries_that_are_not_files_are_400_naming_the_entry(
    client: FlaskClient, route: str, contents: list[dict[str, str]], index: int, needle: str
) -> None:
    request = {**shipped_request(), "directoryContents": contents}
    response = post(client, route, request)
    assert response.status_code == 400, response.json
    error = response.json["error"]
    assert error["message"].startswith(f"directoryContents[{index}]: ")
    assert needle in error["message"]
    assert error["details"][0]["path"] == f"$.directoryContents[{index}].path"


DEEP_EXPRESSIONS = {
    "20,000 terms": "${{ " + "1 + " * 20_000 + "1 }}",
    "3,000 chained filters": "${{ parameters.name" + " | trim" * 3_000 + " }}",
    "500 nested lists": "${{ " + "[" * 500 + "]" * 500 + " }}",
}


@pytest.mark.parametrize("expression", list(DEEP_EXPRESSIONS.values()), ids=list(DEEP_EXPRESSIONS))
def test_expressions_nested_too_deep_are_refused_naming_the_field(
    client: FlaskClient, expression: str
) -> None:
    """They used to end in a RecursionError inside Jinja2: a 500."""
    template = {
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "deep"},
        "spec": {
            "type": "service",
            "parameters": [{"properties": {"name": {"type": "string"}}}],
            "steps": [
                {
                    "id": "log",
                    "name": "Log",
                    "action": "debug:log",
                    "input": {"message": expression},
                }
            ],
        },
    }
    where, problem = "spec.steps[0].input.message", "nests more than 100 levels deep"
    dry = post(client, "/v2/dry-run", {"template": template, "values": {"name": "x"}})
    assert dry.status_code == 400, dry.json
    assert where in dry.json["error"]["message"] and problem in dry.json["error"]["message"]
    assert "split it" in dry.json["error"]["message"]
    lint = post(client, "/v2/lint", {"template": template})
    assert lint.status_code == 200 and lint.json["ok"] is False
    finding = next(f for f in lint.json["findings"] if f["path"] == where)
    assert finding["code"] == "unsafe-expression" and problem in finding["message"]


def test_dry_run_needs_a_token(client: FlaskClient) -> None:
    assert post(client, "/v2/dry-run", shipped_request(), token=None).status_code == 401


def test_lint_reports_findings_with_lines(client: FlaskClient) -> None:
    text = (SHIPPED / "template.yaml").read_text().replace("steps.pagerduty.", "steps.pagerdty.", 1)
    body = post(client, "/v2/lint", {"template": text}).json
    assert body["ok"] is False
    finding = next(f for f in body["findings"] if f["code"] == "unknown-step")
    assert (
        finding["line"]
        == text.splitlines().index(
            next(line for line in text.splitlines() if "steps.pagerdty." in line)
        )
        + 1
    )


def test_lint_of_the_shipped_template_is_clean(client: FlaskClient) -> None:
    request = shipped_request()
    del request["values"], request["secrets"]
    body = post(client, "/v2/lint", request).json
    assert body["ok"] is True and body["errors"] == 0 and body["warnings"] == 0


def test_openapi_documents_both_routes(client: FlaskClient) -> None:
    document = client.get("/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}).json
    assert document["paths"]["/v2/dry-run"]["post"]["operationId"] == "dryRunTemplate"
    assert document["paths"]["/v2/lint"]["post"]["operationId"] == "lintTemplate"
