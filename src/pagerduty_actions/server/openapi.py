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

_ERROR = {"$ref": "#/components/schemas/ErrorBody"}


def _component_name(action_id: str, suffix: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", action_id)
    return "".join(w[:1].upper() + w[1:] for w in words if w) + suffix


def _relocate(schema: Any, prefix: str, components: dict[str, Any]) -> Any:
    """Copy ``schema`` with its ``$defs`` moved into ``components`` under ``prefix``."""
    if isinstance(schema, dict):
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key == "$schema":
                continue
            if key == "$defs" and isinstance(value, dict):
                for name, sub in value.items():
                    components[f"{prefix}_{name}"] = _relocate(sub, prefix, components)
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = f"#/components/schemas/{prefix}_{value.removeprefix('#/$defs/')}"
                continue
            out[key] = _relocate(value, prefix, components)
        return out
    if isinstance(schema, list):
        return [_relocate(v, prefix, components) for v in schema]
    return schema


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Invalid input; details list every problem with its JSON path.",
        401: "Missing or unknown bearer token.",
        403: "The token may not run this action.",
        404: "Unknown action.",
        409: "Idempotency-Key reused with other input, or still running.",
        413: "Body over the size limit.",
        415: "Body is not JSON.",
        502: "PagerDuty or the git host failed; the message is theirs.",
        503: "Database unavailable; nothing was run.",
    }
    return {
        str(c): {"description": text[c], "content": {"application/json": {"schema": _ERROR}}}
        for c in codes
    }


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


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _template_paths() -> dict[str, Any]:
    """``/v2/dry-run`` (Backstage's dry-run shapes) and ``/v2/lint``: whole templates."""
    files = {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["path", "base64Content"],
            "properties": {
                "path": {"type": "string"},
                "base64Content": {"type": "string", "contentEncoding": "base64"},
                "executable": {"type": "boolean"},
            },
        },
    }
    template = {
        "description": "The template entity as an object, or its YAML text (lint gives lines).",
        "oneOf": [{"type": "object"}, {"type": "string"}],
    }
    request = {
        "type": "object",
        "required": ["template"],
        "properties": {
            "template": template,
            "values": {"type": "object"},
            "secrets": {"type": "object", "additionalProperties": {"type": "string"}},
            "directoryContents": files,
        },
    }
    dry_run_response = {
        "type": "object",
        "required": ["directoryContents", "log", "output", "steps"],
        "properties": {
            "directoryContents": files,
            "log": {
                "type": "array",
                "items": {"type": "object", "properties": {"body": {"type": "object"}}},
            },
            "output": {"type": "object"},
            "steps": {"type": "array", "items": {"type": "object"}},
            "sandbox": {"type": "boolean"},
            "error": {
                "type": "object",
                "properties": {"stepId": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    }
    finding = {
        "type": "object",
        "required": ["code", "severity", "message", "path"],
        "properties": {
            "code": {"type": "string"},
            "severity": {"enum": ["error", "warning", "info"]},
            "message": {"type": "string"},
            "path": {"type": "string"},
            "line": {"type": ["integer", "null"]},
        },
    }
    lint_response = {
        "type": "object",
        "required": ["ok", "errors", "warnings", "findings"],
        "properties": {
            "source": {"type": "string"},
            "ok": {"type": "boolean"},
            "errors": {"type": "integer"},
            "warnings": {"type": "integer"},
            "findings": {"type": "array", "items": finding},
        },
    }
    body = {"required": True, "content": {"application/json": {"schema": request}}}
    return {
        "/v2/dry-run": {
            "post": {
                "operationId": "dryRunTemplate",
                "summary": "Dry-run a whole template (Backstage's dry-run request and response)",
                "tags": ["templates"],
                "requestBody": body,
                "responses": {
                    "200": _json(
                        dry_run_response,
                        "Steps, log, output and rendered files; a failed step is named in error.",
                    ),
                    **_errors(400, 401, 413, 415),
                },
            }
        },
        "/v2/lint": {
            "post": {
                "operationId": "lintTemplate",
                "summary": "Lint a whole template: every finding with its YAML path and line",
                "tags": ["templates"],
                "requestBody": body,
                "responses": {
                    "200": _json(lint_response, "The findings; ok is false with errors."),
                    **_errors(400, 401, 413, 415),
                },
            }
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
                             "responses": {"200": {"description": "Prometheus text format."}}}},
    }  # fmt: skip
    paths.update(_template_paths())
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
