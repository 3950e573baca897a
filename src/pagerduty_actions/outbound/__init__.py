"""What every outbound HTTP client shares (PagerDuty, the Backstage catalog, the git hosts).

One retry policy as an httpx transport (:mod:`.retry`), the environment's proxies for the
transport underneath (:mod:`.environment`), and closing (:mod:`.lifecycle`). It knows no server,
no API and nothing else of this package, so every adapter may use it.
"""

from .environment import EnvironmentTransport
from .lifecycle import OwnsHttpClient
from .retry import (
    CERTAINLY_NOT_SENT,
    IDEMPOTENT_METHODS,
    SERVER_ERRORS,
    RetryOptions,
    RetryPolicy,
    RetryTransport,
    retry_after_seconds,
    retry_options,
)

__all__ = [
    "CERTAINLY_NOT_SENT",
    "IDEMPOTENT_METHODS",
    "SERVER_ERRORS",
    "EnvironmentTransport",
    "OwnsHttpClient",
    "RetryOptions",
    "RetryPolicy",
    "RetryTransport",
    "retry_after_seconds",
    "retry_options",
]
