"""Integrations on a service, above all the Backstage one (vendor ``PRO19CT``) whose key the
``pagerduty.com/integration-key`` annotation carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..client import JsonBody
from ..write_recorder import PagerDutyApi
from . import services

BACKSTAGE_VENDOR_ID = "PRO19CT"


def get(
    client: PagerDutyApi,
    service_id: str,
    integration_id: str,
    *,
    retry_404_for: float = 0.0,
) -> JsonBody:
    """``GET /services/{id}/integrations/{integration_id}`` (carries ``integration_key``);
    ``retry_404_for`` rides out the lag just after a create."""
    body = client.get(
        "/services/{id}/integrations/{integration_id}",
        path_params={"id": service_id, "integration_id": integration_id},
        retry_404_for=retry_404_for,
    )
    integration: JsonBody = body["integration"]
    return integration


def list_for_service(client: PagerDutyApi, service_id: str) -> list[JsonBody]:
    """The service's integrations, read through ``include[]=integrations``."""
    service = services.get(client, service_id, include=["integrations"])
    return list(service.get("integrations") or [])


def _matches(integration: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    vendor = (wanted.get("vendor") or {}).get("id")
    if vendor and (integration.get("vendor") or {}).get("id") != vendor:
        return False
    if wanted.get("type") and integration.get("type") not in (
        wanted["type"],
        f"{wanted['type']}_reference",
    ):
        return False
    return integration.get("name") == wanted.get("name")


def create(
    client: PagerDutyApi,
    service_id: str,
    integration: Mapping[str, Any],
    *,
    retry_404_for: float = 0.0,
) -> JsonBody:
    """``POST /services/{id}/integrations``. An ambiguous failure is retried only after checking
    that no integration of that name (and vendor) exists on the service; ``retry_404_for``
    re-sends while a service created a moment ago is not visible yet."""
    body = {"integration": {"service": {"id": service_id, "type": "service_reference"}}}
    body["integration"].update(integration)

    def existing() -> JsonBody | None:
        service = services.get(
            client, service_id, include=["integrations"], retry_404_for=retry_404_for
        )
        for found in service.get("integrations") or []:
            if _matches(found, integration):
                found_id = str(found["id"])
                return {
                    "integration": get(client, service_id, found_id, retry_404_for=retry_404_for)
                }
        return None

    result = client.post(
        "/services/{id}/integrations",
        path_params={"id": service_id},
        json=body,
        retry_check=existing,
        retry_404_for=retry_404_for,
    )
    created: JsonBody = result["integration"]
    return created


def create_backstage(client: PagerDutyApi, service_id: str, name: str = "Backstage") -> JsonBody:
    """The Backstage integration (vendor ``PRO19CT``), as PagerDuty's own plugin creates it."""
    return create(
        client,
        service_id,
        {"name": name, "vendor": {"id": BACKSTAGE_VENDOR_ID, "type": "vendor_reference"}},
    )


def find_backstage(client: PagerDutyApi, service_id: str) -> JsonBody | None:
    """The service's Backstage integration with its ``integration_key``, or None."""
    for integration in list_for_service(client, service_id):
        if (integration.get("vendor") or {}).get("id") == BACKSTAGE_VENDOR_ID:
            if integration.get("integration_key"):
                return integration
            return get(client, service_id, str(integration["id"]))
    return None
