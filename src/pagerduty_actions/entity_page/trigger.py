"""The card's "Create Incident": an Events API v2 trigger, checked, then sent for the card.

``@backstage/plugin-pagerduty`` posts ``{event_action: trigger, routing_key, client,
client_url, payload: {summary, source, severity, class, custom_details}}`` to
``<eventsBaseUrl>/enqueue``. Served by us, the event goes to the events host of the chosen
account (EU accounts to PagerDuty's EU host) — unless ``entityPage.readOnly`` refuses it before
anything is sent. Only triggers are taken: the card sends nothing else, and acknowledging or
resolving someone's incident from a component page is not its job.

The routing key is the service's integration key, a credential: it is checked by shape without
being quoted, and redacted from every error.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import InputError
from ..pagerduty.resources import events
from ..validation import describe_errors, input_validator
from .reader import EntityPageReader
from .settings import refuse_if_read_only

_ROUTING_KEY = re.compile(r"[A-Za-z0-9]{32}")
_TEXT = {"type": "string", "minLength": 1, "maxLength": 1024}
_SHORT = {"type": "string", "maxLength": 255}
_LINKS = {
    "type": "array",
    "maxItems": 20,
    "items": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"href": _TEXT, "text": _SHORT, "src": _TEXT, "alt": _SHORT},
    },
}

# The trigger the card sends (and what else the Events API takes on a trigger), bounded.
TRIGGER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["event_action", "routing_key", "payload"],
    "properties": {
        "event_action": {"const": "trigger", "description": "Only triggers are served here."},
        "routing_key": {
            "type": "string",
            "description": "The service's 32-character integration key.",
        },
        "dedup_key": _SHORT,
        "client": _SHORT,
        "client_url": _TEXT,
        "links": _LINKS,
        "images": _LINKS,
        "payload": {
            "type": "object",
            "additionalProperties": False,
            "required": ["summary", "source", "severity"],
            "properties": {
                "summary": _TEXT,
                "source": {**_SHORT, "minLength": 1},
                "severity": {"enum": ["critical", "error", "warning", "info"]},
                "timestamp": _SHORT,
                "component": _SHORT,
                "group": _SHORT,
                "class": _SHORT,
                "custom_details": {"type": "object", "maxProperties": 100},
            },
        },
    },
}
_VALIDATOR = input_validator(TRIGGER_SCHEMA)


def checked_trigger(event: Any) -> dict[str, Any]:
    """``event`` when it is a trigger the Events API takes, else an :class:`InputError`
    listing every problem; the routing key is checked first and never quoted."""
    if isinstance(event, dict):
        key = event.get("routing_key")
        if key is not None and not (isinstance(key, str) and _ROUTING_KEY.fullmatch(key)):
            raise InputError(
                "routing_key must be the service's integration key: 32 letters and digits "
                "(the entity's pagerduty.com/integration-key annotation)",
                details=[{"path": "$.routing_key", "message": "not an integration key"}],
            )
    details = describe_errors(_VALIDATOR, event)
    if details:
        summary = "; ".join(f"{d['path']}: {d['message']}" for d in details[:5])
        raise InputError(f"not a trigger event: {summary}", details=details)
    assert isinstance(event, dict)
    return event


def send_trigger(reader: EntityPageReader, event: Any, account: str | None) -> dict[str, Any]:
    """Refuse in read-only mode, check ``event``, send it to the account's events host;
    PagerDuty's answer (``{status, message, dedup_key}``) or its error."""
    refuse_if_read_only(reader.settings, "triggering an incident")
    trigger = checked_trigger(event)
    client = reader.client(account)
    extra: dict[str, Any] = {
        k: trigger[k] for k in ("client", "client_url", "links", "images") if k in trigger
    }
    answer = events.enqueue(
        client,
        trigger["routing_key"],
        "trigger",
        payload=trigger["payload"],
        dedup_key=trigger.get("dedup_key"),
        extra=extra,
    )
    # The card re-reads its incidents right after "Create Incident": they must show it.
    reader.forget("/incidents", account)
    return answer
