"""The PagerDuty reads of ``@backstage/plugin-pagerduty`` 0.6.8, and nothing more.

Read from the package's own client (``PagerDutyClient`` in its dist): five GETs, each with a
fixed set of query parameters. The facade serves exactly these, so pointing the card's proxy
at us hands a signed-in user these reads, not an admin token's whole REST API. Each parameter
has a bounded value (an id, an enum, a short text), so a request never makes PagerDuty (or
us) do unbounded work, and a value outside it is refused naming the parameter, never quoting a
value that may be an integration key.

Answers are PagerDuty's bodies, less one thing: integration keys (and integration e-mail
addresses) are removed from services, since the card never reads them and each one lets its
holder open incidents on the service.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError

MAX_VALUE_CHARS = 256
_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_TIME_ZONE = re.compile(r"[A-Za-z0-9_+\-/]{1,64}")
_QUERY = re.compile(r"[^\x00-\x1f\x7f]{1,256}")


@dataclass(frozen=True)
class Param:
    """One query parameter a read takes: which values, how many, whether required."""

    name: str
    hint: str
    pattern: re.Pattern[str] | None = None
    choices: tuple[str, ...] = ()
    most: int = 1
    required: bool = False
    # Never quoted back, not even cut short (an integration key travels in ``query``).
    secret: bool = False

    def accepts(self, value: str) -> bool:
        if self.choices:
            return value in self.choices
        return self.pattern is not None and self.pattern.fullmatch(value) is not None


@dataclass(frozen=True)
class CardRead:
    """A GET the card sends: PagerDuty's path template and the parameters it takes."""

    name: str
    template: str
    params: tuple[Param, ...] = field(default=())

    def checked_query(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """``pairs`` when every one is a parameter of this read with a valid value, else an
        :class:`InputError` listing every problem (``account`` is taken out before)."""
        pairs = list(pairs)
        known = {p.name: p for p in self.params}
        details: list[dict[str, str]] = []
        for name in dict.fromkeys(k for k, _ in pairs):
            if name not in known:
                shown = name[:64] if name.isprintable() else repr(name[:64])
                details.append(
                    {
                        "path": f"$.query.{shown}",
                        "message": f"{self.name} takes no parameter {shown!r}; it takes "
                        + ", ".join(known),
                    }
                )
        for param in self.params:
            values = [v for k, v in pairs if k == param.name]
            problem = _problem(param, values)
            if problem:
                details.append({"path": f"$.query.{param.name}", "message": problem})
        if details:
            raise InputError(
                f"{self.name}: " + "; ".join(f"{d['path']}: {d['message']}" for d in details[:5]),
                details=details,
            )
        return pairs


def _problem(param: Param, values: list[str]) -> str | None:
    if not values:
        return f"required: {param.hint}" if param.required else None
    if len(values) > param.most:
        return f"at most {param.most} value(s), got {len(values)}"
    bad = [v for v in values if len(v) > MAX_VALUE_CHARS or not param.accepts(v)]
    if not bad:
        return None
    if param.secret:
        return f"not a valid value (not shown): {param.hint}"
    return f"{bad[0][:64]!r} is not {param.hint}"


_TZ = Param("time_zone", "a time zone name such as UTC", _TIME_ZONE)
_INCLUDE_SERVICE = Param(
    "include[]",
    "integrations or escalation_policies",
    choices=("integrations", "escalation_policies"),
    most=2,
)

SERVICE_BY_KEY = CardRead(
    "GET /services (the card's look-up by integration key or name)",
    "/services",
    (
        Param(
            "query",
            "an integration key or a service name (1 to 256 printable characters)",
            _QUERY,
            required=True,
            secret=True,
        ),
        _TZ,
        _INCLUDE_SERVICE,
    ),
)
SERVICE_BY_ID = CardRead("GET /services/{id}", "/services/{id}", (_TZ, _INCLUDE_SERVICE))
INCIDENTS = CardRead(
    "GET /incidents",
    "/incidents",
    (
        Param("service_ids[]", "a PagerDuty service id", _ID, most=10, required=True),
        Param(
            "statuses[]",
            "triggered, acknowledged or resolved",
            choices=("triggered", "acknowledged", "resolved"),
            most=3,
        ),
        Param(
            "sort_by",
            "created_at, created_at:asc or created_at:desc",
            choices=("created_at", "created_at:asc", "created_at:desc"),
        ),
        _TZ,
    ),
)
CHANGE_EVENTS = CardRead(
    "GET /services/{id}/change_events",
    "/services/{id}/change_events",
    (
        Param("limit", "a number from 1 to 100", re.compile(r"[1-9][0-9]?|100")),
        Param(
            "sort_by",
            "timestamp, timestamp:asc or timestamp:desc",
            choices=("timestamp", "timestamp:asc", "timestamp:desc"),
        ),
        _TZ,
    ),
)
ONCALLS = CardRead(
    "GET /oncalls",
    "/oncalls",
    (
        Param("escalation_policy_ids[]", "an escalation policy id", _ID, most=10, required=True),
        Param("include[]", "users", choices=("users",)),
        _TZ,
    ),
)


def valid_id(value: str) -> bool:
    """A PagerDuty object id as a path segment: letters and digits only (no ``..``, no
    slash), so the path sent to PagerDuty is the one the card meant."""
    return _ID.fullmatch(value) is not None


def without_integration_keys(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with ``integration_key``/``integration_email`` removed from the integrations
    of its ``service`` or ``services`` (changed in place and returned)."""
    services = body.get("services")
    found = list(services) if isinstance(services, list) else []
    if isinstance(body.get("service"), dict):
        found.append(body["service"])
    for service in found:
        integrations = service.get("integrations") if isinstance(service, dict) else None
        for integration in integrations if isinstance(integrations, list) else []:
            if isinstance(integration, dict):
                integration.pop("integration_key", None)
                integration.pop("integration_email", None)
    return body
