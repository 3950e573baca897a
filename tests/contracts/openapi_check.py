"""Validate PagerDuty requests and responses against PagerDuty's own OpenAPI documents.

Reusable by any test: ``check_request(method, url_or_path, query, headers, body)`` and
``check_response(method, path, status, headers, body)`` raise ``ContractError`` naming the path,
the operation and the schema error. URLs may point anywhere (a sandbox on loopback, respx
routes); only the path matters. Paths under ``/events/`` (or ``/v2/enqueue``) are checked against
the Events API v2 document, the rest against REST v2.

The documents are loaded once per process (``lru_cache``) and patched in memory where PagerDuty's
schema contradicts PagerDuty's own examples and behaviour; every patch is listed in
``DEVIATIONS`` with its reason.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
from openapi_core import Config, OpenAPI
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.testing import MockRequest, MockResponse

HERE = Path(__file__).parent
REST_HOST = "https://api.pagerduty.com"
EVENTS_HOST = "https://events.pagerduty.com"
PD_ACCEPT = "application/vnd.pagerduty+json;version=2"
PLACEHOLDER_PATTERN = "YYYY-MM-DDThh:mm:ssZ"


@dataclass(frozen=True)
class Deviation:
    """A place where the checker departs from the document, and why."""

    id: str
    where: str
    reason: str


DEVIATIONS: list[Deviation] = [
    Deviation(
        "aggregate-enum",
        "ContentBased*AlertGroupingConfiguration.aggregate",
        "The enum is the single string 'all, any'; the description, the examples and the "
        "API use the two values 'all' and 'any'. Patched to ['all', 'any'].",
    ),
    Deviation(
        "vendor-get-array",
        "GET /vendors/{id} 200 .vendor",
        "Declared as an array of Vendor, but the example and the API return one Vendor "
        "object. Patched to a Vendor object.",
    ),
    Deviation(
        "included-integrations",
        "Service.integrations with include[]=integrations",
        "Typed as IntegrationReference only, while the field's own description says "
        "include[]=integrations returns full Integration objects (type without "
        "'_reference'), as PagerDuty does. Patched to IntegrationReference or Integration.",
    ),
    Deviation(
        "included-objects",
        "Service.escalation_policy, Oncall.user and Oncall.escalation_policy with include[]",
        "Typed as references only, while include[]=escalation_policies (services, on-calls) "
        "and include[]=users (on-calls) return the full objects in their place, as PagerDuty "
        "does (the on-call card of @backstage/plugin-pagerduty reads the user's name and "
        "email from them). Patched to the reference or the full object.",
    ),
    Deviation(
        "request-readonly",
        "all request bodies",
        "Reference.id and .type are marked readOnly, yet every write must send references "
        "(escalation_policy, services, vendor). readOnly is not enforced on requests.",
    ),
    Deviation(
        "undocumented-errors",
        "429/5xx (and 400 on PUT /services/{id}) responses",
        "Most operations list no 429 or 5xx responses although PagerDuty documents rate "
        "limits and 5xx for every endpoint. Such responses are checked against the generic "
        "error schema, requiring error.message and error.code.",
    ),
    Deviation(
        "change-events-pattern",
        "since/until parameters (e.g. change events)",
        "pattern 'YYYY-MM-DDThh:mm:ssZ' is a placeholder, not a regex: no real timestamp "
        "matches it. The pattern is dropped; format date-time remains.",
    ),
    Deviation(
        "events-error-bodies",
        "Events API 400 and 429",
        "Declared without content, but PagerDuty returns JSON {status, message, errors}; "
        "checked against the document's own 5XX Error schema.",
    ),
    Deviation(
        "grouping-example-refs",
        "/alert_grouping_settings examples",
        "Examples show services as {id, name} without the required 'type'; the sandbox "
        "follows the schema (service_reference). No patch needed.",
    ),
    Deviation(
        "invalid-default",
        "whole REST document",
        "The document does not pass OpenAPI validation (e.g. an integer parameter with "
        "default '20 - incident_summary'), so it is loaded without spec validation.",
    ),
    Deviation(
        "missing-auth-in-logs",
        "security (Authorization)",
        "Request logs never keep credentials, so a request without Authorization is "
        "checked with a placeholder; authentication is enforced by the sandbox itself.",
    ),
]


class ContractError(AssertionError):
    """A request or response that PagerDuty's OpenAPI document does not allow."""


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / name).read_text(encoding="utf-8"))
    return data


