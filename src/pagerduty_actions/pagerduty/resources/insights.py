"""Read-only views of a service for the catalog: on-calls, change events, standards scores
and incident metrics."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..client import JsonBody, PagerDutyClient


def oncalls(
    client: PagerDutyClient,
    *,
    escalation_policy_ids: Iterable[str] | None = None,
    schedule_ids: Iterable[str] | None = None,
    user_ids: Iterable[str] | None = None,
    include: Iterable[str] | None = None,
    earliest: bool | None = None,
) -> Iterator[JsonBody]:
    """``GET /oncalls``, every page."""
    params: dict[str, Any] = {}
    for name, values in (
        ("escalation_policy_ids[]", escalation_policy_ids),
        ("schedule_ids[]", schedule_ids),
        ("user_ids[]", user_ids),
        ("include[]", include),
    ):
        if values:
            params[name] = list(values)
    if earliest is not None:
        params["earliest"] = "true" if earliest else "false"
    return client.iter_classic("/oncalls", "oncalls", params=params)


def change_events(
    client: PagerDutyClient,
    service_id: str,
    *,
    since: str | None = None,
    until: str | None = None,
    limit: int = 100,
) -> list[JsonBody]:
    """``GET /services/{id}/change_events``: one page of the newest ``limit`` events (the
    response carries no ``more`` flag to page on)."""
    params: dict[str, Any] = {"limit": limit}
    if since:
        params["since"] = since
    if until:
        params["until"] = until
    body = client.get("/services/{id}/change_events", path_params={"id": service_id}, params=params)
    return list(body.get("change_events") or [])


def standards_scores(client: PagerDutyClient, service_id: str) -> JsonBody:
    """``GET /standards/scores/technical_services/{id}``: which standards the service meets."""
    return client.get(
        "/standards/scores/{resource_type}/{id}",
        path_params={"resource_type": "technical_services", "id": service_id},
    )


def service_incident_metrics(
    client: PagerDutyClient,
    service_ids: Iterable[str],
    *,
    created_at_start: str,
    created_at_end: str,
    aggregate_unit: str | None = None,
    time_zone: str | None = None,
) -> list[JsonBody]:
    """``POST /analytics/metrics/incidents/services``: a read, so retried like one."""
    body: dict[str, Any] = {
        "filters": {
            "created_at_start": created_at_start,
            "created_at_end": created_at_end,
            "service_ids": list(service_ids),
        }
    }
    if aggregate_unit:
        body["aggregate_unit"] = aggregate_unit
    if time_zone:
        body["time_zone"] = time_zone
    result = client.post("/analytics/metrics/incidents/services", json=body, idempotent=True)
    return list(result.get("data") or [])
