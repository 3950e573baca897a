"""The one PagerDuty REST client every action uses: retries, rate limits, errors, pagination.

Every request goes down one chain of httpx pieces::

    credential (httpx.Auth: API token, or OAuth renewed before expiry and once after a 401)
      -> RetryTransport (outbound/retry.py, with PagerDuty's numbers below)
        -> AccountTransport (the account's rate limiter and the call counter, per send)
          -> the network (or the transport tests and the sandbox inject)

PagerDuty's retry rules are the shared ones of ``outbound/retry.py``: 429 always waits
(``Retry-After``, else ``ratelimit-reset``, else backoff: a 429 may come with no headers at
all); 5xx, 408, timeouts and dropped connections are retried for idempotent calls (GET, PUT,
DELETE, or ``idempotent=True`` such as dependency writes, which PagerDuty answers with 500 when
they race). A POST that may have reached PagerDuty is never blindly re-sent: PagerDuty has no
idempotency keys, so a second POST can create a second service. It is re-sent only when the
connection certainly failed before sending, or when the caller gives ``retry_check``, which
looks the object up first; when it is found, that is returned instead of posting again. A 404
is retried only for the ``retry_404_for`` seconds a caller gives about an object it created a
moment ago (PagerDuty's reads and writes lag behind its creates). Every loop is bounded by
``max_attempts`` and by ``max_retry_seconds`` in total, so an action stays inside the
scaffolder's 60-second step timeout. What this module adds is the wording of the errors.

The client is synchronous and thread-safe (it is used from WSGI worker threads); every client of
one account shares that account's limiter from the registry.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack
from urllib.parse import quote

import httpx

from ..outbound import (
    EnvironmentTransport,
    OwnsHttpClient,
    RetryOptions,
    RetryPolicy,
    RetryTransport,
    retry_after_seconds,
)
from .accounts import Account
from .auth import ACCEPT, USER_AGENT, CredentialAuth, credential_for
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
from .request_url import RequestUrls
from .stats import CallStats
from .transport import AccountTransport, CallTag

# httpx's own logger: its line per request is kept although we send without its client.
_HTTPX_LOG = logging.getLogger("httpx")
# Classic pagination answers 400 when offset + limit exceeds this.
CLASSIC_PAGINATION_CAP = 10_000
MAX_PAGE_SIZE = 100

JsonBody = dict[str, Any]
RetryCheck = Callable[[], JsonBody | None]


class RequestOptions(TypedDict, total=False):
    """What :meth:`PagerDutyClient.request` takes besides the method and path template.

    ``path_params`` fill the template's ``{name}`` placeholders (URL-quoted); ``idempotent``
    overrides the method's default; ``retry_404_for`` (seconds) rides out the lag just after a
    create; ``retry_check`` (for a POST) returns a body of the same shape when the object the
    POST would create already exists, and is called before each re-send; ``base_url``
    overrides the REST base (Events API), where ``authenticate=False`` sends no credential and
    takes no limiter slot; ``secrets`` are redacted from errors besides the credential's.
    """

    path_params: Mapping[str, str] | None
    params: Mapping[str, Any] | None
    json: Any
    headers: Mapping[str, str] | None
    idempotent: bool | None
    retry_404_for: float
    retry_check: RetryCheck | None
    base_url: str | None
    authenticate: bool
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class _Call:
    method: str
    template: str
    path: str
    url: str
    options: RequestOptions

    @property
    def authenticate(self) -> bool:
        return self.options.get("authenticate", True)


class PagerDutyClient(OwnsHttpClient):
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
        self.retry_policy = RetryPolicy(
            max_attempts=max(1, max_attempts),
            max_seconds=max_retry_seconds,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
        )
        self.stats = stats or CallStats()
        self.limiter: AccountLimiter = (limiters or SHARED_LIMITERS).for_account(account)
        sending = AccountTransport(transport or EnvironmentTransport(), self.limiter, self.stats)
        self._transport = RetryTransport(
            sending, self.retry_policy, sleep=sleep, clock=clock, rng=rng
        )
        self._http = httpx.Client(
            base_url=account.api_base_url,
            transport=self._transport,
            timeout=timeout,
            headers={
                "Accept": ACCEPT,
                # The OpenAPI document marks Content-Type required on every operation.
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        self.auth: CredentialAuth = credential_for(account, http=self._http, clock=clock)
        # What each call's request starts from, worked out once (see ``_send``).
        self._urls = RequestUrls(str(self._http.base_url))
        self._timeout = self._http.timeout.as_dict()

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

    def request(self, method: str, path: str, **options: Unpack[RequestOptions]) -> httpx.Response:
        """Send one logical request with retries; return the successful response or raise.

        ``path`` is a template such as ``/services/{id}`` (what ``stats`` counts); see
        :class:`RequestOptions` for the rest.
        """
        return self._execute(self._call(method, path, options))

    def request_json(self, method: str, path: str, **options: Unpack[RequestOptions]) -> JsonBody:
        """Like :meth:`request`, returning the JSON body (``{}`` for 204)."""
        call = self._call(method, path, options)
        return self._json(self._execute(call), call)

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

    def _call(self, method: str, template: str, options: RequestOptions) -> _Call:
        path = self._fill(template, options.get("path_params"))
        base_url = options.get("base_url")
        url = f"{base_url.rstrip('/')}{path}" if base_url else path
        return _Call(method=method.upper(), template=template, path=path, url=url, options=options)

    def _secrets(self, call: _Call) -> tuple[str, ...]:
        return (*self.auth.secrets(), *call.options.get("secrets", ()))

    def _execute(self, call: _Call) -> httpx.Response:
        """Send ``call`` down the chain (see the module docstring); raise its error, worded."""
        given = call.options
        retry_check = given.get("retry_check")
        options = RetryOptions(
            idempotent=given.get("idempotent"),
            retry_404_for=given.get("retry_404_for", 0.0),
            check_before_resend=_answer_with(retry_check) if retry_check else None,
        )
        headers = self._http.headers
        if given.get("headers"):
            headers = headers.copy()
            headers.update(given.get("headers"))
        request = httpx.Request(
            call.method,
            self._url(call.url, given.get("params")),
            headers=headers,
            json=given.get("json"),
            extensions={
                **options.extensions(),
                **CallTag(call.template, limited=call.authenticate).extensions(),
                "timeout": self._timeout,
            },
        )
        try:
            response = self._send(request, self.auth if call.authenticate else None)
        except httpx.TransportError as exc:
            resent = self.retry_policy.resends_after(call.method, options, exc)
            raise self._transport_error(call, exc, resent) from exc
        if response.status_code < 400:
            return response
        raise self._response_error(call, response, options)

    def _url(self, url: str, params: Mapping[str, Any] | None) -> httpx.URL:
        """``url`` (a path under the REST base, or absolute) with ``params``, parsed once at
        most: httpx's client parses a URL five times to join and extend it, and
        :class:`RequestUrls` parses none of ours."""
        return self._urls.url(url, params)

    def _send(self, request: httpx.Request, auth: httpx.Auth | None) -> httpx.Response:
        """Send ``request`` down the transport chain through ``auth``'s flow (an OAuth 401
        renews the token and sends once more), as ``httpx.Client.send`` does for our calls,
        without what they never use: redirects (not followed), cookies (PagerDuty's REST API
        sets none) and a client-wide transport look-up per request. httpx's log line of each
        request is kept."""
        if auth is None:
            response = self._send_once(request)
        else:
            flow = auth.sync_auth_flow(request)
            try:
                request = next(flow)
                while True:
                    response = self._send_once(request)
                    try:
                        request = flow.send(response)
                    except StopIteration:
                        break
                    except BaseException:
                        response.close()
                        raise
                    response.read()
            finally:
                flow.close()
        return response

    def _send_once(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self._transport.handle_request(request)
        except httpx.RequestError as exc:
            exc.request = request
            raise
        response.request = request
        if _HTTPX_LOG.isEnabledFor(logging.INFO):
            _HTTPX_LOG.info(
                'HTTP Request: %s %s "%s %d %s"',
                request.method,
                request.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )
        return response

    def _response_error(
        self, call: _Call, response: httpx.Response, options: RetryOptions
    ) -> PagerDutyError:
        """PagerDuty's error for the last answer, saying why the retries stopped."""
        status = response.status_code
        error = error_from_response(
            response,
            method=call.method,
            path=call.path,
            secrets=self._secrets(call),
            retry_after=retry_after_seconds(response.headers) if status == 429 else None,
        )
        if isinstance(error, RateLimitedError):
            error.message += f" (gave up after {options.attempts} attempts)"
        elif status in self.retry_policy.transient_statuses and not (
            self.retry_policy.safe_to_repeat(call.method, options)
        ):
            error.message += f" (not retried: the {call.method} may have been applied)"
        return error

    def _transport_error(self, call: _Call, exc: Exception, retried: bool) -> PagerDutyError:
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


def _answer_with(retry_check: RetryCheck) -> Callable[[], httpx.Response | None]:
    """``retry_check`` as the transport's check: what it finds answers as the POST would."""

    def check() -> httpx.Response | None:
        found = retry_check()
        return None if found is None else httpx.Response(200, json=found)

    return check


__all__ = ["PagerDutyClient", "RetryCheck", "redact"]
