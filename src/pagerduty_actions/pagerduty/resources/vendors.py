"""Vendors (integration types such as Datadog or Grafana), looked up by name."""

from __future__ import annotations

from collections.abc import Iterator

from ..client import JsonBody, PagerDutyClient


def list_vendors(client: PagerDutyClient) -> Iterator[JsonBody]:
    """``GET /vendors``, every page (the endpoint has no name filter)."""
    return client.iter_classic("/vendors", "vendors")


def find_by_name(client: PagerDutyClient, name: str) -> JsonBody | None:
    """The vendor whose name equals ``name``, ignoring case, or None."""
    wanted = name.casefold()
    for vendor in list_vendors(client):
        if str(vendor.get("name", "")).casefold() == wanted:
            return vendor
    return None