def _strip(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v, key) for k, v in node.items() if k != key}
    if isinstance(node, list):
        return [_strip(v, key) for v in node]
    return node


def _patch_rest(doc: dict[str, Any]) -> dict[str, Any]:
    schemas = doc["components"]["schemas"]
    for name in (
        "ContentBasedAlertGroupingConfiguration",
        "ContentBasedIntelligentAlertGroupingConfiguration",
    ):
        schemas[name]["properties"]["aggregate"]["enum"] = ["all", "any"]
    vendor = doc["paths"]["/vendors/{id}"]["get"]["responses"]["200"]["content"]
    vendor["application/json"]["schema"]["properties"]["vendor"] = {
        "$ref": "#/components/schemas/Vendor"
    }
    service = next(part for part in schemas["Service"]["allOf"] if "properties" in part)
    service["properties"]["integrations"]["items"] = {
        "anyOf": [
            {"$ref": "#/components/schemas/IntegrationReference"},
            {"$ref": "#/components/schemas/Integration"},
        ]
    }
    service["properties"]["escalation_policy"] = _reference_or("EscalationPolicy")
    oncall = schemas["Oncall"]["properties"]
    oncall["user"] = _reference_or("User")
    oncall["escalation_policy"] = _reference_or("EscalationPolicy")
    return _drop_placeholder_patterns(doc)


def _reference_or(name: str) -> dict[str, Any]:
    """``<name>Reference`` or, where ``include[]`` asked for it, the full ``<name>``."""
    return {
        "anyOf": [
            {"$ref": f"#/components/schemas/{name}Reference"},
            {"$ref": f"#/components/schemas/{name}"},
        ]
    }


