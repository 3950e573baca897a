"""The bodies PagerDuty's backend (``@pagerduty/backstage-plugin-backend`` 0.14.0) answers its
card with, built from PagerDuty reads through the entity-page reader; no HTTP here.

Each function reads what that backend's router reads (same PagerDuty paths and query) and
returns the body it returns (same envelope and reshaping: the on-call users of the lowest
escalation level, sorted and unique; escalation policies as ``{label, value}`` options; teams
and services stamped with their ``account``). Every failure is a :class:`BackendError`: a
status and one message beginning with the router's own words for the step ("Failed to get
service") followed by PagerDuty's, which the blueprint sends as that router's error shape,
``{"errors": [message]}``. docs/entity-page.md has the table of routes and differences.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ..pagerduty import (
    AbilityRequiredError,
    CredentialRejectedError,
    ForbiddenError,
    InvalidInputError,
    ObjectNotFoundError,
    PagerDutyError,
    RateLimitedError,
    UnknownAccountError,
)
from ..pagerduty.resources import insights
from .cache import ReadKey
from .reader import EntityPageReader

JsonBody = dict[str, Any]
T = TypeVar("T")
PAGE = 100
#: Pages of one list read for one answer (escalation policies, teams, services): 10,000 items,
#: PagerDuty's own cap on classic pagination, so one request does bounded work.
MAX_PAGES = 100
SERVICE_INCLUDES = (("include[]", "integrations"), ("include[]", "escalation_policies"))


class BackendError(Exception):
    """One failed answer: ``status`` and ``message`` as the router's ``{"errors": [...]}``."""

    def __init__(self, status: int, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def _status(exc: PagerDutyError) -> int:
    """The router passes PagerDuty's 4xx through; its 5xx, a dropped connection or our own
    wait running out are a gateway's failure (502), never a 5xx of ours that looks like a bug."""
    if isinstance(exc, UnknownAccountError | InvalidInputError):
        return 400
    for kind, status in (
        (CredentialRejectedError, 401),
        (AbilityRequiredError, 402),
        (ForbiddenError, 403),
        (ObjectNotFoundError, 404),
        (RateLimitedError, 429),
    ):
        if isinstance(exc, kind):
            return status
    return 502


def guarded(what: str, read: Callable[[], T]) -> T:
    """``read()``, its PagerDuty failure turned into a :class:`BackendError` saying ``what``."""
    try:
        return read()
    except PagerDutyError as exc:
        retry_after = exc.retry_after if isinstance(exc, RateLimitedError) else None
        raise BackendError(_status(exc), f"{what}. {exc}", retry_after=retry_after) from None


def _account_arg(account: str | None) -> str | None:
    return account or None


# -- one service -----------------------------------------------------------------------------


def service(reader: EntityPageReader, service_id: str, account: str | None) -> JsonBody:
    """``GET /services/:id``: ``{"service": ...}`` with its integrations and policy."""

    def read() -> JsonBody:
        body = reader.get(
            "/services/{id}",
            path_params={"id": service_id},
            query=[("time_zone", "UTC"), *SERVICE_INCLUDES],
            account=_account_arg(account),
        )
        return {"service": body.get("service")}

    return guarded("Failed to get service", read)


def service_by_integration_key(
    reader: EntityPageReader, integration_key: str, account: str | None
) -> JsonBody:
    """``GET /services?integration_key=``: the service one of whose integrations has the key
    (PagerDuty's ``query`` matches integration keys), as ``{"service": ...}``, else 404."""

    def read() -> JsonBody:
        body = reader.get(
            "/services",
            query=[("query", integration_key), ("time_zone", "UTC"), *SERVICE_INCLUDES],
            account=_account_arg(account),
        )
        for found in body.get("services") or []:
            keys = {i.get("integration_key") for i in found.get("integrations") or []}
            if integration_key in keys:
                return {"service": found}
        raise BackendError(404, "Failed to get service. The requested resource was not found.")

    return guarded("Failed to get service", read)


def incidents(reader: EntityPageReader, service_id: str, account: str | None) -> JsonBody:
    """``GET /services/:id/incidents``: its open (triggered, acknowledged) incidents."""
    query = [
        ("time_zone", "UTC"),
        ("sort_by", "created_at"),
        ("statuses[]", "triggered"),
        ("statuses[]", "acknowledged"),
        ("service_ids[]", service_id),
    ]

    def read() -> JsonBody:
        body = reader.get("/incidents", query=query, account=_account_arg(account))
        return {"incidents": body.get("incidents") or []}

    return guarded("Failed to get incidents for service", read)


def change_events(reader: EntityPageReader, service_id: str, account: str | None) -> JsonBody:
    """``GET /services/:id/change-events``: its five newest change events."""

    def read() -> JsonBody:
        body = reader.get(
            "/services/{id}/change_events",
            path_params={"id": service_id},
            query=[("limit", "5"), ("time_zone", "UTC"), ("sort_by", "timestamp")],
            account=_account_arg(account),
        )
        return {"change_events": body.get("change_events") or []}

    return guarded("Failed to get change events for service", read)


def standards(reader: EntityPageReader, service_id: str, account: str | None) -> JsonBody:
    """``GET /services/:id/standards``: PagerDuty's standards score body, whole."""

    def read() -> JsonBody:
        body = reader.get(
            "/standards/scores/{resource_type}/{id}",
            path_params={"resource_type": "technical_services", "id": service_id},
            account=_account_arg(account),
        )
        return {"standards": body}

    return guarded("Failed to get service standards for service", read)


def metrics(
    reader: EntityPageReader,
    service_id: str,
    account: str | None,
    *,
    now: Callable[[], dt.datetime] | None = None,
) -> JsonBody:
    """``GET /services/:id/metrics``: its incident metrics over the last 30 days.

    PagerDuty takes this read as a POST; it is cached under the service (not the moving time
    window), so viewers within the cache time share one call."""
    clock = now or (lambda: dt.datetime.now(dt.UTC))

    def load() -> JsonBody:
        end = clock().replace(microsecond=0)
        data = insights.service_incident_metrics(
            reader.client(account),
            [service_id],
            created_at_start=(end - dt.timedelta(days=30)).isoformat(),
            created_at_end=end.isoformat(),
        )
        return {"data": data}

    def read() -> JsonBody:
        chosen = reader.account(_account_arg(account)).id
        key = ReadKey.of(chosen, "/analytics/metrics/incidents/services", [("service", service_id)])
        body = copy.deepcopy(reader.cache.get(key, load))
        return {"metrics": body["data"]}

    return guarded("Failed to get service metrics for service", read)


def dependencies(reader: EntityPageReader, service_id: str, account: str | None) -> JsonBody:
    """``GET /dependencies/service/:id``: its technical service relationships."""

    def read() -> JsonBody:
        body = reader.get(
            "/service_dependencies/technical_services/{id}",
            path_params={"id": service_id},
            account=_account_arg(account),
        )
        return {"relationships": body.get("relationships") or []}

    return guarded("Failed to list service dependencies", read)


# -- who is on call --------------------------------------------------------------------------


def oncall_users(
    reader: EntityPageReader, policy_ids: Iterable[str], account: str | None
) -> JsonBody:
    """``GET /oncall-users?escalation_policy_ids[]=``: the users on call at the policy's
    lowest escalation level, sorted by name, each once."""
    query = [("time_zone", "UTC"), ("include[]", "users")]
    query += [("escalation_policy_ids[]", policy_id) for policy_id in policy_ids]

    def read() -> JsonBody:
        body = reader.get("/oncalls", query=query, account=_account_arg(account))
        oncalls = [o for o in body.get("oncalls") or [] if isinstance(o.get("user"), dict)]
        if not oncalls:
            return {"users": []}
        lowest = min(o.get("escalation_level", 0) for o in oncalls)
        first = [o["user"] for o in oncalls if o.get("escalation_level", 0) == lowest]
        unique: dict[str, JsonBody] = {}
        for user in sorted(first, key=lambda u: str(u.get("name", ""))):
            unique[str(user.get("id"))] = user
        return {"users": list(unique.values())}

    return guarded("Failed to list oncalls", read)


# -- lists over every account ----------------------------------------------------------------


def _pages(
    reader: EntityPageReader, path: str, key: str, account: str, query: list[tuple[str, str]]
) -> list[JsonBody]:
    """Every item of a classic paged list, at most :data:`MAX_PAGES` pages."""
    items: list[JsonBody] = []
    for page in range(MAX_PAGES):
        paging = [("offset", str(page * PAGE)), ("limit", str(PAGE))]
        body = reader.get(path, query=[*query, *paging], account=account)
        found = body.get(key) or []
        items.extend(found)
        if not body.get("more") or not found:
            break
    return items


def _accounts(reader: EntityPageReader, account: str | None) -> list[str]:
    if account:
        return [reader.account(account).id]
    return [a.id for a in reader.pool.accounts]


def escalation_policies(reader: EntityPageReader) -> list[JsonBody]:
    """``GET /escalation_policies``: every account's policies as drop-down options
    (``{label, value}``), sorted by account then name; another account's labels say which."""
    default = reader.pool.accounts.default

    def read() -> list[JsonBody]:
        found: list[tuple[str, str, str]] = []
        for account in _accounts(reader, None):
            for policy in _pages(
                reader,
                "/escalation_policies",
                "escalation_policies",
                account,
                [("sort_by", "name")],
            ):
                found.append((account, str(policy.get("name", "")), str(policy.get("id"))))
        found.sort()
        return [
            {
                "label": name
                if default is not None and account == default.id
                else f"({account}) {name}",
                "value": policy_id,
            }
            for account, name, policy_id in found
        ]

    return guarded("Failed to list escalation policies", read)


def teams(reader: EntityPageReader, account: str | None) -> list[JsonBody]:
    """``GET /teams``: the teams of one account (``?account=``) or all, sorted by name, each
    with its ``account``."""

    def read() -> list[JsonBody]:
        found = []
        for chosen in _accounts(reader, account):
            for team in _pages(reader, "/teams", "teams", chosen, [("sort_by", "name")]):
                found.append({**team, "account": chosen})
        return sorted(found, key=lambda t: str(t.get("name", "")))

    return guarded("Failed to list teams", read)


def services(
    reader: EntityPageReader,
    *,
    team_id: str | None,
    query: str | None,
    limit: int | None,
    account: str | None,
) -> list[JsonBody] | JsonBody:
    """``GET /services``: with ``team_id``, ``query`` or ``limit`` one page of the matching
    services (a list); without, every service of every account as ``{"services": [...]}``;
    each stamped with its ``account``."""

    def filtered() -> list[JsonBody]:
        params = [("time_zone", "UTC"), ("limit", str(limit or PAGE))]
        if team_id:
            params.append(("team_ids[]", team_id))
        if query and query.strip():
            params.append(("query", query.strip()))
        found = []
        for chosen in _accounts(reader, account):
            body = reader.get("/services", query=params, account=chosen)
            found += [{**s, "account": chosen} for s in body.get("services") or []]
        return found

    def every() -> JsonBody:
        params = [("time_zone", "UTC"), *SERVICE_INCLUDES, ("include[]", "teams")]
        found = []
        for chosen in _accounts(reader, None):
            for item in _pages(reader, "/services", "services", chosen, params):
                found.append({**item, "account": chosen})
        return {"services": found}

    if team_id or query or limit:
        return guarded("Failed to get services", filtered)
    return guarded("Failed to get services", every)


def accounts(pagerduty_section: dict[str, Any]) -> JsonBody:
    """``GET /accounts``: the configured ``pagerDuty.accounts`` as ``{id, isDefault}`` (an
    empty list for the one-account form, as the router answers)."""
    listed = pagerduty_section.get("accounts") or []
    return {
        "accounts": [
            {"id": str(a.get("id")), "isDefault": bool(a.get("isDefault", False))} for a in listed
        ]
    }
