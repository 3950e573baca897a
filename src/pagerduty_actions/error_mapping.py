"""Adapter exceptions turned into the errors a caller sees, for every use case.

PagerDuty's own words travel in ``upstream`` so a template author reads what PagerDuty said,
while our message says what to do about it. The action handlers (through the registry) and the
dependency sync both map with these, so a PagerDuty or git host failure reads the same
whichever way it was reached. Mappers return None for an exception they do not know.
"""

from __future__ import annotations

from typing import Any

from . import pagerduty as pd
from .errors import ActionError, ConflictError, InputError, UpstreamError


def _upstream(exc: pd.PagerDutyError) -> dict[str, Any]:
    return {"service": "pagerduty", **exc.to_dict()}


def map_pagerduty_error(exc: BaseException) -> ActionError | None:
    if isinstance(exc, pd.UnknownAccountError):
        return InputError(str(exc), details=[{"path": "$.account", "message": str(exc)}])
    if not isinstance(exc, pd.PagerDutyError):
        return None
    upstream = _upstream(exc)
    if isinstance(exc, pd.AlreadyExistsError):
        return ConflictError(f"{exc}", upstream=upstream)
    if isinstance(exc, pd.InvalidInputError):
        return InputError(f"PagerDuty rejected the request: {exc}", upstream=upstream)
    if isinstance(exc, pd.CredentialRejectedError):
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
    from .scm import ScmError

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
