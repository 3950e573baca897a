"""``pagerduty:incident:trigger``: open (or join) an incident through PagerDuty's Events API v2.

The event is routed by an integration key: the one given, or the Backstage integration of the
given service, looked up in PagerDuty. That key is a secret, so it is never logged, never
returned and masked in a dry run's plan; the plan is the body :func:`events.event_body` builds
for the real run. A trigger always carries a dedup key (a fresh one unless given), so an
answer lost on the way back is retried safely: PagerDuty joins the same incident instead of
opening a second. ``entityPage.readOnly`` refuses the action outright, dry runs included, so a
plan never promises what the server will refuse.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal, Required, TypedDict
from urllib.parse import quote

from .. import pagerduty as pd
from ..catalog import InvalidEntityRefError, parse_entity_ref
from ..config import Config
from ..context import ActionContext, output_with_warnings
from ..entity_page import EntityPageSettings, refuse_if_read_only
from ..errors import InputError
from ..pagerduty.resources import events, integrations
from .errors import not_in_account

ACTION_ID = "pagerduty:incident:trigger"


class Link(TypedDict, total=False):
    href: Required[str]
    text: str


# ``schemas/actions/incident_trigger.input.json`` (a test keeps the two in step); the functional
# form because ``class`` is one of the fields.
IncidentTriggerInput = TypedDict(
    "IncidentTriggerInput",
    {
        "summary": Required[str],
        "severity": Literal["critical", "error", "warning", "info"],
        "source": str,
        "dedupKey": str,
        "integrationKey": str,
        "serviceId": str,
        "account": str,
        "entityRef": str,
        "links": list[Link],
        "customDetails": dict[str, Any],
        "component": str,
        "group": str,
        "class": str,
    },
    total=False,
)
MASK = "********"
CLIENT = "Backstage"
TRIGGERING = "triggering an incident"


def run(
    ctx: ActionContext, payload: IncidentTriggerInput, *, config: Config, pagerduty: pd.ClientPool
) -> dict[str, Any]:
    refuse_if_read_only(EntityPageSettings.from_config(config), TRIGGERING)
    client = pagerduty.get(payload.get("account"))
    entity_ref, entity_url = _entity(config, payload.get("entityRef"))
    service_id = payload.get("serviceId")
    dedup_key = payload.get("dedupKey") or uuid.uuid4().hex
    event, extra = trigger_event(payload, entity_ref=entity_ref, entity_url=entity_url)
    result: dict[str, Any] = {
        "dedupKey": dedup_key,
        "incidentKey": dedup_key,
        "serviceId": service_id,
        "entityUrl": entity_url,
    }
    if ctx.dry_run:
        masked = events.event_body(MASK, "trigger", payload=event, dedup_key=dedup_key, extra=extra)
        routed = f"service {service_id}'s Backstage integration" if service_id else "the given key"
        ctx.log(f"would trigger {payload['summary']!r} through {routed} (key masked)")
        result["plan"] = [{"method": "POST", "url": events.enqueue_url(client), "body": masked}]
        return output_with_warnings(ctx, result)
    routing_key = payload.get("integrationKey") or _service_key(client, str(service_id))
    answer = events.enqueue(
        client, routing_key, "trigger", payload=event, dedup_key=dedup_key, extra=extra
    )
    ctx.log(f"triggered {payload['summary']!r}: dedup key {dedup_key}")
    result.update(status=str(answer.get("status", "")), message=str(answer.get("message", "")))
    return output_with_warnings(ctx, result)


def trigger_event(
    payload: IncidentTriggerInput, *, entity_ref: str | None, entity_url: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The event's ``payload`` and its top-level extras (client, links) from the input."""
    event: dict[str, Any] = {
        "summary": payload["summary"],
        "source": payload.get("source") or entity_ref or "backstage",
        "severity": payload.get("severity", "error"),
    }
    for field in ("component", "group", "class"):
        if payload.get(field):
            event[field] = payload[field]
    details = dict(payload.get("customDetails") or {})
    if entity_ref:
        details.setdefault("backstage_entity", entity_ref)
    if details:
        event["custom_details"] = details
    links = [dict(link) for link in payload.get("links") or []]
    extra: dict[str, Any] = {"client": CLIENT}
    if entity_url:
        extra["client_url"] = entity_url
        links.insert(0, {"href": entity_url, "text": f"Backstage: {entity_ref}"})
    if links:
        extra["links"] = links
    return event, extra


def _entity(config: Config, text: str | None) -> tuple[str | None, str | None]:
    """The entity ref, normalised, and its Backstage page when ``backstage.baseUrl`` is set."""
    if not text:
        return None, None
    try:
        ref = parse_entity_ref(text)
    except InvalidEntityRefError as exc:
        raise InputError(
            f"entityRef: {exc}", details=[{"path": "$.entityRef", "message": str(exc)}]
        ) from None
    base = str(config.section("backstage").get("baseUrl") or "").rstrip("/")
    if not base:
        return str(ref), None
    # Backstage's entity route: namespace and kind lower-cased, the name as it is.
    parts = (ref.namespace.lower(), ref.kind.lower(), ref.name)
    return str(ref), f"{base}/catalog/" + "/".join(quote(part, safe="") for part in parts)


def _service_key(client: pd.PagerDutyClient, service_id: str) -> str:
    """The integration key of the service's Backstage integration (vendor PRO19CT)."""
    try:
        found = integrations.find_backstage(client, service_id)
    except pd.ObjectNotFoundError:
        raise not_in_account(
            f"PagerDuty service {service_id}", client.account.id, "$.serviceId"
        ) from None
    key = (found or {}).get("integration_key")
    if not key:
        raise InputError(
            f"service {service_id} has no Backstage integration to route the event by; give "
            "integrationKey, or add the integration (pagerduty:service:create makes one)",
            details=[{"path": "$.serviceId", "message": "no Backstage integration"}],
        )
    return str(key)
