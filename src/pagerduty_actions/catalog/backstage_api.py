"""A small client for the Backstage catalog REST API: every component, and entity refresh.

The dependency sync reads the whole catalog once per run, so it asks only for components
(``filter=kind=component``) and only for the fields it uses, in large cursor pages; that keeps
a 5,000-entity catalog to a handful of requests. Every call (the reads, and a refresh, which is
as safe to repeat) is retried on 5xx, 429, timeouts and dropped connections with capped
exponential backoff, by the shared retry transport (``outbound/retry.py``), because a sync that
dies on one blip of the catalog backend would be re-run by hand. The bearer token never appears
in an error message or a repr: error text from Backstage is passed through
``redaction.redact`` (with the token) first.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx

from ..outbound import (
    EnvironmentTransport,
    OwnsHttpClient,
    RetryOptions,
    RetryPolicy,
    RetryTransport,
)
from ..redaction import redact

CATALOG_PATH = "/api/catalog"
QUERY_PATH = "/entities/by-query"
REFRESH_PATH = "/refresh"
# What a sync needs of a component, and nothing more (Backstage prunes everything else).
COMPONENT_FIELDS: tuple[str, ...] = (
    "kind",
    "metadata.name",
    "metadata.namespace",
    "metadata.annotations",
    "spec.dependsOn",
    "spec.owner",  # auto-match gives points for the same team
)
DEFAULT_PAGE_SIZE = 500
# Statuses a catalog backend answers when trying again later may work (429: wait, see below).
_TRANSIENT_STATUSES = frozenset({408, 500, 502, 503, 504})
# A longer Retry-After is shortened to this: a sync waits, but not for minutes.
_MAX_RETRY_AFTER = 30.0


class CatalogApiError(Exception):
    """A catalog API call failed; ``status`` is Backstage's HTTP status (None: no response),
    ``backstage_message`` the ``error.message`` of Backstage's error body, when it sent one."""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status: int | None = None,
        backstage_message: str | None = None,
    ) -> None:
        self.message = message
        self.method = method
        self.url = url
        self.status = status
        self.backstage_message = backstage_message
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"{self.status} " if self.status is not None else ""
        text = f"Backstage catalog {self.method} {self.url} -> {head}{self.message}"
        if self.backstage_message:
            text += f": {self.backstage_message}"
        return text

    def __str__(self) -> str:
        return self._render()


class CatalogAuthError(CatalogApiError):
    """401/403: the token is missing, wrong, expired or not allowed to read the catalog."""


class CatalogNotFoundError(CatalogApiError):
    """404: the catalog API is not at this URL (check ``backstage.baseUrl``) or no such entity."""


class CatalogUnavailableError(CatalogApiError):
    """5xx, 429, timeouts or connection failures that outlasted the retries."""


