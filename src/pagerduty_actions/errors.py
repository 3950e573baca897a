"""The errors an action run can end with, and how each is shown to a caller.

Every way in (HTTP, CLI, template runner, the Backstage module) turns these into the same
body, Backstage's own error shape, so a template author sees one kind of message everywhere:

    {"error": {"name": "InputError", "message": "...", "details": [...]},
     "response": {"statusCode": 400}}

Handlers raise these (or adapter errors that ``map_exception`` knows); anything else is a bug
and becomes a 500 whose text never leaves the process.
"""

from __future__ import annotations

from typing import Any

from .redaction import TEXT_LIMIT, clip, redact


class ActionError(Exception):
    """Base of the errors a caller may see; ``status`` is the HTTP status it maps to."""

    status = 500
    name = "Error"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        retryable: bool = False,
        upstream: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.retryable = retryable
        self.upstream = upstream
        # Seconds after which a retry may succeed; HTTP sends it as the Retry-After header.
        self.retry_after = retry_after

    def body(self, request: dict[str, str] | None = None) -> dict[str, Any]:
        """Backstage's error body for this error, credentials redacted: validation details and
        upstream words can echo what a caller sent or a host answered, keys included. Each text
        is cut to ``TEXT_LIMIT`` first, whatever it quotes."""
        error: dict[str, Any] = {"name": self.name, "message": self.redacted_message()}
        if self.details:
            error["details"] = _redacted(self.details)
        if self.retryable:
            error["retryable"] = True
        if self.upstream is not None:
            error["upstream"] = _redacted(self.upstream)
        out: dict[str, Any] = {"error": error, "response": {"statusCode": self.status}}
        if request is not None:
            out["request"] = request
        return out

    def redacted_message(self) -> str:
        """The message cut to ``TEXT_LIMIT`` and redacted, worked out once for the error body
        and the run's log line (the same text, while ``message`` is not changed)."""
        done = self._redacted_message
        if done is None or done[0] is not self.message:
            done = self._redacted_message = (self.message, redact(clip(self.message, TEXT_LIMIT)))
        return done[1]

    _redacted_message: tuple[str, str] | None = None


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(clip(value, TEXT_LIMIT))
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


class InputError(ActionError):
    """The caller sent something we cannot act on; nothing was changed."""

    status = 400
    name = "InputError"


class AuthenticationError(ActionError):
    """No credential, or one we do not know."""

    status = 401
    name = "AuthenticationError"


class NotAllowedError(ActionError):
    """The credential is known but may not do this."""

    status = 403
    name = "NotAllowedError"


class NotFoundError(ActionError):
    status = 404
    name = "NotFoundError"


class ConflictError(ActionError):
    """The request clashes with state: an idempotency key reused, a run already going."""

    status = 409
    name = "ConflictError"


class PayloadTooLargeError(ActionError):
    status = 413
    name = "PayloadTooLargeError"


class UnsupportedMediaTypeError(ActionError):
    status = 415
    name = "UnsupportedMediaTypeError"


class UpstreamError(ActionError):
    """PagerDuty or a git host failed; ``message`` carries the upstream's own words."""

    status = 502
    name = "UpstreamError"


class ServiceUnavailableError(ActionError):
    """We cannot serve right now (database unreachable); retrying later may work."""

    status = 503
    name = "ServiceUnavailableError"

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("retryable", True)
        super().__init__(message, **kwargs)


class InternalError(ActionError):
    """A bug of ours. The message is generic; the detail goes to our log only."""

    status = 500
    name = "InternalError"


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` lists each key path and reason."""

    def __init__(self, problems: list[str], source: str = "config") -> None:
        self.problems = problems
        self.source = source
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source} is not valid:\n{lines}")


class StartupError(Exception):
    """The server cannot start; the message says what to fix."""
