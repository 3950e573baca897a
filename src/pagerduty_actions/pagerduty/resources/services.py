"""Services: read, list, create (without duplicates), update, delete, find by exact name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..client import JsonBody
from ..errors import ObjectNotFoundError
from ..write_recorder import PagerDutyApi


def _params(include: Iterable[str] | None) -> dict[str, Any]:
    return {"include[]": list(include)} if include else {}


def get(
    client: PagerDutyApi,
    service_id: str,
    *,
    include: Iterable[str] | None = None,
    retry_404_for: float = 0.0,
) -> JsonBody:
    """``GET /services/{id}``; ``retry_404_for`` rides out the lag just after a create."""
    body = client.get(
        "/services/{id}",
        path_params={"id": service_id},
        params=_params(include),
        retry_404_for=retry_404_for,
    )
    service: JsonBody = body["service"]
    return service


def list_services(
    client: PagerDutyApi,
    *,
    query: str | None = None,
    include: Iterable[str] | None = None,
    team_ids: Iterable[str] | None = None,
) -> Iterator[JsonBody]:
    """``GET /services``, every page; ``query`` is PagerDuty's server-side name filter."""
    params = _params(include)
    if query:
        params["query"] = query
    if team_ids:
        params["team_ids[]"] = list(team_ids)
    return client.iter_classic("/services", "services", params=params)


def find_by_name(
    client: PagerDutyApi, name: str, *, include: Iterable[str] | None = None
) -> JsonBody | None:
    """The service named exactly ``name`` (``query`` matches substrings), or None."""
    for service in list_services(client, query=name, include=include):
        if service.get("name") == name:
            return service
    return None


def create(client: PagerDutyApi, service: Mapping[str, Any]) -> JsonBody:
    """``POST /services``. If the POST fails ambiguously it is retried only after looking the
    service up by name, so a retry never makes a second service."""
    body = {"service": {"type": "service", **service}}
    name = service.get("name")

    def existing() -> JsonBody | None:
        found = find_by_name(client, str(name)) if name else None
        return {"service": found} if found else None

    result = client.post("/services", json=body, retry_check=existing if name else None)
    created: JsonBody = result["service"]
    return created


def update(client: PagerDutyApi, service_id: str, changes: Mapping[str, Any]) -> JsonBody:
    """``PUT /services/{id}`` with ``changes``; PagerDuty keeps the fields not sent.

    rest-v2.json requires ``escalation_policy`` in every update body, so when ``changes`` lacks
    it the service's current policy is read and sent back unchanged (one more GET).
    """
    service_body: dict[str, Any] = {"type": "service", **changes}
    if "escalation_policy" not in changes:
        current = get(client, service_id).get("escalation_policy") or {}
        service_body["escalation_policy"] = {
            "id": current.get("id"),
            "type": "escalation_policy_reference",
        }
    body = client.put(
        "/services/{id}", path_params={"id": service_id}, json={"service": service_body}
    )
    service: JsonBody = body["service"]
    return service


def delete(client: PagerDutyApi, service_id: str, *, retry_404_for: float = 0.0) -> bool:
    """``DELETE /services/{id}``; False when PagerDuty answered 404 (already gone, or, for a
    service created a moment ago, not visible yet: ``retry_404_for`` rides that out)."""
    try:
        client.delete("/services/{id}", path_params={"id": service_id}, retry_404_for=retry_404_for)
    except ObjectNotFoundError:
        return False
    return True


def exists(client: PagerDutyApi, service_id: str) -> bool:
    """Whether ``GET /services/{id}`` finds it (one call, no 404 retry): reads a delete back."""
    try:
        get(client, service_id)
    except ObjectNotFoundError:
        return False
    return True