class BackstageCatalogClient(OwnsHttpClient):
    """One Backstage catalog (``base_url`` is the backend, e.g. ``http://localhost:7007``, or
    its ``.../api/catalog``); ``calls`` counts every request sent, retries included."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.catalog_url = catalog_base_url(base_url)
        self._token = token or None
        self.retry_policy = RetryPolicy(
            max_attempts=max(1, max_attempts),
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            transient_statuses=_TRANSIENT_STATUSES,
            max_retry_after=_MAX_RETRY_AFTER,
        )
        self.calls = 0
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        retrying = RetryTransport(
            transport or EnvironmentTransport(), self.retry_policy, sleep=sleep, rng=rng
        )
        self._http = httpx.Client(
            base_url=self.catalog_url, transport=retrying, timeout=timeout, headers=headers
        )

    def __repr__(self) -> str:
        auth = "bearer token" if self._token else "no token"
        return f"BackstageCatalogClient({self.catalog_url!r}, {auth})"

    # -- operations ----------------------------------------------------------------------------

    def iter_entities(
        self,
        filters: Sequence[str],
        *,
        fields: Sequence[str] = COMPONENT_FIELDS,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[dict[str, Any]]:
        """Every entity matching any of ``filters`` (Backstage's ``filter`` syntax), page by
        page. Later pages send only the cursor (which carries the filter) and the fields."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        base: list[tuple[str, str]] = [("limit", str(page_size))]
        if fields:
            base.append(("fields", ",".join(fields)))
        params = [*base, *(("filter", f) for f in filters)]
        seen: set[str] = set()
        while True:
            body = self._send("GET", QUERY_PATH, params=params).json()
            if not isinstance(body, dict):
                raise CatalogApiError(
                    "the answer is not a JSON object with items and pageInfo",
                    method="GET",
                    url=self._where(QUERY_PATH),
                )
            for item in body.get("items") or []:
                if isinstance(item, dict):
                    yield item
            cursor = (body.get("pageInfo") or {}).get("nextCursor")
            if not isinstance(cursor, str) or not cursor or cursor in seen:
                return
            seen.add(cursor)
            params = [*base, ("cursor", cursor)]

    def iter_components(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """Every ``Component`` with only the fields a dependency sync reads."""
        return self.iter_entities(["kind=component"], page_size=page_size)

    def refresh_entity(self, entity_ref: str) -> None:
        """``POST /refresh {entityRef}``: ask the catalog to re-read the entity's source now
        (after we changed its catalog file) instead of at its next processing cycle."""
        self._send("POST", REFRESH_PATH, json={"entityRef": entity_ref})

    # -- internals -----------------------------------------------------------------------------

    def _where(self, path: str) -> str:
        return f"{self.catalog_url}{path}"

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """One call with retries; the error of the last attempt says how many were made."""
        options = RetryOptions(idempotent=True)
        query = tuple(params) if params else None
        try:
            response = self._http.request(
                method, path, params=query, json=json, extensions=options.extensions()
            )
        except httpx.TransportError as exc:
            error: CatalogApiError = CatalogUnavailableError(
                redact(f"{type(exc).__name__}: {exc or 'no detail'}", [self._token]),
                method=method,
                url=self._where(path),
            )
            raise self._gave_up(error, options) from exc
        finally:
            self.calls += options.attempts
        if response.status_code < 400:
            return response
        error = self._error(response, method, path)
        if self.retry_policy.retries_status(response.status_code):
            raise self._gave_up(error, options)
        raise error

    @staticmethod
    def _gave_up(error: CatalogApiError, options: RetryOptions) -> CatalogApiError:
        error.message += f" (gave up after {options.attempts} attempts)"
        return error

    def _error(self, response: httpx.Response, method: str, path: str) -> CatalogApiError:
        status = response.status_code
        detail = _backstage_message(response)
        detail = redact(detail, [self._token])[:500] if detail else None
        url = self._where(path)
        if status == 401:
            hint = (
                "Backstage did not accept the credentials; check `backstage.token` (a static or "
                "service-to-service token the catalog backend accepts)"
                if self._token
                else "Backstage wants a token; set `backstage.token` in the config"
            )
            return CatalogAuthError(
                hint, method=method, url=url, status=status, backstage_message=detail
            )
        if status == 403:
            return CatalogAuthError(
                "the token of `backstage.token` is not allowed to do this in the catalog",
                method=method,
                url=url,
                status=status,
                backstage_message=detail,
            )
        if status == 404:
            return CatalogNotFoundError(
                "not found; check `backstage.baseUrl` (the backend URL, e.g. "
                "http://localhost:7007, under which /api/catalog is served)",
                method=method,
                url=url,
                status=status,
                backstage_message=detail,
            )
        retried = self.retry_policy.retries_status(status)
        kind = CatalogUnavailableError if retried else CatalogApiError
        reason = response.reason_phrase or "error"
        return kind(reason, method=method, url=url, status=status, backstage_message=detail)


def catalog_base_url(base_url: str) -> str:
    """The catalog API root for a backend URL (``/api/catalog`` added unless already there)."""
    root = base_url.strip().rstrip("/")
    if not root:
        raise ValueError("the Backstage base URL is empty; set backstage.baseUrl")
    return root if root.endswith(CATALOG_PATH) else root + CATALOG_PATH


def _backstage_message(response: httpx.Response) -> str | None:
    """``error.message`` of Backstage's error body ``{error: {name, message}, response}``."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:200] if text else None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            name = error.get("name")
            message: str = error["message"]
            return f"{name}: {message}" if isinstance(name, str) and name else message
    return None


def iter_components(
    base_url: str,
    token: str | None,
    *,
    transport: httpx.BaseTransport | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """Every component of the catalog at ``base_url`` (see :class:`BackstageCatalogClient`)."""
    with BackstageCatalogClient(base_url, token, transport=transport, sleep=sleep) as client:
        yield from client.iter_components(page_size=page_size)


def refresh_entity(
    base_url: str,
    token: str | None,
    entity_ref: str,
    *,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Ask the catalog at ``base_url`` to refresh ``entity_ref`` now."""
    with BackstageCatalogClient(base_url, token, transport=transport, sleep=sleep) as client:
        client.refresh_entity(entity_ref)
