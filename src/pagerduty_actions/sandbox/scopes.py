"""OAuth scopes each sandboxed operation requires (PagerDuty's ``x-pd-requires-scope``).

Only OAuth callers are checked; account API tokens carry full access, as on PagerDuty.
"""

from __future__ import annotations

REQUIRED_SCOPES: dict[tuple[str, str], str] = {
    ("GET", "/services"): "services.read",
    ("POST", "/services"): "services.write",
    ("GET", "/services/{id}"): "services.read",
    ("PUT", "/services/{id}"): "services.write",
    ("DELETE", "/services/{id}"): "services.write",
    ("POST", "/services/{id}/integrations"): "services.write",
    ("GET", "/services/{id}/integrations/{integration_id}"): "services.read",
    ("GET", "/services/{id}/change_events"): "services.read",
    ("GET", "/vendors"): "vendors.read",
    ("GET", "/vendors/{id}"): "vendors.read",
    ("GET", "/abilities"): "abilities.read",
    ("GET", "/abilities/{id}"): "abilities.read",
    ("GET", "/escalation_policies"): "escalation_policies.read",
    ("GET", "/escalation_policies/{id}"): "escalation_policies.read",
    ("GET", "/teams"): "teams.read",
    ("GET", "/teams/{id}"): "teams.read",
    ("GET", "/users"): "users.read",
    ("GET", "/users/{id}"): "users.read",
    ("GET", "/alert_grouping_settings"): "services.read",
    ("POST", "/alert_grouping_settings"): "services.write",
    ("GET", "/alert_grouping_settings/{id}"): "services.read",
    ("PUT", "/alert_grouping_settings/{id}"): "services.write",
    ("DELETE", "/alert_grouping_settings/{id}"): "services.write",
    ("GET", "/service_dependencies/technical_services/{id}"): "services.read",
    ("POST", "/service_dependencies/associate"): "services.write",
    ("POST", "/service_dependencies/disassociate"): "services.write",
    ("GET", "/incidents"): "incidents.read",
    ("POST", "/incidents"): "incidents.write",
    ("GET", "/oncalls"): "oncalls.read",
    ("GET", "/standards/scores/{resource_type}/{id}"): "standards.read",
    ("POST", "/analytics/metrics/incidents/services"): "analytics.write",
}


def required_scope(method: str, template: str) -> str | None:
    """The scope an OAuth token needs for this operation, if any."""
    return REQUIRED_SCOPES.get((method.upper(), template))
