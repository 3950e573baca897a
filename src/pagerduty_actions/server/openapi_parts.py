"""Pieces every part of the OpenAPI document uses: error responses and JSON bodies."""

from __future__ import annotations

from typing import Any

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}


def errors(*codes: int, notes: dict[int, str] | None = None) -> dict[str, Any]:
    """Error responses; ``notes`` replaces the action-run wording for routes that differ."""
    text = {
        400: "Invalid input; details list every problem with its JSON path.",
        401: "Missing or unknown bearer token.",
        403: "The token may not run this action.",
        404: "Unknown action.",
        409: "Idempotency-Key reused with other input, or the first request with it still "
        "running (retryable: ask again after Retry-After, to get its response).",
        413: "Body over the size limit.",
        415: "Body is not JSON.",
        502: "PagerDuty or the git host failed; the message is theirs.",
        503: "Database unavailable; nothing was run.",
    } | (notes or {})
    return {
        str(c): {"description": text[c], "content": {"application/json": {"schema": ERROR_BODY}}}
        for c in codes
    }


def json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def path_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }


def relocate(schema: Any, prefix: str, components: dict[str, Any]) -> Any:
    """Copy ``schema`` with its ``$defs`` moved into ``components`` under ``prefix``."""
    if isinstance(schema, dict):
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key == "$schema":
                continue
            if key == "$defs" and isinstance(value, dict):
                for name, sub in value.items():
                    components[f"{prefix}_{name}"] = relocate(sub, prefix, components)
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = f"#/components/schemas/{prefix}_{value.removeprefix('#/$defs/')}"
                continue
            out[key] = relocate(value, prefix, components)
        return out
    if isinstance(schema, list):
        return [relocate(v, prefix, components) for v in schema]
    return schema
