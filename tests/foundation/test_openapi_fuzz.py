"""The OpenAPI fuzzer (schemathesis) finds no server error and no answer outside the document.

Every operation of the app's own ``/openapi.json`` gets generated requests, valid ones and
invalid ones, sent to the real app in-process (WSGI) over SQLite and then PostgreSQL, with the
built-in PagerDuty sandbox behind it and a catalog of files, so actions, the sync, templates,
settings and mappings run their real code. The budget is fixed and the generation
derandomized, so each run sends the same requests: ``POSITIVE`` plus ``NEGATIVE`` examples per
operation and database (about 3,600 in all, under a minute), each operation under a pytest
timeout. What fuzzing found once is pinned by the regression tests at the end.

Checks, and why the others are off:

- on: ``not_a_server_error`` (no 5xx), ``response_schema_conformance`` (each body matches
  its documented schema), ``status_code_conformance`` (each status is documented),
  ``content_type_conformance`` (each answer has its documented media type).
- off: ``positive_data_acceptance`` — the API validates more than JSON Schema can say (an
  entity ref's grammar, a template's content, a repository URL against ``integrations``), so a
  schema-valid request answered 400 with the reason is right, not a failure;
  ``negative_data_rejection`` — invalid requests are what the NEGATIVE half sends, and the
  first check already fails any that ends in a 5xx, while a lenient 2xx (an unknown query
  parameter ignored) is allowed; ``unsupported_method`` and ``allow_header_conformance`` —
  methods outside the document are Flask's 405, not part of the contract;
  ``ignored_auth``, ``missing_required_header`` — authentication has its own tests
  (tests/foundation/test_http_api.py); ``use_after_free`` and ``ensure_resource_availability``
  — stateful checks for CRUD resources this API does not have; ``max_response_time`` — no
  timing assertions in the suite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pagerduty_actions.config import validate_config
from pagerduty_actions.registry import Registry
from pagerduty_actions.sandbox import default_seed
from pagerduty_actions.server import create_app
from pagerduty_actions.server.openapi import build_openapi

TOKEN = "fuzz-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
POSITIVE = 80  # generated valid requests per operation, on each database
NEGATIVE = 35  # generated invalid requests per operation, on each database
OPERATION_TIMEOUT = 120  # seconds for one operation's examples; a hang fails, not blocks
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
METHODS = {"get", "put", "post", "delete", "patch"}


def _labels(document: dict[str, Any]) -> dict[str, bool]:
    """``METHOD /path`` of every operation -> whether it takes any input (parameters or a
    body): an operation without input has no invalid request to generate."""
    out = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                takes = item.get("parameters") or operation.get("parameters")
                out[f"{method.upper()} {path}"] = bool(takes or operation.get("requestBody"))
    return out


# Known at collection, from the same document the app serves (checked below).
OPERATIONS = _labels(build_openapi(Registry.load()))
CASES = [(label, "positive") for label in sorted(OPERATIONS)] + [
    (label, "negative") for label, takes_input in sorted(OPERATIONS.items()) if takes_input
]
SERVICES = {"checkout": "PCHKOUT", "payments": "PPAYMNT", "search": "PSEARCH"}


def _catalog(root: Path) -> None:
    root.mkdir(parents=True)
    for name, service_id in SERVICES.items():
        depends = ["component:default/payments"] if name == "checkout" else []
        entity = {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {"name": name, "annotations": {"pagerduty.com/service-id": service_id}},
            "spec": {"type": "service", "lifecycle": "production", "owner": "team-a",
                     "dependsOn": depends},
        }  # fmt: skip
        (root / f"{name}.yaml").write_text(json.dumps(entity), encoding="utf-8")


def _sandbox_seed() -> dict[str, Any]:
    seed = default_seed()
    account = seed["accounts"][0]
    account["services"] = [
        {"id": sid, "name": name, "escalation_policy": "Default"} for name, sid in SERVICES.items()
    ]
    account["dependencies"] = [{"dependent": "checkout", "supporting": "search"}]
    return seed


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, module_database_url: str) -> Iterator[Flask]:
    """The app over SQLite, then over PostgreSQL (stricter: no NUL in text, for one)."""
    root = tmp_path_factory.mktemp("fuzz")
    _catalog(root / "catalog")
    (root / "data").mkdir()
    (root / "remotes").mkdir()
    (root / "data" / "sandbox-state.json").write_text(json.dumps(_sandbox_seed()))
    config = validate_config(
        {
            "dataDir": str(root / "data"),
            "database": {"url": module_database_url},
            "auth": {"tokens": [{"name": "fuzz", "token": TOKEN}]},
            "catalog": {"files": [str(root / "catalog" / "*.yaml")]},
            "integrations": {"local": [{"root": str(root / "remotes")}]},
        },
        "fuzz config",
    )
    app = create_app(config)  # no PagerDuty credentials: the built-in sandbox
    assert app.extensions["pagerduty_actions"].services.sandbox_mode
    yield app
    app.extensions["pagerduty_actions"].services.close()


@pytest.fixture(scope="module")
def served_schema(fuzz_app: Flask) -> schemathesis.BaseSchema:
    """The document the app serves at /openapi.json, loaded by schemathesis."""
    return schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app, headers=AUTH)


def test_the_fuzzed_operations_are_those_the_app_serves(fuzz_app: Flask) -> None:
    served = fuzz_app.test_client().get("/openapi.json", headers=AUTH).json
    assert _labels(served) == OPERATIONS and len(OPERATIONS) >= 19
    assert len(CASES) * NEGATIVE >= 1000  # a few thousand requests in all


@pytest.mark.timeout(OPERATION_TIMEOUT)
@pytest.mark.parametrize(("label", "mode"), CASES)
def test_no_server_error_and_no_undocumented_answer(
    served_schema: schemathesis.BaseSchema, fuzz_app: Flask, label: str, mode: str
) -> None:
    operation = served_schema.find_operation_by_label(label)
    assert operation is not None
    generation = schemathesis.GenerationMode.POSITIVE
    if mode == "negative":
        generation = schemathesis.GenerationMode.NEGATIVE

    @given(case=operation.as_strategy(generation_mode=generation))
    @settings(
        max_examples=POSITIVE if mode == "positive" else NEGATIVE,
        derandomize=True,  # the same requests every run
        database=None,  # nothing written into the checkout (.hypothesis/)
        deadline=None,  # the operation's timeout bounds it instead of per-example timing
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: schemathesis.Case) -> None:
        response = case.call(app=fuzz_app, headers=AUTH)
        case.validate_response(response, checks=CHECKS)

    fuzz()


@pytest.mark.parametrize("label", sorted(set(OPERATIONS) - {"GET /healthz", "GET /readyz"}))
def test_an_answer_without_a_token_is_documented(
    served_schema: schemathesis.BaseSchema, fuzz_app: Flask, label: str
) -> None:
    """Every route but the probes asks for the bearer token; its 401 is in the document."""
    operation = served_schema.find_operation_by_label(label)
    assert operation is not None

    @given(case=operation.as_strategy())
    @settings(max_examples=1, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def without_token(case: schemathesis.Case) -> None:
        response = case.call(app=fuzz_app)
        assert response.status_code == 401
        case.validate_response(response, checks=CHECKS)

    without_token()


def test_a_method_the_route_lacks_gets_405_with_allow(fuzz_app: Flask) -> None:
    """Found by schemathesis' unsupported_method check: a 405 must say what is allowed."""
    client = fuzz_app.test_client()
    for path, method, allowed in (("/healthz", "TRACE", "GET"), ("/v2/sync", "DELETE", "POST")):
        response = client.open(path, method=method, headers=AUTH)
        assert response.status_code == 405
        assert response.json["error"]["name"] == "MethodNotAllowedError"
        assert allowed in response.headers["Allow"].split(", "), response.headers


