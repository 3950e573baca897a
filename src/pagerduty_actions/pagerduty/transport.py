"""What each single send to PagerDuty goes through, below the retries: the call counter and the
account's rate limiter.

Both count sends, not logical requests: a retry is one more request PagerDuty counts against
the account's budget, and benchmarks assert on the calls really made. So this transport sits
under the :class:`~pagerduty_actions.outbound.retry.RetryTransport` and sees every attempt;
the client tags each request with its path template (what the counter files it under) and
whether it spends the REST budget (the Events API and the token endpoint do not).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ..outbound import retry_options
from .limiter import AccountLimiter
from .stats import CallStats

CALL_EXTENSION = "pagerduty_actions.pagerduty.call"


@dataclass(frozen=True)
class CallTag:
    """How a request is counted (``template``, e.g. ``/services/{id}``) and whether it takes a
    slot of the account's limiter."""

    template: str
    limited: bool = True

    def extensions(self) -> dict[str, CallTag]:
        return {CALL_EXTENSION: self}


class AccountTransport(httpx.BaseTransport):
    """Counts each tagged send and holds a limiter slot for it until its answer is read (the
    slot's window starts when the answer arrives; see ``limiter``). Untagged requests, such as
    the OAuth token fetch, pass straight through."""

    def __init__(
        self, inner: httpx.BaseTransport, limiter: AccountLimiter, stats: CallStats
    ) -> None:
        self.inner = inner
        self._limiter = limiter
        self._stats = stats

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        tag = request.extensions.get(CALL_EXTENSION)
        if not isinstance(tag, CallTag):
            return self.inner.handle_request(request)
        self._stats.record(request.method, tag.template, retry=retry_options(request).attempts > 1)
        if not tag.limited:
            return self.inner.handle_request(request)
        with self._limiter.slot():
            response = self.inner.handle_request(request)
            response.read()
        return response

    def close(self) -> None:
        self.inner.close()
