"""Alert grouping input -> an Alert Grouping Settings request.

The PagerDuty plugin's shorthand words are kept for compatibility, but mapped to PagerDuty's
current API with null (= PagerDuty's recommended value) where the plugin sent 0, which
PagerDuty no longer accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Which account ability each grouping type needs (the abilities PagerDuty's plugin checks).
ABILITY_FOR_TYPE = {
    "time": "time_based_alert_grouping",
    "intelligent": "preview_intelligent_alert_grouping",
    "content_based": "preview_intelligent_alert_grouping",
    "content_based_intelligent": "preview_intelligent_alert_grouping",
}
MAX_SERVICES_PER_SETTING = 250

_SHORTHAND: dict[str, dict[str, Any]] = {
    "time": {"timeout": None},
    "intelligent": {"time_window": None},
    "content_based": {"aggregate": "all", "fields": ["source", "summary"], "time_window": None},
}
_WINDOW_KEYS = ("timeout", "time_window")


@dataclass(frozen=True)
class GroupingRequest:
    """What the caller asked for: a new setting of ``type``, or joining ``setting_id``."""

    type: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    setting_id: str | None = None
    required: bool = True

    @property
    def ability(self) -> str | None:
        return ABILITY_FOR_TYPE.get(self.type) if self.type else None


def parse_grouping(value: Any) -> GroupingRequest | None:
    """Normalise the validated ``alertGrouping`` input."""
    if value is None:
        return None
    if isinstance(value, str):
        return GroupingRequest(type=value, config=dict(_SHORTHAND[value]))
    if "settingId" in value:
        return GroupingRequest(setting_id=value["settingId"], required=value.get("required", True))
    config = {
        k: (None if k in _WINDOW_KEYS and v == 0 else v)
        for k, v in (value.get("config") or {}).items()
    }
    for key in _WINDOW_KEYS:
        if key in _default_keys(value["type"]):
            config.setdefault(key, None)
    return GroupingRequest(
        type=value["type"],
        config=config,
        name=value.get("name"),
        required=value.get("required", True),
    )


def _default_keys(kind: str) -> tuple[str, ...]:
    return ("timeout",) if kind == "time" else ("time_window",)


def new_setting_body(
    request: GroupingRequest, service_id: str, service_name: str
) -> dict[str, Any]:
    return {
        "name": request.name or f"{service_name} ({request.type})",
        "type": request.type,
        "config": request.config,
        "services": [{"id": service_id, "type": "service_reference"}],
    }


def joined_setting_body(setting: dict[str, Any], service_id: str) -> dict[str, Any]:
    """The setting with ``service_id`` added to its services (PUT replaces the list)."""
    refs = [{"id": s["id"], "type": "service_reference"} for s in setting.get("services") or []]
    if all(r["id"] != service_id for r in refs):
        refs.append({"id": service_id, "type": "service_reference"})
    return {"type": setting.get("type"), "config": setting.get("config") or {}, "services": refs}
