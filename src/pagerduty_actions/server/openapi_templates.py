"""OpenAPI paths of ``/v2/dry-run`` and ``/v2/lint`` (server/templates_api.py)."""

from __future__ import annotations

from typing import Any

from .openapi_parts import errors as _errors
from .openapi_parts import json_body as _json


def template_paths() -> dict[str, Any]:
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
    step = {
        "type": "object",
        "required": ["id", "name", "action", "status"],
        "properties": {
            "id": {"type": ["string", "null"]},
            "name": {"type": "string"},
            "action": {"type": "string"},
            "status": {"enum": ["completed", "skipped", "failed", "not-run"]},
            "seconds": {"type": "number"},
            "reason": {"type": "string"},
            "input": {"description": "The rendered input of our step (or a skipped one)."},
            "plan": {
                "description": "What our action would do: its plan output (the write requests), "
                "else its dry-run output; a list, one per item, for a step with each:."
            },
            "dryRun": {"type": "boolean"},
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
            "steps": {"type": "array", "items": step},
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
            "column": {"type": ["integer", "null"]},
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
