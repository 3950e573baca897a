"""PagerDuty reads for the entity-page cards, through the actions' own clients and a cache.

Every read goes through the process's :class:`~pagerduty_actions.pagerduty.ClientPool`, so the
cards and the actions share each account's rate limiter and retry rules (a busy entity page
cannot starve a template run of its PagerDuty budget, nor exceed the account's), and through
:class:`~.cache.ReadCache`, so identical reads within ``entityPage.cacheSeconds`` cost one
call. An account is picked by id (the cards' ``?account=``) or is the default one; EU accounts
call the EU hosts their config names.

Answers are PagerDuty's JSON bodies as received; each caller gets its own copy, so a route that
reshapes one cannot change what the next viewer is shown.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from ..pagerduty import Account, ClientPool, PagerDutyClient, UpstreamUnavailableError
from ..services import Services
from .cache import CacheWaitTimeout, ReadCache, ReadKey
from .settings import EntityPageSettings

JsonBody = dict[str, Any]
_EXTRAS_KEY = "entity_page_reader"
_MAKE_LOCK = threading.Lock()


class EntityPageReader:
    """Cached GETs against PagerDuty for one process; see the module docstring."""

    def __init__(self, pool: ClientPool, settings: EntityPageSettings) -> None:
        self.pool = pool
        self.settings = settings
        self.cache: ReadCache[JsonBody] = ReadCache(
            ttl_seconds=settings.cache_seconds,
            max_entries=settings.cache_entries,
            max_bytes=settings.cache_max_bytes,
            size_of=_json_size,
            wait_seconds=settings.cache_wait_seconds,
        )

    def account(self, account_id: str | None = None) -> Account:
        """The named account, or the default one (``UnknownAccountError`` names the known)."""
        return self.pool.accounts.get(account_id or None)

    def client(self, account_id: str | None = None) -> PagerDutyClient:
        """The account's shared client, for the writes a route makes (never cached)."""
        return self.pool.get(self.account(account_id).id)

    def forget(self, template: str, account: str | None = None) -> None:
        """Forget the kept reads of ``template`` (no path parameters) on ``account``, after a
        write that changed what they say (a trigger changes the incident lists)."""
        self.cache.forget(self.account(account).id, template)

    def get(
        self,
        template: str,
        *,
        path_params: Mapping[str, str] | None = None,
        query: Iterable[tuple[str, str]] = (),
        account: str | None = None,
    ) -> JsonBody:
        """``GET template`` (``/services/{id}``, filled from ``path_params``) with ``query``
        (pairs; a key may repeat, as ``service_ids[]`` does) on ``account``, from the cache
        when an identical read is kept or in flight. PagerDuty's errors are raised as the
        client words them; a wait for another request's read that outlasts
        ``entityPage.cacheWaitSeconds`` is a :class:`ReadWaitTimeoutError`."""
        chosen = self.account(account)
        pairs = [(str(k), str(v)) for k, v in query]
        path = _fill(template, path_params)
        key = ReadKey.of(chosen.id, path, pairs)

        def load() -> JsonBody:
            return self.pool.get(chosen.id).get(
                template, path_params=path_params, params=_grouped(pairs)
            )

        try:
            body = self.cache.get(key, load)
        except CacheWaitTimeout as exc:
            raise ReadWaitTimeoutError(
                f"PagerDuty has not answered the same read, sent for another request, within "
                f"{exc.waited:g} s (entityPage.cacheWaitSeconds); try again",
                method="GET",
                path=path,
            ) from None
        return copy.deepcopy(body)


class ReadWaitTimeoutError(UpstreamUnavailableError):
    """The identical read in flight for another request outlasted ``cacheWaitSeconds``
    (a gateway timeout: PagerDuty is slow, and this request sent nothing of its own)."""


def entity_page_reader(services: Services) -> EntityPageReader:
    """The process's one reader (made on first use and kept in ``services.extras``), so every
    route of the entity page shares its cache; PagerDuty must be configured (or sandboxed)."""
    with _MAKE_LOCK:
        reader = services.extras.get(_EXTRAS_KEY)
        if reader is None:
            reader = EntityPageReader(
                services.pagerduty, EntityPageSettings.from_config(services.config)
            )
            services.extras[_EXTRAS_KEY] = reader
    assert isinstance(reader, EntityPageReader)
    return reader


def _json_size(body: JsonBody) -> int:
    """An answer's size as PagerDuty sent it, about: its compact JSON text."""
    return len(json.dumps(body, separators=(",", ":")))


def _fill(template: str, path_params: Mapping[str, str] | None) -> str:
    """The concrete path, quoted as the client quotes it (the cache key)."""
    if not path_params:
        return template
    return template.format(**{k: quote(str(v), safe="") for k, v in path_params.items()})


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Query pairs as httpx takes repeated keys: ``{"service_ids[]": ["A", "B"]}``."""
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped
