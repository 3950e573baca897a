"""The sending transport a client uses when none is injected: direct, or through the proxy the
environment names.

An ``httpx.Client`` built without a transport reads ``HTTP_PROXY``, ``HTTPS_PROXY``,
``ALL_PROXY`` and ``NO_PROXY``; one given a transport does not. Our clients give theirs a
:class:`~pagerduty_actions.outbound.retry.RetryTransport`, so this transport keeps what a
deployment behind a proxy relies on: the proxies are read once, like httpx does, and each
request goes through the one its URL calls for (``NO_PROXY`` as the standard library reads it).
"""

from __future__ import annotations

import threading
import urllib.request

import httpx


class EnvironmentTransport(httpx.BaseTransport):
    """An ``httpx.HTTPTransport`` per proxy (or none), chosen by each request's URL."""

    def __init__(self) -> None:
        self._proxies = urllib.request.getproxies()
        self._lock = threading.Lock()
        self._transports: dict[str | None, httpx.HTTPTransport] = {}

    def proxy_for(self, url: httpx.URL) -> str | None:
        """The proxy URL for ``url``, or None to connect directly."""
        proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
        if not proxy or urllib.request.proxy_bypass(url.host):
            return None
        return proxy if "://" in proxy else f"http://{proxy}"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        proxy = self.proxy_for(request.url)
        with self._lock:
            transport = self._transports.get(proxy)
            if transport is None:
                transport = httpx.HTTPTransport(proxy=proxy)
                self._transports[proxy] = transport
        return transport.handle_request(request)

    def close(self) -> None:
        with self._lock:
            transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            transport.close()
