"""PagerDuty accounts as configured, read with the same keys as PagerDuty's Backstage plugin.

Organisations run several accounts (one per acquisition, one per region), and EU accounts must
talk to the EU hosts, so every call starts by picking an :class:`Account`. The config arrives
already validated and ``${ENV}``-substituted; this module only turns it into typed values and
fills in the regional defaults.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from .errors import AccountConfigError, UnknownAccountError
from .scopes import OPTIONAL_SCOPES, REQUIRED_SCOPES

Region = Literal["us", "eu"]

API_BASE_URLS: dict[Region, str] = {
    "us": "https://api.pagerduty.com",
    "eu": "https://api.eu.pagerduty.com",
}
EVENTS_BASE_URLS: dict[Region, str] = {
    "us": "https://events.pagerduty.com",
    "eu": "https://events.eu.pagerduty.com",
}
IDENTITY_URL = "https://identity.pagerduty.com/oauth/token"

# What we ask PagerDuty for when the config names no scopes: every scope an operation of our
# resource helpers needs (see ``scopes``); only ``REQUIRED_SCOPES`` are checked at start-up.
DEFAULT_OAUTH_SCOPES: tuple[str, ...] = tuple(sorted((*REQUIRED_SCOPES, *OPTIONAL_SCOPES)))


@dataclass(frozen=True)
class ApiToken:
    """A REST API key; sent as ``Authorization: Token token=<token>``. Never shown in reprs."""

    token: str = field(repr=False)


@dataclass(frozen=True)
class OAuthSettings:
    """A scoped OAuth app (client credentials grant). The secret is never shown in reprs."""

    client_id: str
    client_secret: str = field(repr=False)
    sub_domain: str
    region: Region = "us"
    scopes: tuple[str, ...] = DEFAULT_OAUTH_SCOPES
    identity_url: str = IDENTITY_URL


Auth = ApiToken | OAuthSettings


@dataclass(frozen=True)
class Account:
    """One PagerDuty account: where to call, how to authenticate, and how fast we may go."""

    id: str
    api_base_url: str
    events_base_url: str
    auth: Auth
    is_default: bool = False
    requests_per_minute: int = 900
    max_concurrency: int = 4
    region: Region = "us"


class AccountSet:
    """The configured accounts, and the rule for which one a call without an id uses."""

    def __init__(self, accounts: list[Account] | tuple[Account, ...] = ()) -> None:
        self._accounts = {a.id: a for a in accounts}
        if len(self._accounts) != len(accounts):
            raise AccountConfigError(["pagerDuty.accounts: account ids must be unique"])
        defaults = [a for a in accounts if a.is_default]
        if len(defaults) > 1:
            ids = ", ".join(a.id for a in defaults)
            raise AccountConfigError([f"pagerDuty.accounts: more than one isDefault ({ids})"])
        self._default = defaults[0] if defaults else (accounts[0] if len(accounts) == 1 else None)

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> AccountSet:
        """Read the ``pagerDuty`` config section (plugin keys; see the module docstring)."""
        section = section or {}
        section_limits = _rate_limit(section.get("rateLimit"), None)
        listed = section.get("accounts") or []
        if listed:
            problems: list[str] = []
            accounts = []
            for index, raw in enumerate(listed):
                where = f"pagerDuty.accounts[{index}]"
                if not raw.get("id"):
                    problems.append(f"{where}.id: required")
                    continue
                account = _account(raw, str(raw["id"]), where, section_limits, problems)
                if account is not None:
                    accounts.append(account)
            if problems:
                raise AccountConfigError(problems)
            return cls(accounts)
        if not section.get("apiToken") and not section.get("oauth"):
            return cls()
        problems = []
        single = _account(section, "default", "pagerDuty", section_limits, problems, default=True)
        if problems or single is None:
            raise AccountConfigError(problems)
        return cls([single])

    @property
    def is_empty(self) -> bool:
        return not self._accounts

    @property
    def ids(self) -> list[str]:
        return list(self._accounts)

    @property
    def default(self) -> Account | None:
        return self._default

    def get(self, account_id: str | None = None) -> Account:
        """The named account, or the default one when ``account_id`` is None."""
        if account_id is None:
            if self._default is None:
                raise UnknownAccountError(None, self._accounts)
            return self._default
        try:
            return self._accounts[account_id]
        except KeyError:
            raise UnknownAccountError(account_id, self._accounts) from None

    def __iter__(self) -> Iterator[Account]:
        return iter(self._accounts.values())

    def __len__(self) -> int:
        return len(self._accounts)


def _rate_limit(
    raw: Mapping[str, Any] | None, fallback: tuple[int, int] | None
) -> tuple[int, int] | None:
    if not raw:
        return fallback
    base = fallback or (900, 4)
    return (
        int(raw.get("requestsPerMinute", base[0])),
        int(raw.get("maxConcurrency", base[1])),
    )


def _region(raw: Mapping[str, Any], oauth: Mapping[str, Any] | None) -> Region:
    value = (oauth or {}).get("region") or raw.get("region")
    if value is None:
        value = "eu" if ".eu." in str(raw.get("apiBaseUrl", "")) else "us"
    return cast(Region, str(value).lower())


def _account(
    raw: Mapping[str, Any],
    account_id: str,
    where: str,
    section_limits: tuple[int, int] | None,
    problems: list[str],
    *,
    default: bool = False,
) -> Account | None:
    token = raw.get("apiToken")
    oauth = raw.get("oauth")
    if token and oauth:
        problems.append(f"{where}: give apiToken or oauth, not both")
        return None
    if not token and not oauth:
        problems.append(f"{where}: apiToken or oauth is required")
        return None
    region = _region(raw, oauth)
    if region not in ("us", "eu"):
        problems.append(f"{where}: region must be 'us' or 'eu'")
        return None
    auth: Auth
    if oauth:
        missing = [k for k in ("clientId", "clientSecret", "subDomain") if not oauth.get(k)]
        if missing:
            problems.append(f"{where}.oauth: missing {', '.join(missing)}")
            return None
        scopes = oauth.get("scopes")
        auth = OAuthSettings(
            client_id=str(oauth["clientId"]),
            client_secret=str(oauth["clientSecret"]),
            sub_domain=str(oauth["subDomain"]),
            region=region,
            scopes=tuple(str(s) for s in scopes) if scopes else DEFAULT_OAUTH_SCOPES,
            identity_url=str(oauth.get("identityUrl") or IDENTITY_URL),
        )
    else:
        auth = ApiToken(str(token))
    rpm, concurrency = _rate_limit(raw.get("rateLimit"), section_limits) or (900, 4)
    if rpm < 1 or concurrency < 1:
        problems.append(f"{where}.rateLimit: values must be at least 1")
        return None
    return Account(
        id=account_id,
        api_base_url=str(raw.get("apiBaseUrl") or API_BASE_URLS[region]).rstrip("/"),
        events_base_url=str(raw.get("eventsBaseUrl") or EVENTS_BASE_URLS[region]).rstrip("/"),
        auth=auth,
        is_default=default or bool(raw.get("isDefault", False)),
        requests_per_minute=rpm,
        max_concurrency=concurrency,
        region=region,
    )
