"""Incidents of a service: list them, and open one (PagerDuty wants a ``From`` user email)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..client import JsonBody, PagerDutyClient


def list_for_service(
    client: PagerDutyClient,
    service_id: str,
    *,
    statuses: Iterable[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    date_range: str | None = None,
    incident_key: str | None = None,
) -> Iterator[JsonBody]:
    """``GET /incidents?service_ids[]=...``, every page."""
    params: dict[str, Any] = {"service_ids[]": [service_id]}
    if statuses:
        params["statuses[]"] = list(statuses)
    for name, value in (
        ("since", since),
        ("until", until),
        ("date_range", date_range),
        ("incident_key", incident_key),
    ):
        if value:
            params[name] = value
    return client.iter_classic("/incidents", "incidents", params=params)


def create(client: PagerDutyClient, *, from_email: str, incident: Mapping[str, Any]) -> JsonBody:
    """``POST /incidents``; ``incident`` needs ``title`` and ``service`` (a reference).

    With an ``incident_key`` an ambiguous failure is retried after looking the key up; without
    one it is not retried (a second POST would open a second incident).
    """
    body = {"incident": {"type": "incident", **incident}}
    key = incident.get("incident_key")
    service_id = (incident.get("service") or {}).get("id")

    def existing() -> JsonBody | None:
        if not (key and service_id):
            return None
        for found in list_for_service(
            client, str(service_id), incident_key=str(key), date_range="all"
        ):
            return {"incident": found}
        return None

    result = client.post(
        "/incidents",
        json=body,
        headers={"From": from_email},
        retry_check=existing if key and service_id else None,
    )
    created: JsonBody = result["incident"]
    return created
