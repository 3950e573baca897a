"""Alert Grouping Settings (``/alert_grouping_settings``), the current way to group alerts.

The service fields ``alert_grouping*`` are deprecated, and PagerDuty no longer accepts 0 for
``timeout``/``time_window``: null asks for the recommended value. So a 0 given here is sent as
null, never as 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..client import JsonBody
from ..errors import ObjectNotFoundError
from ..write_recorder import PagerDutyApi

TYPES = ("time", "intelligent", "content_based", "content_based_intelligent")
_ZERO_MEANS_DEFAULT = ("timeout", "time_window")


def _clean(setting: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(setting)
    if setting.get("type") is not None and setting["type"] not in TYPES:
        raise ValueError(f"alert grouping type must be one of {', '.join(TYPES)}")
    config = setting.get("config")
    if isinstance(config, Mapping):
        cleaned["config"] = {
            k: (None if k in _ZERO_MEANS_DEFAULT and v == 0 else v) for k, v in config.items()
        }
    return cleaned


def list_settings(
    client: PagerDutyApi, *, service_ids: Iterable[str] | None = None
) -> Iterator[JsonBody]:
    """``GET /alert_grouping_settings`` (cursor ``after``), every page.

    PagerDuty has answered 404 with no body when an account has no settings; that is an
    empty list, not an error.
    """
    params = {"service_ids[]": list(service_ids)} if service_ids else {}
    pages = client.iter_cursor(
        "/alert_grouping_settings",
        "alert_grouping_settings",
        params=params,
        cursor_param="after",
        next_field="after",
    )
    try:
        yield from pages
    except ObjectNotFoundError:
        return


def get(client: PagerDutyApi, setting_id: str, *, retry_404_for: float = 0.0) -> JsonBody:
    """``GET /alert_grouping_settings/{id}``; ``retry_404_for`` rides out the lag just after
    a create."""
    body = client.get(
        "/alert_grouping_settings/{id}", path_params={"id": setting_id}, retry_404_for=retry_404_for
    )
    setting: JsonBody = body["alert_grouping_setting"]
    return setting


def create(
    client: PagerDutyApi, setting: Mapping[str, Any], *, retry_404_for: float = 0.0
) -> JsonBody:
    """``POST /alert_grouping_settings`` with ``{type, config, services[, name, description]}``.

    Not retried after an ambiguous failure: settings have no natural key to look up by.
    ``retry_404_for`` re-sends while a service created a moment ago is not visible yet.
    """
    body = client.post(
        "/alert_grouping_settings",
        json={"alert_grouping_setting": _clean(setting)},
        retry_404_for=retry_404_for,
    )
    created: JsonBody = body["alert_grouping_setting"]
    return created


def update(client: PagerDutyApi, setting_id: str, setting: Mapping[str, Any]) -> JsonBody:
    body = client.put(
        "/alert_grouping_settings/{id}",
        path_params={"id": setting_id},
        json={"alert_grouping_setting": _clean(setting)},
    )
    updated: JsonBody = body["alert_grouping_setting"]
    return updated


def delete(client: PagerDutyApi, setting_id: str, *, retry_404_for: float = 0.0) -> bool:
    """False when PagerDuty answered 404 (gone, or for a new setting not visible yet:
    ``retry_404_for`` rides that out)."""
    try:
        client.delete(
            "/alert_grouping_settings/{id}",
            path_params={"id": setting_id},
            retry_404_for=retry_404_for,
        )
    except ObjectNotFoundError:
        return False
    return True


def exists(client: PagerDutyApi, setting_id: str) -> bool:
    """Whether ``GET /alert_grouping_settings/{id}`` finds it (one call): reads a delete back."""
    try:
        get(client, setting_id)
    except ObjectNotFoundError:
        return False
    return True


def service_refs(service_ids: Iterable[str]) -> list[dict[str, str]]:
    """The ``services`` array of a setting body."""
    return [{"id": sid, "type": "service_reference"} for sid in service_ids]
