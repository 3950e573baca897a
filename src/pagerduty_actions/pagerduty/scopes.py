"""Which OAuth scopes our PagerDuty calls need, so start-up names what a token lacks.

PagerDuty answers 403 when a scoped OAuth token lacks an operation's scope, and users of other
tools only found out on the first failing call (``abilities.read`` for ``GET /abilities``), or
got a token carrying no useful scope at all. The server calls :func:`scope_report` once at
start-up and says, per account, which scope to grant. Scope names are the
``x-pd-requires-scope`` of each operation in rest-v2.json; a test keeps
:data:`OPERATION_SCOPES` equal to the document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from .errors import PagerDutyError

if TYPE_CHECKING:
    from .pool import ClientPool

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


def scope_report(
    pool: ClientPool, required: Iterable[str] = REQUIRED_SCOPES
) -> dict[str, list[str]]:
    """Per account id, the ``required`` scopes its OAuth token was not granted.

    Accounts lacking none are left out, and so are API-token accounts (those keys are not
    scoped), so an empty dict means every action can run. This fetches a token for each OAuth
    account: call it once at start-up. A token that cannot be fetched at all raises the
    :class:`PagerDutyError`, its message naming the account.
    """
    wanted = tuple(required)
    report: dict[str, list[str]] = {}
    for account in pool.accounts:
        try:
            missing = pool.get(account.id).missing_scopes(wanted)
        except PagerDutyError as exc:
            exc.message = f"account {account.id!r}: {exc.message}"
            raise
        if missing:
            report[account.id] = missing
    return report


__all__ = ["OPERATION_SCOPES", "OPTIONAL_SCOPES", "REQUIRED_SCOPES", "scope_report"]
