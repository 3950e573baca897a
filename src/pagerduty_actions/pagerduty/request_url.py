"""A call's URL under the REST base, built without parsing its text again.

``httpx.URL(text)`` runs httpx's whole parser (checks, IDNA, percent-encoding of each part):
25 us for a path, 60 us with a query, on every PagerDuty call. Our calls' URLs are the
client's base (parsed once) with a path made of a template's ASCII text and percent-quoted
values, and a query that httpx's own ``QueryParams`` encodes; for those the parse changes
nothing, so the parts are set on the base's parsed form directly. Anything else (a character
the parser would quote, a query in the path, an absolute URL) goes through ``httpx.URL`` as
before. ``tests/pagerduty/test_request_url.py`` draws paths and queries and requires the same
URL as ``httpx.URL`` gives.

This reads httpx's parsed form (``URL._uri_reference``, a named tuple), which is not public:
if an httpx release changes it, :class:`RequestUrls` notices at start and parses every URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

# What httpx's parser leaves as it is in a path: unreserved, sub-delims, ':', '@', '/', and
# percent escapes (what ``quote`` makes of a value).
_PLAIN_PATH = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*")


class RequestUrls:
    """Joins paths (and query parameters) onto one base URL, as ``httpx.URL`` would."""

    def __init__(self, base: str) -> None:
        self._base = base.rstrip("/") + "/"  # as httpx joins a path
        parsed = getattr(httpx.URL(self._base), "_uri_reference", None)
        self._parsed = parsed if _replaceable(parsed) else None

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.URL:
        """``path`` (under the base, or an absolute URL) with ``params`` as its query."""
        if "://" in path or "?" in path or self._parsed is None:
            return _parsed_url(path if "://" in path else self._base + path.lstrip("/"), params)
        full_path = self._parsed.path + path.lstrip("/")
        if "/." in full_path or not _PLAIN_PATH.fullmatch(
            full_path
        ):  # dot segments: httpx drops them
            return _parsed_url(self._base + path.lstrip("/"), params)
        url = httpx.URL.__new__(httpx.URL)
        query = str(httpx.QueryParams(params)) if params else None
        url._uri_reference = self._parsed._replace(path=full_path, query=query)
        return url


def _parsed_url(text: str, params: Mapping[str, Any] | None) -> httpx.URL:
    if not params:
        return httpx.URL(text)
    if "?" in text:
        return httpx.URL(text).copy_merge_params(params)
    return httpx.URL(text, params=params)


def _replaceable(parsed: Any) -> bool:
    """httpx's parsed form is still the named tuple with the ``path`` and ``query`` we set."""
    fields = getattr(parsed, "_fields", ())
    return "path" in fields and "query" in fields and hasattr(parsed, "_replace")
