"""Typed helpers over the PagerDuty endpoints the actions use, one small module per resource.

Each helper takes a :class:`~pagerduty_actions.pagerduty.client.PagerDutyClient` first and
returns PagerDuty's own JSON objects (plain dicts), unwrapped from their envelope
(``{"service": {...}}`` -> ``{...}``). Paths, methods and body keys follow rest-v2.json.
"""

from . import (
    abilities,
    alert_grouping,
    dependencies,
    escalation_policies,
    events,
    incidents,
    insights,
    integrations,
    services,
    vendors,
)

__all__ = [
    "abilities",
    "alert_grouping",
    "dependencies",
    "escalation_policies",
    "events",
    "incidents",
    "insights",
    "integrations",
    "services",
    "vendors",
]
