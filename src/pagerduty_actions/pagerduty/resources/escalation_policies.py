"""Escalation policies: by id, or by exact name through the server-side ``query`` filter, so a
name resolves in one or two calls even in accounts with hundreds of policies."""

from __future__ import annotations

from collections.abc import Iterator

from ..client import JsonBody, PagerDutyClient


def get(client: PagerDutyClient, policy_id: str, *, retry_404_for: float = 0.0) -> JsonBody:
    body = client.get(
        "/escalation_policies/{id}", path_params={"id": policy_id}, retry_404_for=retry_404_for
    )
    policy: JsonBody = body["escalation_policy"]
    return policy


def list_policies(client: PagerDutyClient, *, query: str | None = None) -> Iterator[JsonBody]:
    """``GET /escalation_policies``, every page, optionally filtered by ``query``."""
    params = {"query": query} if query else {}
    return client.iter_classic("/escalation_policies", "escalation_policies", params=params)


def find_by_name(client: PagerDutyClient, name: str) -> JsonBody | None:
    """The policy named exactly ``name``, or None."""
    for policy in list_policies(client, query=name):
        if policy.get("name") == name:
            return policy
    return None