@pytest.mark.parametrize(
    ("path", "quoted"),
    [("/v2/mappings//refresh", "'/refresh'"), ("/v2/mappings/%3E%0A%C2%99", "'>\\n\\x99'")],
    ids=["double slash", "line break"],
)
def test_a_malformed_entity_ref_in_the_path_is_a_400_naming_it(
    fuzz_app: Flask, path: str, quoted: str
) -> None:
    """Found by the fuzzer: a PUT to ``//refresh`` was answered 308 (a redirect to a path with
    the slashes merged) and a ref holding a line break 404 "no route"; neither documented."""
    client = fuzz_app.test_client()
    for method in ("PUT", "DELETE"):
        response = client.open(path, method=method, json={"serviceId": None}, headers=AUTH)
        assert response.status_code == 400, (method, response.status_code, response.data)
        assert quoted in response.json["error"]["message"], response.json


def test_a_run_id_postgresql_cannot_hold_is_a_404(fuzz_app: Flask) -> None:
    """Found by fuzzing over PostgreSQL: a run id holding a NUL was a 500 (PostgreSQL refuses
    NUL in text); an id no run can have is not looked up."""
    client = fuzz_app.test_client()
    for run_id in ("run_%00", "run_0123456789abcdef0123%00", "x" * 300):
        response = client.get(f"/v2/sync/runs/{run_id}", headers=AUTH)
        assert response.status_code == 404, response.data
        assert response.json["error"]["name"] == "NotFoundError"
