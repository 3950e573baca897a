"""The PagerDuty adapter: accounts, credentials, the REST client and resource helpers.

Typical use::

    pool = ClientPool(AccountSet.from_config(config["pagerDuty"]))  # once, at startup
    client = pool.get(account_id)                                    # per action run
    service = services.find_by_name(client, "checkout")
    missing = pool.missing_scopes()  # at startup: {account id: [scope it lacks]}

Handlers depend on this package only; it depends on nothing of ours but the shared pieces
every adapter uses (``outbound`` for retries, ``redaction``).
"""

from .accounts import Account, AccountSet, ApiToken, OAuthSettings
from .client import PagerDutyClient
from .errors import (
    AbilityRequiredError,
    AccountConfigError,
    AlreadyExistsError,
    CredentialRejectedError,
    ForbiddenError,
    InvalidInputError,
    MissingScopesError,
    ObjectNotFoundError,
    PagerDutyError,
    PaginationLimitError,
    RateLimitedError,
    UnknownAccountError,
    UpstreamUnavailableError,
    redact,
)
from .limiter import SHARED_LIMITERS, AccountLimiter, LimiterRegistry
from .pool import ClientPool
from .scopes import OPERATION_SCOPES, OPTIONAL_SCOPES, REQUIRED_SCOPES
from .stats import CallStats

__all__ = [
    "OPERATION_SCOPES",
    "OPTIONAL_SCOPES",
    "REQUIRED_SCOPES",
    "SHARED_LIMITERS",
    "AbilityRequiredError",
    "Account",
    "AccountConfigError",
    "AccountLimiter",
    "AccountSet",
    "AlreadyExistsError",
    "ApiToken",
    "CallStats",
    "ClientPool",
    "CredentialRejectedError",
    "ForbiddenError",
    "InvalidInputError",
    "LimiterRegistry",
    "MissingScopesError",
    "OAuthSettings",
    "ObjectNotFoundError",
    "PagerDutyClient",
    "PagerDutyError",
    "PaginationLimitError",
    "RateLimitedError",
    "UnknownAccountError",
    "UpstreamUnavailableError",
    "redact",
]
