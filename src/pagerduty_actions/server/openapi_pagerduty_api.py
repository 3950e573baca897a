"""OpenAPI paths of ``/pagerduty-api`` (server/pagerduty_api.py), from the same table of the
card's reads (entity_page/card_reads.py) that the routes check their queries with."""

from __future__ import annotations

from typing import Any

from ..entity_page import card_reads as reads
from ..entity_page.trigger import TRIGGER_SCHEMA
from .openapi_parts import ERROR_BODY
from .openapi_parts import json_body as _json
from .pagerduty_api import PREFIX

_REST_ERROR = {"$ref": "#/components/schemas/PagerDutyRestError"}
_EVENTS_ERROR = {"$ref": "#/components/schemas/PagerDutyEventsError"}
_ACCOUNT = {
    "name": "account",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "maxLength": 256},
    "description": "A pagerDuty.accounts id; the default account when left out.",
}
_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9]{1,32}$"},
    "description": "A PagerDuty service id.",
}
_REST_ERRORS = {
    "400": "A query parameter the card does not send, or a value out of bounds (each named); "
    "or an unknown account.",
    "401": "Missing or unknown bearer token (our auth.tokens, set by the proxy route).",
    "404": "PagerDuty has no such object.",
    "429": "PagerDuty's rate limit outlasted our retries (Retry-After).",
    "502": "PagerDuty failed or refused our credential; the message is PagerDuty's.",
    "504": "The same read, in flight for another request, outlasted entityPage.cacheWaitSeconds.",
}


def _param(param: reads.Param) -> dict[str, Any]:
    value: dict[str, Any] = {"type": "string", "maxLength": reads.MAX_VALUE_CHARS}
    if param.choices:
        value = {"enum": list(param.choices)}
    elif param.pattern is not None:
        value["pattern"] = f"^(?:{param.pattern.pattern})$"
    schema: dict[str, Any] = value
    if param.most > 1:
        schema = {"type": "array", "items": value, "maxItems": param.most}
    return {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "schema": schema,
        "style": "form",
        "explode": True,
        "description": param.hint,
    }


def _read(read: reads.CardRead, key: str, operation_id: str, by_id: bool) -> dict[str, Any]:
    listed = {"type": "array", "items": {"type": "object"}}
    body = {
        "type": "object",
        "required": [key],
        "properties": {key: listed if key.endswith("s") else {"type": "object"}},
    }
    errors = {
        code: {"description": text, "content": {"application/json": {"schema": _REST_ERROR}}}
        for code, text in _REST_ERRORS.items()
    }
    return {
        "get": {
            "operationId": operation_id,
            "summary": f"{read.name}, as @backstage/plugin-pagerduty 0.6.8 reads it",
            "tags": ["pagerduty-api"],
            "parameters": ([_ID] if by_id else []) + [_param(p) for p in read.params] + [_ACCOUNT],
            "responses": {"200": _json(body, "PagerDuty's answer (cached briefly)."), **errors},
        }
    }


def _enqueue(operation_id: str) -> dict[str, Any]:
    def events_error(text: str) -> dict[str, Any]:
        return {"description": text, "content": {"application/json": {"schema": _EVENTS_ERROR}}}

    answer = {
        "type": "object",
        "required": ["status", "message"],
        "properties": {
            "status": {"type": "string"},
            "message": {"type": "string"},
            "dedup_key": {"type": "string"},
        },
    }
    return {
        "post": {
            "operationId": operation_id,
            "summary": "The card's Create Incident: an Events API v2 trigger, sent for it",
            "tags": ["pagerduty-api"],
            "parameters": [_ACCOUNT],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": TRIGGER_SCHEMA}},
            },
            "responses": {
                "202": _json(answer, "PagerDuty took the event."),
                "400": events_error("Not a trigger event (each problem named)."),
                "401": {
                    "description": "Missing or unknown bearer token.",
                    "content": {"application/json": {"schema": _REST_ERROR}},
                },
                "403": events_error("entityPage.readOnly is on: nothing was sent."),
                "413": {
                    "description": "Body over the size limit.",
                    "content": {"application/json": {"schema": ERROR_BODY}},
                },
                "415": events_error("Body is not JSON."),
                "429": events_error("PagerDuty's rate limit outlasted our retries."),
                "502": events_error("PagerDuty failed; the message is PagerDuty's."),
            },
        }
    }


def pagerduty_api_components(components: dict[str, Any]) -> None:
    components["PagerDutyRestError"] = {
        "type": "object",
        "required": ["error", "errors"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["message", "errors"],
                "properties": {
                    "message": {"type": "string"},
                    "code": {"type": "integer"},
                    "errors": {"type": "array", "items": {"type": "string"}},
                },
            },
            "errors": {"type": "array", "items": {"type": "string"}},
        },
    }
    components["PagerDutyEventsError"] = {
        "type": "object",
        "required": ["status", "message", "errors"],
        "properties": {
            "status": {"type": "string"},
            "message": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "string"}},
        },
    }


def pagerduty_api_paths(components: dict[str, Any]) -> dict[str, Any]:
    """The five reads and the trigger of ``/pagerduty-api``."""
    pagerduty_api_components(components)
    return {
        f"{PREFIX}/services": _read(reads.SERVICE_BY_KEY, "services", "cardServices", False),
        f"{PREFIX}/services/{{id}}": _read(reads.SERVICE_BY_ID, "service", "cardService", True),
        f"{PREFIX}/incidents": _read(reads.INCIDENTS, "incidents", "cardIncidents", False),
        f"{PREFIX}/services/{{id}}/change_events": _read(
            reads.CHANGE_EVENTS, "change_events", "cardChangeEvents", True
        ),
        f"{PREFIX}/oncalls": _read(reads.ONCALLS, "oncalls", "cardOncalls", False),
        f"{PREFIX}/enqueue": _enqueue("cardTrigger"),
        f"{PREFIX}/v2/enqueue": _enqueue("cardTriggerV2"),
    }
