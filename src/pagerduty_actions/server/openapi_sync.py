"""OpenAPI paths and shapes of the dependency sync's routes (server/sync_api.py)."""

from __future__ import annotations

import json
from typing import Any

from ..paths import schema_path
from ..sync.engine import STRATEGY_SETTING
from ..sync.mapping import SOURCE_INTEGRATION_KEY, SOURCE_NONE, SOURCE_OVERRIDE, SOURCE_SERVICE_ID
from ..sync.model import STRATEGIES, MappingStatus
from ..sync.service import SYNC_ACTION
from .openapi_parts import errors as _errors
from .openapi_parts import json_body as _json
from .openapi_parts import path_parameter as _path_parameter
from .openapi_parts import relocate as _relocate


def _sync_components(components: dict[str, Any]) -> None:
    """Run, setting and mapping shapes; the request and report are the sync action's own
    schemas, since ``POST /v2/sync`` takes the action's input and a run stores its report."""
    for name, file in (
        ("SyncRequest", "actions/dependencies_sync.input.json"),
        ("SyncReport", "actions/dependencies_sync.output.json"),
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
            "status": {
                "enum": ["running", "succeeded", "partial", "failed", "abandoned"],
                "description": "partial: some changes applied, others failed or not attempted; "
                "abandoned: the process running it died, closed by another from its record.",
            },
            "progress": progress,
            "startedBy": {"type": ["string", "null"], "description": "The caller's token name."},
            "startedAt": {"type": "string", "format": "date-time"},
            "finishedAt": {"type": ["string", "null"], "format": "date-time"},
            "error": {"type": ["string", "null"]},
            "report": {
                "description": "Only on GET /v2/sync/runs/{runId}. While the run writes: "
                "what it has applied so far (null before it has planned); after: the report.",
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


def sync_paths(components: dict[str, Any]) -> dict[str, Any]:
    """``/v2/sync``, ``/v2/sync/runs``, ``/v2/settings`` and ``/v2/mappings`` (sync_api.py)."""
    _sync_components(components)
    ref = "#/components/schemas/"
    common = {
        403: f"The token's auth.tokens[].actions does not include {SYNC_ACTION}.",
        503: "The database is not configured or unreachable.",
    }
    run_id = _path_parameter("runId", "A run id from POST /v2/sync (run_...).")
    setting_id = _path_parameter("settingId", "The setting; today only dependency-sync-strategy.")
    setting_id["example"] = STRATEGY_SETTING
    entity_ref = _path_parameter(
        "entityRef",
        "kind:namespace/name, e.g. component:default/payments (the / may be sent as is).",
    )
    entity_ref["example"] = "component:default/payments"
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
                        notes={400: "The body breaks the action's input schema (the same "
                                    "message and details paths as the action), an entity ref "
                                    "does not parse, or no catalog is configured for a "
                                    "strategy that reads it.",
                               409: "A sync run is already running (retryable); see "
                                    "GET /v2/sync/runs.", **common,
                               503: "The database is not configured or unreachable, or the "
                                    "server is stopping (retryable)."},
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
                    **_errors(400, 401, 403, 413, 415, 502, 503,
                              notes={400: f"{bad_ref}, the body is not as shown, the entity is "
                                          "not in the catalog (or no catalog is configured), or "
                                          "the service is not in the account.",
                                     502: "The Backstage catalog or PagerDuty failed.", **common}),
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
