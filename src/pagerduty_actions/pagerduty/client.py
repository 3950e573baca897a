"""The one PagerDuty REST client every action uses: retries, rate limits, errors, pagination.

Retry rules, and why:

* 429 is always retried (PagerDuty did nothing), waiting ``Retry-After`` seconds, else
  ``ratelimit-reset``, else exponential backoff: a 429 may come with no headers at all.
* 5xx, 408, timeouts and dropped connections are retried with exponential backoff and jitter
  for idempotent calls (GET/PUT/DELETE, or ``idempotent=True`` such as dependency writes, which
  PagerDuty answers with 500 when they race).
* A POST that may have reached PagerDuty is never blindly re-sent: PagerDuty has no idempotency
  keys, so a second POST can create a second service. It is retried only when the connection
  certainly failed before sending, or when the caller gives ``retry_check``, which looks the
  object up first; when it is found, that is returned instead of posting again.
* A 404 is retried only when the caller gives ``retry_404_for`` (seconds): the object was
  created a moment ago, and PagerDuty's reads and writes lag behind its creates. A 404 wrote
  nothing, so even a POST is re-sent.
* Every retry loop is bounded by ``max_attempts`` and by ``max_retry_seconds`` in total, so an
  action stays inside the scaffolder's 60-second step timeout.

The client is synchronous and thread-safe (it is used from WSGI worker threads); every client of
one account shares that account's limiter from the registry.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from .accounts import Account
from .auth import ACCEPT, USER_AGENT, Authenticator, authenticator_for
from .errors import (
    MissingScopesError,
    PagerDutyError,
    PaginationLimitError,
    RateLimitedError,
    UpstreamUnavailableError,
    error_from_response,
    redact,
)
from .limiter import SHARED_LIMITERS, AccountLimiter, LimiterRegistry
from .stats import CallStats

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Transport failures raised before any byte of the request left: always safe to retry.
CERTAINLY_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Classic pagination answers 400 when offset + limit exceeds this.
CLASSIC_PAGINATION_CAP = 10_000
MAX_PAGE_SIZE = 100

JsonBody = dict[str, Any]
RetryCheck = Callable[[], JsonBody | None]


@dataclass(frozen=True)
class _Call:
    method: str
    template: str
    path: str
    url: str
    params: Mapping[str, Any] | None
    json: Any
    headers: Mapping[str, str] | None
    idempotent: bool
    retry_404_for: float
    authenticate: bool
    secrets: tuple[str, ...] = ()


class PagerDutyClient:
    """A client for one :class:`Account`; see the module docstring for the retry rules."""

    def __init__(
        self,
        account: Account,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
        max_attempts: int = 5,
        max_retry_seconds: float = 30.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        limiters: LimiterRegistry | None = None,
        stats: CallStats | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.account = account
        self.max_attempts = max(1, max_attempts)
        self.max_retry_seconds = max_retry_seconds
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.stats = stats or CallStats()
        self.limiter: AccountLimiter = (limiters or SHARED_LIMITERS).for_account(account)
        self._http = httpx.Client(
            base_url=account.api_base_url,
            transport=transport,
            timeout=timeout,
            headers={
                "Accept": ACCEPT,
                # The OpenAPI document marks Content-Type required on every operation.
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        self.auth: Authenticator = authenticator_for(account, http=self._http, clock=clock)

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PagerDutyClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PagerDutyClient(account={self.account.id!r}, base={self.account.api_base_url!r})"

    def missing_scopes(self, required: list[str] | tuple[str, ...]) -> list[str]:
        """Scopes in ``required`` that the credential was not granted (none for API tokens)."""
        return self.auth.missing_scopes(required)

    def require_scopes(self, required: list[str] | tuple[str, ...]) -> None:
        """Raise :class:`MissingScopesError` naming every required scope not granted."""
        missing = self.missing_scopes(required)
        if missing:
            raise MissingScopesError(
                f"the OAuth token for account {self.account.id!r} lacks scopes: "
                + ", ".join(missing)
            )

    # -- requests ------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        retry_404_for: float = 0.0,
        base_url: str | None = None,
        authenticate: bool = True,
        secrets: tuple[str, ...] = (),
    ) -> httpx.Response:
        """Send one logical request with retries; return the successful response or raise.

        ``path`` may hold ``{name}`` placeholders filled (URL-quoted) from ``path_params``; the
        template is what ``stats`` counts. ``base_url`` overrides the REST base (Events API).
        """
        call = self._call(
            method, path, path_params, params, json, headers, idempotent, retry_404_for,
            base_url, authenticate, secrets,
        )  # fmt: skip
        outcome = self._execute(call, None)
        assert isinstance(outcome, httpx.Response)
        return outcome

    def request_json(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        retry_404_for: float = 0.0,
        retry_check: RetryCheck | None = None,
        base_url: str | None = None,
        authenticate: bool = True,
        secrets: tuple[str, ...] = (),
    ) -> JsonBody:
        """Like :meth:`request`, returning the JSON body (``{}`` for 204).

        ``retry_check`` (for non-idempotent POSTs) returns a body of the same shape when the
        object the POST would create already exists; it is called before each re-send.
        """
        call = self._call(
            method, path, path_params, params, json, headers, idempotent, retry_404_for,
            base_url, authenticate, secrets,
        )  # fmt: skip
        outcome = self._execute(call, retry_check)
        if isinstance(outcome, dict):
            return outcome
        return self._json(outcome, call)

    def get(
        self,
        path: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        retry_404_for: float = 0.0,
    ) -> JsonBody:
        return self.request_json(
            "GET", path, path_params=path_params, params=params, retry_404_for=retry_404_for
        )

    def post(
        self,
        path: str,
        *,
        path_params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        retry_check: RetryCheck | None = None,
        retry_404_for: float = 0.0,
    ) -> JsonBody:
        """``retry_404_for``: re-send while PagerDuty answers 404 about an object this run has
        just created (a 404 means nothing was written, so re-sending is safe)."""
        return self.request_json(
            "POST",
            path,
            path_params=path_params,
            json=json,
            headers=headers,
            idempotent=idempotent,
            retry_check=retry_check,
            retry_404_for=retry_404_for,
        )

    def put(
        self,
        path: str,
        *,
        path_params: Mapping[str, str] | None = None,
        json: Any = None,
        retry_404_for: float = 0.0,
    ) -> JsonBody:
        return self.request_json(
            "PUT", path, path_params=path_params, json=json, retry_404_for=retry_404_for
        )

    def delete(
        self,
        path: str,
        *,
        path_params: Mapping[str, str] | None = None,
        retry_404_for: float = 0.0,
    ) -> JsonBody:
        return self.request_json(
            "DELETE", path, path_params=path_params, retry_404_for=retry_404_for
        )

    # -- pagination ----------------------------------------------------------------------------

    def iter_classic(
        self,
        path: str,
        key: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[JsonBody]:
        """Every item of an ``offset/limit/more`` list, page by page.

        The last page is shrunk so ``offset + limit`` never passes 10,000 (PagerDuty answers
        400 beyond it); if more items remain, :class:`PaginationLimitError` says to filter.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        offset = 0
        while True:
            limit = min(page_size, CLASSIC_PAGINATION_CAP - offset)
            if limit <= 0:
                raise PaginationLimitError(
                    f"more than {CLASSIC_PAGINATION_CAP:,} results; PagerDuty cannot page past "
                    "that, so narrow the list with a filter such as `query`",
                    method="GET",
                    path=self._fill(path, path_params),
                )
            query = {**(params or {}), "offset": offset, "limit": limit}
            body = self.get(path, path_params=path_params, params=query)
            items = body.get(key) or []
            yield from items
            if not body.get("more") or not items:
                return
            offset += len(items)

    def iter_cursor(
        self,
        path: str,
        key: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        cursor_param: str = "cursor",
        next_field: str = "next_cursor",
    ) -> Iterator[JsonBody]:
        """Every item of a cursor-paginated list (``cursor``/``next_cursor`` by default; the
        alert grouping settings list uses ``after``/``after``)."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            query: dict[str, Any] = {**(params or {}), "limit": page_size}
            if cursor:
                query[cursor_param] = cursor
            body = self.get(path, path_params=path_params, params=query)
            yield from body.get(key) or []
            next_cursor = body.get(next_field)
            if not next_cursor or next_cursor in seen:
                return
            seen.add(next_cursor)
            cursor = str(next_cursor)

    # -- internals -----------------------------------------------------------------------------

    @staticmethod
    def _fill(template: str, path_params: Mapping[str, str] | None) -> str:
        if not path_params:
            return template
        return template.format(**{k: quote(str(v), safe="") for k, v in path_params.items()})

    def _call(
        self,
        method: str,
        template: str,
        path_params: Mapping[str, str] | None,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        idempotent: bool | None,
        retry_404_for: float,
        base_url: str | None,
        authenticate: bool,
        secrets: tuple[str, ...] = (),
    ) -> _Call:
        method = method.upper()
        path = self._fill(template, path_params)
        url = f"{base_url.rstrip('/')}{path}" if base_url else path
        return _Call(
            method=method,
            template=template,
            path=path,
            url=url,
            params=params,
            json=json,
            headers=headers,
            idempotent=method in IDEMPOTENT_METHODS if idempotent is None else idempotent,
            retry_404_for=retry_404_for,
            authenticate=authenticate,
            secrets=secrets,
        )

    def _secrets(self, call: _Call) -> tuple[str, ...]:
        return (*self.auth.secrets(), *call.secrets)

    def _send_once(self, call: _Call, retry: bool) -> tuple[httpx.Response, str | None]:
        headers = dict(call.headers or {})
        sent_auth = None
        if call.authenticate:
            sent_auth = self.auth.authorization()
            headers["Authorization"] = sent_auth
        request = self._http.build_request(
            call.method, call.url, params=call.params, json=call.json, headers=headers
        )
        self.stats.record(call.method, call.template, retry=retry)
        if call.authenticate:
            with self.limiter.slot():
                response = self._http.send(request)
        else:
            response = self._http.send(request)
        response.read()
        return response, sent_auth

    def _execute(self, call: _Call, retry_check: RetryCheck | None) -> httpx.Response | JsonBody:
        started = self._clock()
        attempt = 0
        renewed_auth = False
        while True:
            attempt += 1
            try:
                response, sent_auth = self._send_once(call, retry=attempt > 1)
            except (httpx.TransportError, UpstreamUnavailableError) as exc:
                unsent = isinstance(exc, (*CERTAINLY_NOT_SENT, UpstreamUnavailableError))
                may_retry = unsent or call.idempotent or retry_check is not None
                error = self._transport_error(call, exc, may_retry)
                if not may_retry:
                    raise error from exc
                self._wait_or_raise(error, attempt, started, self._backoff(attempt))
                if retry_check is not None and not unsent:
                    found = retry_check()
                    if found is not None:
                        return found
                continue

            status = response.status_code
            if status < 400:
                return response
            if (
                status == 401
                and sent_auth is not None
                and not renewed_auth
                and self.auth.renew_after_unauthorized(sent_auth)
            ):
                renewed_auth = True
                continue

            retry_after: float | None = None
            if status == 429:
                retry_after = _retry_after(response)
                delay = retry_after if retry_after is not None else self._backoff(attempt)
                may_retry = True
            elif status == 408 or status >= 500:
                delay = self._backoff(attempt)
                may_retry = call.idempotent or retry_check is not None
            elif status == 404 and call.retry_404_for > 0:
                delay = self._backoff(attempt)
                may_retry = self._clock() - started + delay <= call.retry_404_for
            else:
                delay, may_retry = 0.0, False

            error = error_from_response(
                response,
                method=call.method,
                path=call.path,
                secrets=self._secrets(call),
                retry_after=retry_after,
            )
            if not may_retry:
                if status == 408 or status >= 500:
                    error.message += f" (not retried: the {call.method} may have been applied)"
                raise error
            self._wait_or_raise(error, attempt, started, delay)
            if retry_check is not None and status not in (404, 429):
                found = retry_check()
                if found is not None:
                    return found

    def _wait_or_raise(
        self, error: PagerDutyError, attempt: int, started: float, delay: float
    ) -> None:
        """Sleep ``delay`` before the next attempt, or raise ``error`` if the budget is spent."""
        elapsed = self._clock() - started
        if attempt >= self.max_attempts or elapsed + delay > self.max_retry_seconds:
            if isinstance(error, RateLimitedError):
                error.message = f"{error.message} (gave up after {attempt} attempts)"
            raise error
        self._sleep(delay)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half to all of base * 2^(attempt-1), capped."""
        ceiling = min(self._backoff_cap, self._backoff_base * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + self._rng.random() / 2)

    def _transport_error(self, call: _Call, exc: Exception, retried: bool) -> PagerDutyError:
        if isinstance(exc, PagerDutyError):
            return exc
        detail = str(exc) or "no detail"
        note = "" if retried else f" (not retried: the {call.method} may have reached PagerDuty)"
        return UpstreamUnavailableError(
            f"{type(exc).__name__}: {detail}{note}",
            method=call.method,
            path=call.path,
            secrets=self._secrets(call),
        )

    def _json(self, response: httpx.Response, call: _Call) -> JsonBody:
        if response.status_code == 204 or not response.content:
            return {}
        try:
            body = response.json()
        except ValueError:
            raise PagerDutyError(
                "PagerDuty answered with a body that is not JSON",
                status=response.status_code,
                method=call.method,
                path=call.path,
            ) from None
        if not isinstance(body, dict):
            return {"items": body}
        return body


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date), else ``ratelimit-reset``."""
    raw = response.headers.get("Retry-After")
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            try:
                return max(0.0, float(parsedate_to_datetime(raw).timestamp()) - time.time())
            except (TypeError, ValueError):
                pass
    reset = response.headers.get("ratelimit-reset")
    if reset:
        try:
            return max(0.0, float(reset))
        except ValueError:
            return None
    return None


__all__ = ["PagerDutyClient", "RetryCheck", "redact"]
