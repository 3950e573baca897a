"""RequestUrls builds each call's URL from the base's parsed form: it must be the URL that
``httpx.URL`` parses from the same text, for every path and query (drawn here), or step
aside to ``httpx.URL``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from pagerduty_actions.pagerduty.request_url import RequestUrls

BASES = [
    "https://api.pagerduty.com",
    "https://api.eu.pagerduty.com/",
    "http://127.0.0.1:46727",
    "http://user:pw@Example.COM:8080/api/v2/",
]
TEMPLATES = ["/services", "/services/{id}/integrations", "services/{id}", "/x/{id}/y/{id}"]
values = st.text(min_size=0, max_size=12)
params = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(values, st.integers(-5, 10_000), st.booleans(), st.lists(values, max_size=3)),
    max_size=4,
)


def expected(base: str, path: str, query: dict[str, Any] | None) -> httpx.URL:
    """What the client built before: httpx's parse of the joined text (a query already in the
    path is merged with the parameters; text holding "://" is an absolute URL)."""
    text = path if "://" in path else base.rstrip("/") + "/" + path.lstrip("/")
    if not query:
        return httpx.URL(text)
    if "?" in text:
        return httpx.URL(text).copy_merge_params(query)
    return httpx.URL(text, params=query)


def same(ours: httpx.URL, theirs: httpx.URL) -> None:
    assert str(ours) == str(theirs)
    assert ours.raw_path == theirs.raw_path and ours.query == theirs.query
    assert (ours.scheme, ours.host, ours.port, ours.userinfo) == (
        theirs.scheme, theirs.host, theirs.port, theirs.userinfo,
    )  # fmt: skip
    assert ours == theirs


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BASES), st.sampled_from(TEMPLATES), values, params)
def test_quoted_template_paths_and_queries_match_httpx(
    base: str, template: str, value: str, query: dict[str, Any]
) -> None:
    path = template.format(id=quote(value, safe=""))
    same(RequestUrls(base).url(path, query), expected(base, path, query))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BASES), st.text(max_size=20), params)
def test_any_path_text_matches_httpx_or_steps_aside(
    base: str, path: str, query: dict[str, Any]
) -> None:
    """Unquoted text, spaces, non-ASCII, stray '%' or '?' included."""
    try:
        theirs = expected(base, path, query)
    except httpx.InvalidURL:
        return  # httpx refuses it; so does the fallback, which is httpx
    same(RequestUrls(base).url(path, query), theirs)


def test_an_absolute_url_is_used_as_given() -> None:
    url = RequestUrls("https://api.pagerduty.com").url("https://events.pagerduty.com/v2/enqueue")
    assert str(url) == "https://events.pagerduty.com/v2/enqueue"


def test_a_query_in_the_path_is_merged_with_the_parameters() -> None:
    url = RequestUrls("https://api.pagerduty.com").url("/services?a=1", {"b": "2"})
    assert str(url) == "https://api.pagerduty.com/services?a=1&b=2"