def _drop_placeholder_patterns(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get("pattern") == PLACEHOLDER_PATTERN:
            del node["pattern"]
        for value in node.values():
            _drop_placeholder_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _drop_placeholder_patterns(value)
    return node


@dataclass(frozen=True)
class _Spec:
    requests: OpenAPI
    responses: OpenAPI
    document: dict[str, Any]
    host: str
    templates: tuple[tuple[re.Pattern[str], str], ...]


def _templates(doc: dict[str, Any], prefix: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    found = []
    for template in doc["paths"]:
        regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(prefix + template))
        found.append((re.compile(f"^{regex}$"), template))
    # literal paths win over templated ones (/services/custom_fields vs /services/{id})
    found.sort(key=lambda item: item[1].count("{"))
    return tuple(found)


def _openapi(doc: dict[str, Any]) -> OpenAPI:
    # The document itself fails OpenAPI validation (see DEVIATIONS "invalid-default").
    return OpenAPI.from_dict(doc, config=Config(spec_validator_cls=None))


@lru_cache(maxsize=1)
def rest_spec() -> _Spec:
    """REST v2 document, loaded and patched once per process."""
    doc = _patch_rest(_load("rest-v2.json"))
    return _Spec(
        _openapi(_strip(copy.deepcopy(doc), "readOnly")),
        _openapi(doc),
        doc,
        REST_HOST,
        _templates(doc, ""),
    )


@lru_cache(maxsize=1)
def events_spec() -> _Spec:
    """Events v2 document, loaded once per process."""
    doc = _load("events-v2.json")
    return _Spec(
        _openapi(copy.deepcopy(doc)), _openapi(doc), doc, EVENTS_HOST, _templates(doc, "/v2")
    )


def _route(url_or_path: str) -> tuple[_Spec, str, dict[str, list[str]]]:
    parts = urlsplit(url_or_path)
    path, query = parts.path or "/", parse_qs(parts.query, keep_blank_values=True)
    if path.startswith("/events/"):
        return events_spec(), path[len("/events") :], query
    if path in ("/v2/enqueue", "/v2/change/enqueue"):
        return events_spec(), path, query
    return rest_spec(), path, query


def operation(method: str, url_or_path: str) -> tuple[str, str]:
    """(path template, operationId) for a concrete request; ContractError when undocumented."""
    spec, path, _ = _route(url_or_path)
    for regex, template in spec.templates:
        if regex.match(path):
            op = spec.document["paths"][template].get(method.lower())
            if isinstance(op, dict):
                return template, str(op.get("operationId", "?"))
            raise ContractError(f"{method.upper()} {path}: method not in the OpenAPI document")
    raise ContractError(f"{method.upper()} {path}: path not in the OpenAPI document")


def _encode(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def _details(exc: Exception) -> str:
    found: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        for error in getattr(seen, "schema_errors", ()) or ():
            location = "/".join(str(p) for p in getattr(error, "absolute_path", ()))
            found.append(f"{location or '<root>'}: {getattr(error, 'message', error)}")
        seen = seen.__cause__ or seen.__context__
    return "; ".join(found) or str(exc)


def _request(
    spec: _Spec,
    method: str,
    path: str,
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: Any,
) -> MockRequest:
    return MockRequest(
        spec.host,
        method.lower(),
        path,
        args=query,
        headers=headers,
        data=_encode(body),
        content_type=headers.get("Content-Type", headers.get("content-type", "application/json")),
    )


def check_request(
    method: str,
    url_or_path: str,
    query: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
) -> None:
    """Raise ContractError unless the request is one PagerDuty's OpenAPI allows."""
    spec, path, url_query = _route(url_or_path)
    template, op_id = operation(method, url_or_path)
    merged: dict[str, list[str]] = dict(url_query)
    for key, value in (query or {}).items():
        merged[key] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    sent = dict(headers or {})
    lowered = {k.lower(): v for k, v in sent.items()}
    if spec is rest_spec():
        if lowered.get("accept") != PD_ACCEPT:
            raise ContractError(
                f"{method.upper()} {path} ({op_id}): Accept header must be "
                f"{PD_ACCEPT!r}, got {lowered.get('accept')!r}"
            )
        if "authorization" not in lowered:
            sent["Authorization"] = "Token token=placeholder"
    try:
        spec.requests.validate_request(_request(spec, method, path, merged, sent, body))
    except Exception as exc:
        raise ContractError(
            f"{method.upper()} {path} ({op_id} at {template}): request invalid: {_details(exc)}"
        ) from exc


_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "code"],
            "properties": {
                "message": {"type": "string"},
                "code": {"type": "integer"},
                "errors": {"type": "array"},
            },
        }
    },
}
_EVENTS_ERROR_SCHEMA = {
    "type": "object",
    "required": ["status", "message"],
    "properties": {
        "status": {"type": "string"},
        "message": {"type": "string"},
        "errors": {"type": "array"},
    },
}


def check_response(
    method: str, path: str, status: int, headers: dict[str, str] | None = None, body: Any = None
) -> None:
    """Raise ContractError unless PagerDuty's OpenAPI allows this response to the request."""
    spec, concrete, _ = _route(path)
    template, op_id = operation(method, path)
    where = f"{method.upper()} {concrete} ({op_id} at {template}) -> {status}"
    is_events = spec is events_spec()
    if is_events and status in (400, 429):
        _check_plain(where, _EVENTS_ERROR_SCHEMA, body)
        return
    request = _request(
        spec, method, concrete, {}, {"Authorization": "Token token=x", "Accept": PD_ACCEPT}, None
    )
    response = MockResponse(
        _encode(body),
        status_code=status,
        headers=dict(headers or {}),
        content_type="application/json",
    )
    try:
        spec.responses.validate_response(request, response)
    except ResponseNotFound as exc:
        if status < 400:
            raise ContractError(f"{where}: status not documented") from exc
        _check_plain(where, _EVENTS_ERROR_SCHEMA if is_events else _ERROR_SCHEMA, body)
    except Exception as exc:
        raise ContractError(f"{where}: response invalid: {_details(exc)}") from exc
    if status >= 400 and not is_events:
        _check_plain(where, _ERROR_SCHEMA, body)


def _check_plain(where: str, schema: dict[str, Any], body: Any) -> None:
    data = json.loads(body) if isinstance(body, bytes | str) else body
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError as exc:
        raise ContractError(f"{where}: error body invalid: {exc.message}") from exc
