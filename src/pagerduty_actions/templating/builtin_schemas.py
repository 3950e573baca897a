"""Input schemas of the Backstage built-ins the runner executes (draft-07, as Backstage's).

Lint checks a step's input against these before the run, the runner again after rendering,
so a missing ``url`` or a misspelt ``targetPath`` is found in CI rather than in Backstage.
They cover the inputs we implement; Backstage's own actions accept a few more, which we
name in ``UNSUPPORTED_INPUTS`` so the author is told rather than silently ignored.
"""

from __future__ import annotations

from typing import Any

_STRING = {"type": "string"}
_STRINGS = {"type": "array", "items": {"type": "string"}}

BUILTIN_INPUT_SCHEMAS: dict[str, dict[str, Any]] = {
    "debug:log": {
        "type": "object",
        "properties": {
            "message": _STRING,
            "listWorkspace": {
                "anyOf": [{"type": "boolean"}, {"enum": ["with-filenames", "with-contents"]}]
            },
            "extra": {},
        },
    },
    "fetch:template": {
        "type": "object",
        "required": ["url"],
        "properties": {
            "url": _STRING,
            "targetPath": _STRING,
            "values": {"type": "object"},
            "copyWithoutTemplating": _STRINGS,
            "copyWithoutRender": _STRINGS,
            "templateFileExtension": {"type": ["boolean", "string"]},
            "replace": {"type": "boolean"},
            "cookiecutterCompatibility": {"type": "boolean"},
            "trimBlocks": {"type": "boolean"},
            "lstripBlocks": {"type": "boolean"},
            "token": _STRING,
        },
        "additionalProperties": False,
    },
    "fetch:plain": {
        "type": "object",
        "required": ["url"],
        "properties": {"url": _STRING, "targetPath": _STRING, "token": _STRING},
        "additionalProperties": False,
    },
    "catalog:write": {
        "type": "object",
        "required": ["entity"],
        "properties": {"filePath": _STRING, "entity": {"type": "object"}},
        "additionalProperties": False,
    },
    "fs:rename": {
        "type": "object",
        "required": ["files"],
        "properties": {
            "files": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["from", "to"],
                    "properties": {
                        "from": _STRING,
                        "to": _STRING,
                        "overwrite": {"type": "boolean"},
                    },
                },
            }
        },
        "additionalProperties": False,
    },
    "fs:delete": {
        "type": "object",
        "required": ["files"],
        "properties": {"files": _STRINGS},
        "additionalProperties": False,
    },
}

#: Inputs Backstage accepts that the runner refuses (it would otherwise render differently).
UNSUPPORTED_INPUTS: dict[str, frozenset[str]] = {
    "fetch:template": frozenset(
        {"cookiecutterCompatibility", "trimBlocks", "lstripBlocks", "token"}
    ),
    "fetch:plain": frozenset({"token"}),
}
