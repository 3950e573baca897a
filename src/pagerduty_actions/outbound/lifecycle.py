"""Closing an outbound client: every one owns an ``httpx.Client`` and its connection pool."""

from __future__ import annotations

from typing import Self

import httpx


class OwnsHttpClient:
    """``close()`` and the ``with`` statement for a client keeping its ``httpx.Client`` in
    ``_http``, so the PagerDuty, catalog and git-host clients do not each repeat them."""

    _http: httpx.Client

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
