"""One retry policy for every outbound HTTP client, as an httpx transport.

PagerDuty, the Backstage catalog and the git hosts fail in the same ways: a 429 that asks us to
wait, a 5xx or a dropped connection that a second try often cures. Each client used to have its
own loop and its own reading of ``Retry-After``; now each wraps its sending transport in one
:class:`RetryTransport` and says only what differs, as data: its :class:`RetryPolicy` (attempts,
backoff, time budget, which statuses are worth another try) and, per request, its
:class:`RetryOptions` (idempotent although a POST, a 404 that means "not yet", a look-up that
must run before a request that may have been applied is sent again).

The rules, and why:

* A status of ``wait_statuses`` (429) means the server did nothing: retried for every method,
  after ``Retry-After`` (seconds or an HTTP date), else ``ratelimit-reset``, else the backoff.
* A status of ``transient_statuses`` (5xx, 408) and a transport error are retried only when the
  request is safe to repeat: an idempotent method, or a check that runs before each re-send and
  answers instead when it finds what the first send made. A POST without a check may have been
  applied, and a second one could create a second object.
* A connection that certainly failed before sending (connect errors, pool timeouts) sent
  nothing, so it is retried whatever the method.
* A 404 is retried only for the seconds a request allows (``retry_404_for``): the object was
  created a moment ago and the server's reads lag behind its writes. A 404 wrote nothing.
* Exponential backoff with jitter spreads the retries of many threads apart. Every loop is
  bounded by ``max_attempts`` and, when set, ``max_seconds`` in all (a hint longer than what is
  left gives up at once): an action must end inside the scaffolder's step timeout.

The last response (or transport error) is handed back as is when the policy stops; the client
above words the error, reading ``RetryOptions.attempts`` to say how often it tried. This module
knows no server and no API.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx

RETRY_EXTENSION = "pagerduty_actions.retry"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
SERVER_ERRORS = frozenset(range(500, 600))
# Transport failures raised before any byte of the request left: always safe to send again.
CERTAINLY_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

Check = Callable[[], "httpx.Response | None"]


@dataclass(frozen=True)
class RetryPolicy:
    """A client's retry numbers; see the module docstring for what each rule is for.

    ``jitter`` is the random share of each backoff delay: 0.5 waits half to all of
    ``backoff_base * 2**(attempt-1)`` (capped at ``backoff_cap``), 0 waits exactly that.
    ``max_retry_after`` shortens a server's longer hint; ``max_seconds`` (None: no limit)
    bounds a whole loop, waits included.
    """

    max_attempts: int = 5
    max_seconds: float | None = None
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    jitter: float = 0.5
    transient_statuses: frozenset[int] = frozenset({408}) | SERVER_ERRORS
    wait_statuses: frozenset[int] = frozenset({429})
    max_retry_after: float | None = None
    idempotent_methods: frozenset[str] = IDEMPOTENT_METHODS

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")

    def retries_status(self, status: int) -> bool:
        """Whether a response of ``status`` may be retried at all (for a safe request)."""
        return status in self.wait_statuses or status in self.transient_statuses

    def safe_to_repeat(self, method: str, options: RetryOptions) -> bool:
        """Whether sending the request twice cannot do the work twice."""
        idempotent = options.idempotent
        if idempotent is None:
            idempotent = method.upper() in self.idempotent_methods
        return idempotent or options.check_before_resend is not None

    def resends_after(self, method: str, options: RetryOptions, error: Exception) -> bool:
        """Whether a transport ``error`` leads to another send (budget permitting)."""
        return isinstance(error, CERTAINLY_NOT_SENT) or self.safe_to_repeat(method, options)

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** (attempt - 1))
        return ceiling * (1.0 - self.jitter + self.jitter * rng.random())


@dataclass
class RetryOptions:
    """What one request allows beyond its client's policy; ``attempts`` is filled in by the
    transport (sends made, retries included), for the client's error message and counters.

    ``check_before_resend`` runs before a request that may have been applied is sent again;
    the response it returns (what the first send made, found by a look-up) is the answer.
    """

    idempotent: bool | None = None
    retry_404_for: float = 0.0
    check_before_resend: Check | None = None
    attempts: int = field(default=0, compare=False)

    def extensions(self) -> dict[str, RetryOptions]:
        """The request extensions that carry these options to :class:`RetryTransport`."""
        return {RETRY_EXTENSION: self}


def retry_options(request: httpx.Request) -> RetryOptions:
    """The options a request carries, stored on it (a request without any gets defaults)."""
    options = request.extensions.get(RETRY_EXTENSION)
    if not isinstance(options, RetryOptions):
        options = RetryOptions()
        request.extensions[RETRY_EXTENSION] = options
    return options


def retry_after_seconds(
    headers: Mapping[str, str], *, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date), else from
    ``ratelimit-reset`` (seconds, as PagerDuty sends it); None when neither says."""
    raw = headers.get("Retry-After")
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(raw).timestamp() - now())
            except (TypeError, ValueError):
                pass
    reset = headers.get("ratelimit-reset")
    if reset:
        try:
            return max(0.0, float(reset))
        except ValueError:
            return None
    return None


class RetryTransport(httpx.BaseTransport):
    """Sends through ``inner`` until ``policy`` stops, sleeping between attempts."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        options = retry_options(request)
        started = self._clock()
        while True:
            options.attempts += 1
            try:
                response = self.inner.handle_request(request)
                response.read()
            except httpx.TransportError as exc:
                delay = self._delay_after_error(request, options, exc)
                if delay is None or not self._fits(options.attempts, started, delay):
                    raise
                check = not isinstance(exc, CERTAINLY_NOT_SENT)
            else:
                delay = self._delay_after_response(request, options, response, started)
                if delay is None or not self._fits(options.attempts, started, delay):
                    return response
                response.close()
                check = response.status_code in self.policy.transient_statuses
            self._sleep(delay)
            if check and options.check_before_resend is not None:
                found = options.check_before_resend()
                if found is not None:
                    return found

    def close(self) -> None:
        self.inner.close()

    def _delay_after_error(
        self, request: httpx.Request, options: RetryOptions, error: httpx.TransportError
    ) -> float | None:
        if not self.policy.resends_after(request.method, options, error):
            return None
        return self.policy.backoff(options.attempts, self._rng)

    def _delay_after_response(
        self,
        request: httpx.Request,
        options: RetryOptions,
        response: httpx.Response,
        started: float,
    ) -> float | None:
        status, policy = response.status_code, self.policy
        if status in policy.wait_statuses:
            hint = retry_after_seconds(response.headers)
            if hint is None:
                return policy.backoff(options.attempts, self._rng)
            return hint if policy.max_retry_after is None else min(hint, policy.max_retry_after)
        if status in policy.transient_statuses:
            if not policy.safe_to_repeat(request.method, options):
                return None
            return policy.backoff(options.attempts, self._rng)
        if status == 404 and options.retry_404_for > 0:
            delay = policy.backoff(options.attempts, self._rng)
            in_window = self._clock() - started + delay <= options.retry_404_for
            return delay if in_window else None
        return None

    def _fits(self, attempts: int, started: float, delay: float) -> bool:
        """Whether one more attempt after ``delay`` stays inside the policy's budget."""
        if attempts >= self.policy.max_attempts:
            return False
        budget = self.policy.max_seconds
        return budget is None or self._clock() - started + delay <= budget
