"""Validation of alert grouping settings, following PagerDuty's per-type rules.

Kept as pure functions so the rules can be tested exhaustively without HTTP:

* ``time``: only ``timeout`` (60-86400 seconds).
* ``intelligent``: ``time_window`` (300-3600) and ``iag_fields``.
* ``content_based``: ``aggregate`` (``any``/``all``), ``fields``, ``time_window`` 300-3600 or 86400.
* ``content_based_intelligent``: as ``content_based`` but ``time_window`` 300-3600, one service.

``0`` is rejected everywhere (PagerDuty no longer accepts it; send ``null`` or omit the key for
the recommended value) and so are unknown keys. ``recommended_time_window`` is read-only: a client
that echoes it back from a GET is tolerated and the value ignored.
"""

from __future__ import annotations

from typing import Any

GROUPING_TYPES = ("time", "intelligent", "content_based", "content_based_intelligent")
MAX_SERVICES_PER_SETTING = 250
RECOMMENDED_TIME_WINDOW = 300

ABILITY_FOR_TYPE = {
    "time": "time_based_alert_grouping",
    "intelligent": "preview_intelligent_alert_grouping",
    "content_based": "preview_intelligent_alert_grouping",
    "content_based_intelligent": "preview_intelligent_alert_grouping",
}

_ALLOWED_KEYS: dict[str, set[str]] = {
    "time": {"timeout"},
    "intelligent": {"time_window", "iag_fields", "recommended_time_window"},
    "content_based": {"aggregate", "fields", "time_window", "recommended_time_window"},
    "content_based_intelligent": {"aggregate", "fields", "time_window", "recommended_time_window"},
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_window(name: str, value: Any, allow_day: bool) -> list[str]:
    if value is None:
        return []
    if not _is_int(value):
        return [f"{name} must be an integer"]
    if value == 0:
        return [f"{name} must not be 0; omit it or send null for the recommended value"]
    if 300 <= value <= 3600 or (allow_day and value == 86400):
        return []
    allowed = "between 300 and 3600" + (" or 86400" if allow_day else "")
    return [f"{name} must be {allowed}"]


def _check_strings(name: str, value: Any, required: bool) -> list[str]:
    if value is None:
        return [f"{name} is required"] if required else []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        return [f"{name} must be an array of non-empty strings"]
    if required and not value:
        return [f"{name} must not be empty"]
    return []


def validate_config(kind: Any, config: Any) -> list[str]:
    """Problems with ``config`` for grouping type ``kind`` (empty when valid)."""
    if kind not in GROUPING_TYPES:
        return [f"type must be one of {', '.join(GROUPING_TYPES)}"]
    if config is None:
        config = {}
    if not isinstance(config, dict):
        return ["config must be an object"]
    errors = [
        f"config.{key} is not allowed for type {kind}"
        for key in sorted(set(config) - _ALLOWED_KEYS[kind])
    ]
    if kind == "time":
        timeout = config.get("timeout")
        if timeout is not None:
            if not _is_int(timeout):
                errors.append("timeout must be an integer")
            elif timeout == 0:
                errors.append("timeout must not be 0; omit it or send null for the default")
            elif not 60 <= timeout <= 86400:
                errors.append("timeout must be between 60 and 86400")
    elif kind == "intelligent":
        errors += _check_window("time_window", config.get("time_window"), allow_day=False)
        errors += _check_strings("iag_fields", config.get("iag_fields"), required=False)
    else:
        if config.get("aggregate") not in ("any", "all"):
            errors.append("aggregate must be 'any' or 'all'")
        errors += _check_strings("fields", config.get("fields"), required=True)
        errors += _check_window(
            "time_window", config.get("time_window"), allow_day=kind == "content_based"
        )
    return errors


def validate_services(kind: Any, services: Any) -> list[str]:
    """Problems with the ``services`` array of a setting (existence is checked by the caller)."""
    if not isinstance(services, list) or not services:
        return ["services must be a non-empty array of service references"]
    if not all(isinstance(s, dict) and isinstance(s.get("id"), str) for s in services):
        return ["each service must be an object with an id"]
    if len(services) > MAX_SERVICES_PER_SETTING:
        return [f"an alert grouping setting may have at most {MAX_SERVICES_PER_SETTING} services"]
    if kind == "content_based_intelligent" and len(services) > 1:
        return ["content_based_intelligent allows only one service"]
    ids = [s["id"] for s in services]
    if len(set(ids)) != len(ids):
        return ["services must not repeat"]
    return []


def normalised_config(kind: str, config: dict[str, Any] | None) -> dict[str, Any]:
    """The config as PagerDuty stores it: defaults filled, read-only keys dropped."""
    stored = {k: v for k, v in (config or {}).items() if k != "recommended_time_window"}
    if kind == "intelligent":
        stored.setdefault("iag_fields", ["summary"])
    return stored
