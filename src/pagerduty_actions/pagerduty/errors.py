"""Every way a PagerDuty call can fail, as one exception hierarchy.

Handlers catch these by kind (``ObjectNotFoundError``, ``AlreadyExistsError``...) instead of
reading status codes, and the server turns them into its error body. Their names say they are
PagerDuty's answers, unlike the errors we answer our callers with (``errors.py``:
``NotFoundError``, ``ConflictError``, ``AuthenticationError``). Each error keeps PagerDuty's
own words (``message``, ``code``, ``errors``) because users asked to see why PagerDuty said no,
but the text is always passed through :func:`redact` first: upstream messages and our own
transport errors can echo an ``Authorization`` header or an integration key, and those must
never reach a log or a caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from ..redaction import redact as redact


class PagerDutyError(Exception):
    """Base of all PagerDuty client errors.

    ``status`` is PagerDuty's HTTP status (None when no response came), ``code`` its numeric
    error code, ``errors`` its detail strings; ``retryable`` says whether trying again later
    may succeed.
    """

    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        errors: Iterable[str] = (),
        method: str | None = None,
        path: str | None = None,
        retryable: bool | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        secrets = tuple(secrets)
        self.message = redact(message, secrets)
        self.status = status
        self.code = code
        self.errors = [redact(str(e), secrets) for e in errors]
        self.method = method
        self.path = redact(path, secrets) if path else path
        self.retryable = self.default_retryable if retryable is None else retryable
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"{self.status} {self.message}" if self.status is not None else self.message
        # No request, no "PagerDuty ->" prefix: the error is ours (config), not PagerDuty's.
        text = f"PagerDuty {self.method} {self.path} -> {head}" if self.method else head
        if self.errors:
            text += ": " + "; ".join(self.errors)
        return text

    def __str__(self) -> str:
        return self._render()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._render()!r})"

    def to_dict(self) -> dict[str, Any]:
        """PagerDuty's side of the failure, for the ``pagerduty`` field of our error body."""
        return {"status": self.status, "code": self.code, "errors": list(self.errors)}


class CredentialRejectedError(PagerDutyError):
    """401: the API token or OAuth client is wrong, revoked or expired."""


class ForbiddenError(PagerDutyError):
    """403: the credential is valid but may not do this (a missing OAuth scope, a read-only key)."""


class AbilityRequiredError(PagerDutyError):
    """402 or code 2014: the account's plan lacks the feature."""


class ObjectNotFoundError(PagerDutyError):
    """404: the object does not exist (or not yet: reads can lag just after a create)."""


class InvalidInputError(PagerDutyError):
    """400/422: PagerDuty rejected the request body or parameters; do not retry as is."""


class AlreadyExistsError(PagerDutyError):
    """409, or a 400 saying the name is already taken: the object exists already."""


class RateLimitedError(PagerDutyError):
    """429 that outlasted our retries; ``retry_after`` is PagerDuty's hint in seconds, if any."""

    default_retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class UpstreamUnavailableError(PagerDutyError):
    """5xx, timeouts or connection failures that outlasted our retries (or were unsafe to retry)."""

    default_retryable = True


class UnknownAccountError(PagerDutyError):
    """An account id that the configuration does not define; ``known`` lists the ones it does."""

    def __init__(self, account_id: str | None, known: Iterable[str]) -> None:
        self.account_id = account_id
        self.known = sorted(known)
        listed = ", ".join(self.known) or "none configured"
        if account_id is None:
            message = f"no default PagerDuty account; pass one of: {listed}"
        else:
            message = f"unknown PagerDuty account {account_id!r}; known accounts: {listed}"
        super().__init__(message)


class PaginationLimitError(PagerDutyError):
    """Classic pagination stops at offset+limit 10,000; the caller must narrow with a filter."""


class MissingScopesError(PagerDutyError):
    """The OAuth token was granted fewer scopes than the actions need."""


_TAKEN = ("already been taken", "already exists", "already in use", "must be unique")


def _classify(
    status: int, code: int | None, errors: list[str], message: str
) -> type[PagerDutyError]:
    text = " ".join([message, *errors]).lower()
    if status == 402 or code == 2014:
        return AbilityRequiredError
    if status == 409 or (status == 400 and any(t in text for t in _TAKEN)):
        return AlreadyExistsError
    by_status: dict[int, type[PagerDutyError]] = {
        400: InvalidInputError,
        401: CredentialRejectedError,
        403: ForbiddenError,
        404: ObjectNotFoundError,
        422: InvalidInputError,
        429: RateLimitedError,
        408: UpstreamUnavailableError,
    }
    if status in by_status:
        return by_status[status]
    if status >= 500:
        return UpstreamUnavailableError
    return PagerDutyError


def _parse_body(response: httpx.Response) -> tuple[str, int | None, list[str]]:
    """PagerDuty's ``{"error": {message, code, errors}}``, Events API and OAuth shapes."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "error", None, []
    if not isinstance(body, dict):
        return response.reason_phrase or "error", None, []
    error = body.get("error")
    if isinstance(error, dict):
        message = str(error.get("message") or response.reason_phrase or "error")
        raw_code = error.get("code")
        code = raw_code if isinstance(raw_code, int) else None
        details = error.get("errors") or []
        return message, code, [str(d) for d in details] if isinstance(details, list) else []
    if isinstance(error, str):  # OAuth: {"error": "invalid_client", "error_description": ...}
        description = body.get("error_description")
        return (f"{error}: {description}" if description else error), None, []
    details = body.get("errors") or []
    message = str(body.get("message") or response.reason_phrase or "error")
    return message, None, [str(d) for d in details] if isinstance(details, list) else []


def error_from_response(
    response: httpx.Response,
    *,
    method: str,
    path: str,
    secrets: Iterable[str] = (),
    retry_after: float | None = None,
) -> PagerDutyError:
    """The exception for a failed PagerDuty response, with its message redacted."""
    message, code, errors = _parse_body(response)
    cls = _classify(response.status_code, code, errors, message)
    kwargs: dict[str, Any] = {
        "status": response.status_code,
        "code": code,
        "errors": errors,
        "method": method,
        "path": path,
        "secrets": secrets,
    }
    if cls is RateLimitedError:
        return RateLimitedError(message, retry_after=retry_after, **kwargs)
    return cls(message, **kwargs)


class AccountConfigError(ValueError):
    """The ``pagerDuty`` config section cannot be used; ``problems`` lists key path and reason.

    Raised at startup only; it names keys, never their (secret) values.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"pagerDuty config is not valid:\n{lines}")
