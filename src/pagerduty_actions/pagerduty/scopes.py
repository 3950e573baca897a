"""Which OAuth scopes our PagerDuty calls need, so start-up names what a token lacks.

PagerDuty answers 403 when a scoped OAuth token lacks an operation's scope, and users of other
tools only found out on the first failing call (``abilities.read`` for ``GET /abilities``), or
got a token carrying no useful scope at all. At start-up the server asks
:meth:`~pagerduty_actions.pagerduty.pool.ClientPool.missing_scopes` for :data:`REQUIRED_SCOPES`
and says, per account, which scope to grant. This module is only the data. Scope names are the
``x-pd-requires-scope`` of each operation in rest-v2.json; a test keeps
:data:`OPERATION_SCOPES` equal to the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# (method, path template) of every operation the resource helpers call -> its scope.
OPERATION_SCOPES: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("GET", "/abilities"): "abilities.read",
        ("GET", "/abilities/{id}"): "abilities.read",
        ("GET", "/vendors"): "vendors.read",
        ("GET", "/escalation_policies"): "escalation_policies.read",
        ("GET", "/escalation_policies/{id}"): "escalation_policies.read",
        ("GET", "/services"): "services.read",
        ("GET", "/services/{id}"): "services.read",
        ("POST", "/services"): "services.write",
        ("PUT", "/services/{id}"): "services.write",
        ("DELETE", "/services/{id}"): "services.write",
        ("GET", "/services/{id}/integrations/{integration_id}"): "services.read",
        ("POST", "/services/{id}/integrations"): "services.write",
        ("GET", "/alert_grouping_settings"): "services.read",
        ("GET", "/alert_grouping_settings/{id}"): "services.read",
        ("POST", "/alert_grouping_settings"): "services.write",
        ("PUT", "/alert_grouping_settings/{id}"): "services.write",
        ("DELETE", "/alert_grouping_settings/{id}"): "services.write",
        ("GET", "/service_dependencies/technical_services/{id}"): "services.read",
        ("POST", "/service_dependencies/associate"): "services.write",
        ("POST", "/service_dependencies/disassociate"): "services.write",
        ("GET", "/incidents"): "incidents.read",
        ("POST", "/incidents"): "incidents.write",
        ("GET", "/oncalls"): "oncalls.read",
        ("GET", "/services/{id}/change_events"): "services.read",
        ("GET", "/standards/scores/{resource_type}/{id}"): "standards.read",
        ("POST", "/analytics/metrics/incidents/services"): "analytics.write",
    }
)

# What the actions call: service create (abilities, vendors, escalation policies, services,
# integrations, alert grouping settings), entity annotate (services, integrations) and the
# dependency sync (services, service dependencies). A token without one of these fails an action.
REQUIRED_SCOPES: tuple[str, ...] = (
    "abilities.read",
    "escalation_policies.read",
    "services.read",
    "services.write",
    "vendors.read",
)

# Only the read-only catalog helpers (incidents, on-calls, standards, metrics) use these, and no
# action does, so lacking them is not reported: operators may keep the token narrower.
OPTIONAL_SCOPES: tuple[str, ...] = tuple(
    sorted(set(OPERATION_SCOPES.values()) - set(REQUIRED_SCOPES))
)


__all__ = ["OPERATION_SCOPES", "OPTIONAL_SCOPES", "REQUIRED_SCOPES"]
