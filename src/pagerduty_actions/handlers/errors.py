"""Adapter exceptions turned into the errors a caller sees.

PagerDuty's own words travel in ``upstream`` so a template author reads what PagerDuty said,
while our message says what to do about it. Registered with the registry, so a handler only
catches the adapter errors it can handle better itself.
"""

from __future__ import annotations

from typing import Any

from .. import pagerduty as pd
from ..errors import ActionError, ConflictError, InputError, UpstreamError


def _upstream(exc: pd.PagerDutyError) -> dict[str, Any]:
    return {"service": "pagerduty", **exc.to_dict()}


def map_pagerduty_error(exc: BaseException) -> ActionError | None:
    if isinstance(exc, pd.UnknownAccountError):
        return InputError(str(exc), details=[{"path": "$.account", "message": str(exc)}])
    if not isinstance(exc, pd.PagerDutyError):
        return None
    upstream = _upstream(exc)
    if isinstance(exc, pd.ConflictError):
        return ConflictError(f"{exc}", upstream=upstream)
    if isinstance(exc, pd.InvalidInputError):
        return InputError(f"PagerDuty rejected the request: {exc}", upstream=upstream)
    if isinstance(exc, pd.AuthenticationError):
        hint = "check the PagerDuty credential of this account (pagerDuty.apiToken or .oauth)"
        return UpstreamError(f"{exc}; {hint}", upstream=upstream)
    if isinstance(exc, pd.ForbiddenError):
        hint = "the PagerDuty credential lacks a permission or OAuth scope for this call"
        return UpstreamError(f"{exc}; {hint}", upstream=upstream)
    if isinstance(exc, pd.AbilityRequiredError):
        hint = "the PagerDuty account's plan does not include this feature"
        return UpstreamError(f"{exc}; {hint}", upstream=upstream)
    retryable = isinstance(exc, pd.RateLimitedError | pd.UpstreamUnavailableError)
    return UpstreamError(str(exc), upstream=upstream, retryable=retryable)


def map_scm_error(exc: BaseException) -> ActionError | None:
    """Git host and repository errors: caller mistakes are 400, host failures 502."""
    from ..scm import ScmError

    if not isinstance(exc, ScmError):
        return None
    message = str(exc)
    field = getattr(exc, "field", None)
    details = [{"path": f"$.{field}", "message": message}] if field else None
    if exc.status == 409:
        return ConflictError(message, retryable=True)
    if exc.status >= 500:
        upstream = {"service": "git", "host": getattr(exc, "host", None)}
        return UpstreamError(message, upstream=upstream, retryable=bool(exc.retryable))
    return InputError(message, details=details)


def map_catalog_error(exc: BaseException) -> ActionError | None:
    """A catalog file we cannot edit safely: nothing was changed, the message says why."""
    from ..catalog import CatalogError

    if not isinstance(exc, CatalogError):
        return None
    return InputError(exc.message, details=[{"path": "$.catalogPath", "message": exc.message}])


ERROR_MAPPERS = (map_pagerduty_error, map_scm_error, map_catalog_error)
