"""Events API v2 (``{events_base_url}/v2/enqueue``): trigger, acknowledge or resolve an alert.

It authenticates by the integration (routing) key in the body, not by the REST credential, and
that key is a secret: it is redacted from every error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..client import JsonBody, PagerDutyClient

EVENT_ACTIONS = ("trigger", "acknowledge", "resolve")
ENQUEUE_PATH = "/v2/enqueue"
SEVERITIES = ("critical", "error", "warning", "info")


def event_body(
    routing_key: str,
    event_action: str,
    *,
    payload: Mapping[str, Any] | None = None,
    dedup_key: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The body :func:`enqueue` sends; a dry run plans with it (its key masked), so the plan is
    built by the same lines as the request."""
    if event_action not in EVENT_ACTIONS:
        raise ValueError(f"event_action must be one of {', '.join(EVENT_ACTIONS)}")
    if event_action == "trigger" and not payload:
        raise ValueError("a trigger event needs a payload (summary, source, severity)")
    body: dict[str, Any] = {"routing_key": routing_key, "event_action": event_action}
    if dedup_key:
        body["dedup_key"] = dedup_key
    if payload:
        body["payload"] = dict(payload)
    body.update(extra or {})
    return body


def enqueue_url(client: PagerDutyClient) -> str:
    """Where :func:`enqueue` posts: the account's Events API base (regional or configured)."""
    return f"{client.account.events_base_url.rstrip('/')}{ENQUEUE_PATH}"


def enqueue(
    client: PagerDutyClient,
    routing_key: str,
    event_action: str,
    *,
    payload: Mapping[str, Any] | None = None,
    dedup_key: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JsonBody:
    """Send one event; returns ``{status, message, dedup_key}``.

    Retried after ambiguous failures only with a ``dedup_key`` (PagerDuty deduplicates on it);
    a trigger without one could open a second alert.
    """
    body = event_body(routing_key, event_action, payload=payload, dedup_key=dedup_key, extra=extra)
    return client.request_json(
        "POST",
        ENQUEUE_PATH,
        json=body,
        base_url=client.account.events_base_url,
        authenticate=False,
        idempotent=dedup_key is not None,
        secrets=(routing_key,),
    )
