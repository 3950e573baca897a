"""OpenAPI 3.1 for this server, generated from the registry and its schemas.

One source of truth: the JSON Schemas that validate requests are the ones documented. Each
action schema's local ``#/$defs/...`` references are moved under ``components.schemas`` so they
still resolve inside the combined document.
"""

from __future__ import annotations

import re
from typing import Any

from .. import __version__
from ..registry import ActionSpec, Registry
from .openapi_pagerduty_api import pagerduty_api_paths
from .openapi_pagerduty_backend import pagerduty_backend_paths
from .openapi_parts import errors as _errors
from .openapi_parts import json_body as _json
from .openapi_parts import relocate as _relocate
from .openapi_sync import sync_paths
from .openapi_templates import template_paths


def _component_name(action_id: str, suffix: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", action_id)
    return "".join(w[:1].upper() + w[1:] for w in words if w) + suffix


def _run_operation(spec: ActionSpec, components: dict[str, Any]) -> dict[str, Any]:
    in_name = _component_name(spec.id, "Input")
    out_name = _component_name(spec.id, "Output")
    components[in_name] = _relocate(spec.input_schema, in_name, components)
    components[out_name] = _relocate(spec.output_schema, out_name, components)
    return {
        "post": {
            "operationId": "run_" + re.sub(r"[^A-Za-z0-9]+", "_", spec.id),
            "summary": f"Run {spec.id}",
            "description": spec.description,
            "tags": ["actions"],
            "parameters": [
                {"$ref": "#/components/parameters/DryRun"},
                {"$ref": "#/components/parameters/IdempotencyKey"},
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{in_name}"}}
                },
            },
            "responses": {
                "200": {
                    "description": "The action ran (or, with dryRun, planned).",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["output", "log", "dryRun"],
                                "properties": {
                                    "output": {"$ref": f"#/components/schemas/{out_name}"},
                                    "log": {"$ref": "#/components/schemas/Log"},
                                    "dryRun": {"type": "boolean"},
                                    "sandbox": {"type": "boolean"},
                                },
                            }
                        }
                    },
                },
                **_errors(400, 401, 403, 404, 409, 413, 415, 502, 503),
            },
        }
    }


def _static_components() -> dict[str, Any]:
    return {
        "ErrorBody": {
            "type": "object",
            "required": ["error", "response"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["name", "message"],
                    "properties": {
                        "name": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {"type": "array", "items": {"type": "object"}},
                        "retryable": {"type": "boolean"},
                        "upstream": {"type": "object"},
                    },
                },
                "request": {"type": "object"},
                "response": {
                    "type": "object",
                    "properties": {"statusCode": {"type": "integer"}},
                },
            },
        },
        "Log": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"level": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "ActionDescription": {
            "type": "object",
            "required": ["id", "description", "examples", "schema"],
            "properties": {
                "id": {"type": "string"},
                "description": {"type": "string"},
                "examples": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "description": {"type": "string"},
                            "example": {"type": "string"},
                        },
                    },
                },
                "schema": {
                    "type": "object",
                    "properties": {"input": {"type": "object"}, "output": {"type": "object"}},
                },
                "supportsDryRun": {"type": "boolean"},
            },
        },
    }


def build_openapi(registry: Registry, extra_paths: dict[str, Any] | None = None) -> dict[str, Any]:
    components = _static_components()
    paths: dict[str, Any] = {
        "/healthz": {"get": {"operationId": "healthz", "security": [], "tags": ["health"],
                             "responses": {"200": {"description": "Alive."}}}},
        "/readyz": {"get": {"operationId": "readyz", "security": [], "tags": ["health"],
                            "responses": {"200": {"description": "Ready."},
                                          "503": {"description": "Database unreachable."}}}},
        "/v2/actions": {
            "get": {
                "operationId": "listActions",
                "tags": ["actions"],
                "responses": {
                    "200": _json(
                        {"type": "array",
                         "items": {"$ref": "#/components/schemas/ActionDescription"}},
                        "Every action, in Backstage's list shape.",
                    ),
                    **_errors(401),
                },
            }
        },
        "/v2/actions/{actionId}": {
            "get": {
                "operationId": "describeAction",
                "tags": ["actions"],
                "parameters": [{"name": "actionId", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/ActionDescription"}, "One action."),
                    **_errors(401, 404),
                },
            }
        },
        "/metrics": {"get": {"operationId": "metrics", "tags": ["health"],
                             "responses": {"200": {"description": "Prometheus text format."},
                                           **_errors(401)}}},
        "/openapi.json": {"get": {"operationId": "openapi", "tags": ["health"],
                                  "responses": {"200": {"description": "This document."},
                                                **_errors(401)}}},
    }  # fmt: skip
    paths.update(template_paths())
    paths.update(sync_paths(components))
    paths.update(pagerduty_api_paths(components))
    paths.update(pagerduty_backend_paths(components))
    for spec in registry.specs():
        paths[f"/v2/actions/{spec.id}"] = _run_operation(spec, components)
    paths.update(extra_paths or {})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pagerduty-actions",
            "version": __version__,
            "description": "PagerDuty actions for Backstage software templates.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "parameters": {
                "DryRun": {"name": "dryRun", "in": "query", "required": False,
                           "schema": {"type": "boolean", "default": False},
                           "description": "Plan only: return what would be done, change nothing."},
                "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": False,
                                   "schema": {"type": "string", "maxLength": 255},
                                   "description": "Same key and input replay the first response."},
            },
        },
    }  # fmt: skip
