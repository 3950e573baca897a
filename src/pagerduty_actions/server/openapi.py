"""OpenAPI 3.1 for this server, generated from the registry and its schemas.

One source of truth: the JSON Schemas that validate requests are the ones documented. Each
action schema's local ``#/$defs/...`` references are moved under ``components.schemas`` so they
still resolve inside the combined document.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .. import __version__
from ..paths import schema_path
from ..registry import ActionSpec, Registry
from ..sync.mapping import SOURCE_INTEGRATION_KEY, SOURCE_NONE, SOURCE_OVERRIDE, SOURCE_SERVICE_ID
from ..sync.model import STRATEGIES, MappingStatus
from .sync_api import SYNC_ACTION

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


def _errors(*codes: int, notes: dict[int, str] | None = None) -> dict[str, Any]:
    """Error responses; ``notes`` replaces the action-run wording for routes that differ."""
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
    } | (notes or {})
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


def _path_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }


def _sync_components(components: dict[str, Any]) -> None:
    """Run, setting and mapping shapes; the request and report are the sync action's own
    schemas, since ``POST /v2/sync`` takes the action's input and a run stores its report."""
    for name, file in (
        ("SyncRequest", "actions/pagerduty-dependencies-sync.input.json"),
        ("SyncReport", "actions/pagerduty-dependencies-sync.output.json"),
    ):
        schema = json.loads(schema_path(file).read_text(encoding="utf-8"))
        components[name] = _relocate(schema, name, components)
    progress = {
        "type": "object",
        "required": ["phase", "done", "total", "calls"],
        "properties": {
            "phase": {"type": "string", "description": "starting, a phase name, or finished."},
            "done": {"type": "integer"},
            "total": {"type": "integer"},
            "calls": {"type": "integer", "description": "PagerDuty calls spent so far."},
        },
    }
    components["SyncRun"] = {
        "type": "object",
        "required": ["id", "strategy", "dryRun", "status", "progress", "startedAt"],
        "properties": {
            "id": {"type": "string"},
            "strategy": {"enum": list(STRATEGIES)},
            "dryRun": {"type": "boolean"},
            "status": {"enum": ["running", "succeeded", "failed"]},
            "progress": progress,
            "startedBy": {"type": ["string", "null"], "description": "The caller's token name."},
            "startedAt": {"type": "string", "format": "date-time"},
            "finishedAt": {"type": ["string", "null"], "format": "date-time"},
            "error": {"type": ["string", "null"]},
            "report": {
                "description": "Only on GET /v2/sync/runs/{runId}; null until the run ends.",
                "oneOf": [{"$ref": "#/components/schemas/SyncReport"}, {"type": "null"}],
            },
        },
    }
    components["Setting"] = {
        "type": "object",
        "required": ["id", "value", "stored"],
        "properties": {
            "id": {"type": "string"},
            "value": {"type": "string"},
            "stored": {
                "type": "boolean",
                "description": "false: nothing stored yet, value is the config's default.",
            },
        },
    }
    sources = [SOURCE_OVERRIDE, SOURCE_SERVICE_ID, SOURCE_INTEGRATION_KEY, SOURCE_NONE]
    components["Mapping"] = {
        "type": "object",
        "required": ["entityRef", "serviceId", "status", "source", "detail"],
        "properties": {
            "entityRef": {"type": "string"},
            "serviceId": {"type": ["string", "null"]},
            "status": {"enum": [s.value for s in MappingStatus]},
            "source": {"enum": sources, "description": "What maps it; - for nothing."},
            "detail": {"type": "string"},
        },
    }


