"""OpenAPI paths of ``/api/pagerduty/...`` (server/pagerduty_backend_api.py): the routes of
PagerDuty's backend plugin 0.14.0, its bodies and its ``{"errors": [...]}`` error shape."""

from __future__ import annotations

from typing import Any

from .openapi_parts import json_body as _json
from .openapi_parts import path_parameter as _path
from .pagerduty_backend_api import KEPT_ELSEWHERE, PREFIX

_ERRORS = {"$ref": "#/components/schemas/PagerDutyBackendErrors"}
_TEXT = {
    400: "Bad request (a parameter, or an account not configured).",
    401: "Missing or unknown bearer token, or PagerDuty refused our credential.",
    402: "The PagerDuty account's plan lacks the feature.",
    403: "PagerDuty refused, or entityPage.readOnly refuses the write.",
    404: "PagerDuty has no such object, or the route is not served here (the message says "
    "where instead).",
    405: "Not served here: the message says where this server keeps that instead.",
    413: "Body over the size limit.",
    415: "Body is not JSON.",
    429: "PagerDuty's rate limit outlasted our retries.",
    502: "PagerDuty failed; the message is theirs.",
    503: "Too many PagerDuty reads in flight.",
    504: "PagerDuty did not answer within entityPage.cacheWaitSeconds.",
}
_ACCOUNT = {
    "name": "account",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "PagerDuty account id (pagerDuty.accounts[].id); default otherwise.",
}
_SERVICE_ID = _path("serviceId", "PagerDuty service id.")
_READ_ERRORS = (400, 401, 402, 403, 404, 429, 502, 503, 504)


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(c): {"description": _TEXT[c], "content": {"application/json": {"schema": _ERRORS}}}
        for c in codes
    }


def _get(op: str, summary: str, body: dict[str, Any], params: list[Any]) -> dict[str, Any]:
    return {
        "get": {
            "operationId": op,
            "summary": summary,
            "tags": ["pagerduty-backend"],
            "parameters": params,
            "responses": {"200": _json(body, summary), **_errors(*_READ_ERRORS)},
        }
    }


def _wrapped(key: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": [key], "properties": {key: item}}


_OBJECT: dict[str, Any] = {"type": "object"}
_LIST = {"type": "array", "items": _OBJECT}


def pagerduty_backend_paths(components: dict[str, Any]) -> dict[str, Any]:
    components["PagerDutyBackendErrors"] = {
        "type": "object",
        "required": ["errors"],
        "properties": {"errors": {"type": "array", "items": {"type": "string"}}},
    }
    one = [_SERVICE_ID, _ACCOUNT]
    paths: dict[str, Any] = {
        "/services/{serviceId}": _get("pdBackendService", "One service, with its integrations "
                                      "and escalation policy.", _wrapped("service", _OBJECT), one),
        "/services/{serviceId}/incidents": _get(
            "pdBackendIncidents", "The service's triggered and acknowledged incidents.",
            _wrapped("incidents", _LIST), one),
        "/services/{serviceId}/change-events": _get(
            "pdBackendChangeEvents", "The service's five newest change events.",
            _wrapped("change_events", _LIST), one),
        "/services/{serviceId}/standards": _get(
            "pdBackendStandards", "The service's standards score.",
            _wrapped("standards", _OBJECT), one),
        "/services/{serviceId}/metrics": _get(
            "pdBackendMetrics", "The service's incident metrics over 30 days.",
            _wrapped("metrics", _LIST), one),
        "/dependencies/service/{serviceId}": _get(
            "pdBackendDependencies", "The service's technical dependencies.",
            _wrapped("relationships", _LIST), one),
        "/oncall-users": _get(
            "pdBackendOncallUsers", "Users on call at the policy's first level.",
            _wrapped("users", _LIST),
            [{"name": "escalation_policy_ids[]", "in": "query", "required": True,
              "schema": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
              "style": "form", "explode": True}, _ACCOUNT]),
        "/services": _get(
            "pdBackendServices", "By integration_key: {service}; with team_id, query or limit: "
            "a list; else {services} of every account.",
            {"oneOf": [_wrapped("service", _OBJECT), _wrapped("services", _LIST), _LIST]},
            [{"name": n, "in": "query", "required": False, "schema": s} for n, s in (
                ("integration_key", {"type": "string"}), ("team_id", {"type": "string"}),
                ("query", {"type": "string"}),
                ("limit", {"type": "integer", "minimum": 1, "maximum": 100}))] + [_ACCOUNT]),
        "/escalation_policies": _get(
            "pdBackendEscalationPolicies", "Every account's policies as {label, value}.",
            {"type": "array", "items": {"type": "object", "required": ["label", "value"]}}, []),
        "/teams": _get("pdBackendTeams", "Teams, each with its account.", _LIST, [_ACCOUNT]),
        "/accounts": {"get": {"operationId": "pdBackendAccounts", "tags": ["pagerduty-backend"],
                              "responses": {"200": _json(_wrapped("accounts", _LIST),
                                                         "The configured accounts."),
                                            **_errors(401)}}},
        "/health": {"get": {"operationId": "pdBackendHealth", "tags": ["pagerduty-backend"],
                            "responses": {"200": _json(_OBJECT, "{status: ok}"),
                                          **_errors(401)}}},
        "/config": {"get": {"operationId": "pdBackendConfig", "tags": ["pagerduty-backend"],
                            "responses": {"200": _json(
                                {"type": "object", "required": ["readOnly"], "properties": {
                                    "readOnly": {"type": "boolean"},
                                    "cacheSeconds": {"type": "number"}}},
                                "Whether triggers are refused (read-only), the cache time."),
                                **_errors(401)}}},
        "/events/v2/enqueue": {"post": {
            "operationId": "pdBackendEnqueue", "tags": ["pagerduty-backend"],
            "summary": "The card's trigger (an Events API v2 body), run as the trigger action.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["event_action", "routing_key", "payload"],
                "properties": {"event_action": {"const": "trigger"},
                               "routing_key": {"type": "string"},
                               "dedup_key": {"type": "string"},
                               "client": {"type": "string"}, "client_url": {"type": "string"},
                               "payload": {"type": "object"}}}}}},
            "responses": {"202": _json(
                {"type": "object", "required": ["status", "dedup_key"],
                 "properties": {"status": {"type": "string"}, "message": {"type": "string"},
                                "dedup_key": {"type": "string"}}}, "Event processed."),
                **_errors(400, 401, 403, 404, 413, 415, 429, 502, 503)}}},
    }  # fmt: skip
    for method, path, _where in KEPT_ELSEWHERE:
        documented = path.replace("<", "{").replace(">", "}")
        params = [
            _path(part[1:-1], "As in PagerDuty's router.")
            for part in documented.split("/")
            if part.startswith("{")
        ]
        status = 404 if method == "GET" or path == "/mapping/entities" else 405
        op = (
            "pdBackendElsewhere"
            + method.title()
            + "".join(
                w.title()
                for w in documented.replace("{", "").replace("}", "").replace("-", "/").split("/")
            )
        )
        item = paths.setdefault(documented, {})
        item[method.lower()] = {
            "operationId": op,
            "tags": ["pagerduty-backend"],
            "summary": "Not served here; the answer says where instead.",
            "parameters": params,
            "responses": _errors(status, 401),
        }
    return {PREFIX + path: item for path, item in paths.items()}
