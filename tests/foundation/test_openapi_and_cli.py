"""/openapi.json validates as OpenAPI 3.1; the CLI runs actions like HTTP does."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from werkzeug.exceptions import HTTPException

from pagerduty_actions.cli import main

Auth = Callable[..., dict[str, str]]
FIXTURES = Path(__file__).parent / "fixtures"


def test_openapi_is_valid_3_1_and_documents_each_action(client: FlaskClient, auth: Auth) -> None:
    document = client.get("/openapi.json", headers=auth()).json
    validate(document)
    assert document["openapi"] == "3.1.0"
    run = document["paths"]["/v2/actions/test:echo"]["post"]
    schema_ref = run["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = schema_ref.rsplit("/", 1)[1]
    input_schema = document["components"]["schemas"][name]
    assert input_schema["required"] == ["message"]
    tag_ref = input_schema["properties"]["tags"]["items"]["$ref"]
    assert tag_ref.rsplit("/", 1)[1] in document["components"]["schemas"]


def test_cli_lists_the_project_actions() -> None:
    result = CliRunner().invoke(main, ["actions", "list", "--json"])
    assert result.exit_code == 0
    assert isinstance(json.loads(result.output), list)


def test_cli_export_writes_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "actions.json"
    result = CliRunner().invoke(main, ["actions", "export", "-o", str(out)])
    assert result.exit_code == 0
    exported = json.loads(out.read_text())
    assert set(exported) == {"version", "actions"}


def test_cli_run_validates_like_http(tmp_path: Path) -> None:
    (tmp_path / "in.yaml").write_text("name: 42\n")
    config = tmp_path / "c.yaml"
    config.write_text(f"dataDir: '{tmp_path}'\n")
    result = CliRunner().invoke(
        main,
        [
            "actions",
            "run",
            "no:such",
            "--input",
            str(tmp_path / "in.yaml"),
            "--config",
            str(config),
        ],
    )
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["error"]["name"] == "NotFoundError"
    assert body["response"]["statusCode"] == 404


def test_cli_run_reports_unreadable_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["actions", "run", "x", "--input", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_every_v2_route_of_the_app_is_in_the_document(
    app: Flask, client: FlaskClient, auth: Auth
) -> None:
    """Generic over ``app.url_map``: a route added without documenting it fails here. Each
    documented path is routed like a request (``{param}`` is a path segment like any other),
    so parameter names may differ between Flask and the document."""
    document = client.get("/openapi.json", headers=auth()).json
    validate(document)
    adapter = app.url_map.bind("localhost")
    documented: set[tuple[str, str]] = set()
    for path, item in document["paths"].items():
        for method in set(item) & {"get", "put", "post", "delete", "patch"}:
            try:
                rule, _ = adapter.match(path, method.upper(), return_rule=True)
            except HTTPException as exc:  # a documented path the app does not serve
                raise AssertionError(f"{method.upper()} {path} is not a route: {exc}") from None
            documented.add((rule.rule, method.upper()))
    served = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/v2/", "/api/pagerduty/"))
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert len(served) >= 12  # actions, templates, sync, settings, mappings
    assert served - documented == set()
    for path in ("/v2/dry-run", "/v2/lint", "/v2/sync", "/v2/mappings/{entityRef}"):
        assert path in document["paths"]