def _sync_paths(components: dict[str, Any]) -> dict[str, Any]:
    """``/v2/sync``, ``/v2/sync/runs``, ``/v2/settings`` and ``/v2/mappings`` (sync_api.py)."""
    _sync_components(components)
    ref = "#/components/schemas/"
    common = {
        403: f"The token's auth.tokens[].actions does not include {SYNC_ACTION}.",
        503: "The database is not configured or unreachable.",
    }
    run_id = _path_parameter("runId", "A run id from POST /v2/sync (run_...).")
    setting_id = _path_parameter("settingId", "dependency-sync-strategy")
    entity_ref = _path_parameter(
        "entityRef",
        "kind:namespace/name, e.g. component:default/payments (the / may be sent as is).",
    )
    bad_ref = "entityRef is not a valid entity ref (kind:namespace/name)"
    started = {
        "type": "object",
        "required": ["runId", "status", "href"],
        "properties": {
            "runId": {"type": "string"},
            "status": {"const": "running"},
            "href": {"type": "string", "description": "GET it for progress and the report."},
        },
    }
    mapping_put = {
        "type": "object",
        "additionalProperties": False,
        "required": ["serviceId"],
        "properties": {
            "serviceId": {
                "type": ["string", "null"],
                "pattern": "^[A-Za-z0-9]+$",
                "description": "The PagerDuty service id; null stores the entity as unmapped.",
            },
            "account": {"type": ["string", "null"], "description": "PagerDuty account id."},
        },
    }
    return {
        "/v2/sync": {
            "post": {
                "operationId": "startSync",
                "summary": "Start a dependency sync run in the background",
                "tags": ["sync"],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": ref + "SyncRequest"}}},
                },
                "responses": {
                    "202": {
                        **_json(started, "Started; follow href (also the Location header)."),
                        "headers": {"Location": {"schema": {"type": "string"}}},
                    },
                    **_errors(
                        400, 401, 403, 409, 413, 415, 503,
                        notes={400: "Unknown or invalid fields, or no catalog configured for a "
                                    "strategy that reads it.",
                               409: "A sync run is already running (retryable); see "
                                    "GET /v2/sync/runs.", **common},
                    ),
                },
            }
        },
        "/v2/sync/runs": {
            "get": {
                "operationId": "listSyncRuns",
                "summary": "The 20 most recent runs, newest first, without their reports",
                "tags": ["sync"],
                "responses": {
                    "200": _json({"type": "array", "items": {"$ref": ref + "SyncRun"}}, "Runs."),
                    **_errors(401, 403, 503, notes=common),
                },
            }
        },
        "/v2/sync/runs/{runId}": {
            "get": {
                "operationId": "getSyncRun",
                "summary": "One run: progress while running, then its report",
                "tags": ["sync"],
                "parameters": [run_id],
                "responses": {
                    "200": _json({"$ref": ref + "SyncRun"}, "The run."),
                    **_errors(401, 403, 404, 503, notes={404: "No run with this id.", **common}),
                },
            }
        },
        "/v2/settings/{settingId}": {
            "parameters": [setting_id],
            "get": {
                "operationId": "getSetting",
                "tags": ["sync"],
                "responses": {
                    "200": _json({"$ref": ref + "Setting"}, "The stored value, else the default."),
                    **_errors(401, 403, 404, 503, notes={404: "Unknown setting id.", **common}),
                },
            },
            "put": {
                "operationId": "putSetting",
                "tags": ["sync"],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["value"],
                        "properties": {"value": {"enum": list(STRATEGIES)}},
                    }}},
                },
                "responses": {
                    "200": _json({"$ref": ref + "Setting"}, "Stored."),
                    **_errors(400, 401, 403, 404, 413, 415, 503,
                              notes={400: "value is not one of the setting's values.",
                                     404: "Unknown setting id.", **common}),
                },
            },
        },
        "/v2/mappings": {
            "get": {
                "operationId": "listMappings",
                "summary": "Every component, its PagerDuty service and how it is mapped",
                "tags": ["sync"],
                "responses": {
                    "200": _json({"type": "array", "items": {"$ref": ref + "Mapping"}},
                                 "The mapping a sync run would use now."),
                    **_errors(400, 401, 403, 502, 503,
                              notes={400: "The catalog or config cannot be read as given.",
                                     502: "The Backstage catalog or PagerDuty failed.", **common}),
                },
            }
        },
        "/v2/mappings/{entityRef}": {
            "parameters": [entity_ref],
            "put": {
                "operationId": "putMapping",
                "summary": "Store an override the next sync run uses",
                "tags": ["sync"],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": mapping_put}},
                },
                "responses": {
                    "200": _json({
                        "type": "object", "required": ["entityRef", "serviceId", "source"],
                        "properties": {"entityRef": {"type": "string"},
                                       "serviceId": {"type": ["string", "null"]},
                                       "source": {"const": SOURCE_OVERRIDE}},
                    }, "Stored; entityRef as Backstage compares it (lower case)."),
                    **_errors(400, 401, 403, 413, 415, 503,
                              notes={400: f"{bad_ref}, or the body is not as shown.", **common}),
                },
            },
            "delete": {
                "operationId": "deleteMapping",
                "summary": "Drop a stored override",
                "tags": ["sync"],
                "responses": {
                    "204": {"description": "Deleted."},
                    **_errors(400, 401, 403, 404, 503,
                              notes={400: f"{bad_ref}.", 404: "No override stored for it.",
                                     **common}),
                },
            },
        },
    }  # fmt: skip


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
        "/openapi.json": {"get": {"operationId": "openapi", "tags": ["health"],
                                  "responses": {"200": {"description": "This document."}}}},
    }  # fmt: skip
    paths.update(_template_paths())
    paths.update(_sync_paths(components))
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
