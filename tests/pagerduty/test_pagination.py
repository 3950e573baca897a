"""Classic (offset/limit/more) and cursor pagination: exact page requests, no caps, no gaps."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import respx

from pagerduty_actions.pagerduty import PagerDutyClient, PaginationLimitError

API = "https://api.pagerduty.com"
MakeClient = Callable[..., PagerDutyClient]


def classic_server(total: int) -> Callable[[httpx.Request], httpx.Response]:
    """A list endpoint over ``total`` items that behaves like PagerDuty's classic paging."""

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", 0))
        limit = int(request.url.params.get("limit", 25))
        if offset + limit > 10_000:
            return httpx.Response(400, json={"error": {"message": "Offset too big", "code": 2002}})
        items = [{"id": f"P{i}"} for i in range(offset, min(offset + limit, total))]
        more = offset + limit < total
        return httpx.Response(
            200,
            json={"services": items, "offset": offset, "limit": limit, "more": more, "total": None},
        )

    return handler


def pages_requested(route: respx.Route) -> list[tuple[int, int]]:
    return [
        (int(c.request.url.params["offset"]), int(c.request.url.params["limit"]))
        for c in route.calls
    ]


@pytest.mark.parametrize(
    ("total", "expected_pages"),
    [
        (0, [(0, 100)]),
        (1, [(0, 100)]),
        (100, [(0, 100)]),
        (101, [(0, 100), (100, 100)]),
        (250, [(0, 100), (100, 100), (200, 100)]),
    ],
)
def test_classic_pages_exactly(
    router: respx.Router, make_client: MakeClient, total: int, expected_pages: list[tuple[int, int]]
) -> None:
    route = router.get(f"{API}/services").mock(side_effect=classic_server(total))
    items = list(make_client().iter_classic("/services", "services"))
    assert [i["id"] for i in items] == [f"P{n}" for n in range(total)]
    assert pages_requested(route) == expected_pages


def test_classic_keeps_filters_and_honours_a_smaller_server_limit(
    router: respx.Router, make_client: MakeClient
) -> None:
    def clamped(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        items = [{"id": f"P{i}"} for i in range(offset, min(offset + 25, 60))]
        return httpx.Response(
            200, json={"services": items, "limit": 25, "offset": offset, "more": offset + 25 < 60}
        )

    route = router.get(f"{API}/services").mock(side_effect=clamped)
    items = list(make_client().iter_classic("/services", "services", params={"query": "pay"}))
    assert len(items) == 60
    assert len({i["id"] for i in items}) == 60
    assert [int(c.request.url.params["offset"]) for c in route.calls] == [0, 25, 50]
    assert {c.request.url.params["query"] for c in route.calls} == {"pay"}


def test_classic_reads_exactly_10000_then_asks_for_a_filter(
    router: respx.Router, make_client: MakeClient
) -> None:
    route = router.get(f"{API}/services").mock(side_effect=classic_server(12_000))
    seen = 0
    with pytest.raises(PaginationLimitError, match="query") as caught:
        for _ in make_client().iter_classic("/services", "services", page_size=30):
            seen += 1
    assert seen == 10_000
    pages = pages_requested(route)
    assert pages[-1] == (9990, 10)  # the last page is shrunk to stay within the cap
    assert all(offset + limit <= 10_000 for offset, limit in pages)
    assert "GET /services" in str(caught.value)


def test_classic_exactly_10000_items_is_fine(router: respx.Router, make_client: MakeClient) -> None:
    router.get(f"{API}/services").mock(side_effect=classic_server(10_000))
    assert sum(1 for _ in make_client().iter_classic("/services", "services")) == 10_000


def test_page_size_is_validated(make_client: MakeClient) -> None:
    with pytest.raises(ValueError, match="page_size"):
        next(make_client().iter_classic("/services", "services", page_size=101))


def cursor_server(total: int, per_page: int) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("cursor", "0"))
        items = [{"id": f"R{i}"} for i in range(start, min(start + per_page, total))]
        following = start + per_page
        return httpx.Response(
            200,
            json={
                "records": items,
                "limit": per_page,
                "next_cursor": str(following) if following < total else None,
            },
        )

    return handler


@pytest.mark.parametrize(("total", "calls"), [(0, 1), (1, 1), (3, 1), (7, 3), (9, 3)])
def test_cursor_pages(
    router: respx.Router, make_client: MakeClient, total: int, calls: int
) -> None:
    route = router.get(f"{API}/services/PX/audit/records").mock(side_effect=cursor_server(total, 3))
    items = list(
        make_client().iter_cursor(
            "/services/{id}/audit/records", "records", path_params={"id": "PX"}, page_size=3
        )
    )
    assert [i["id"] for i in items] == [f"R{n}" for n in range(total)]
    assert route.call_count == calls
    assert "cursor" not in route.calls[0].request.url.params
    assert [c.request.url.params.get("cursor") for c in route.calls[1:]] == [
        str(3 * n) for n in range(1, calls)
    ]


def test_cursor_that_does_not_advance_stops(router: respx.Router, make_client: MakeClient) -> None:
    route = router.get(f"{API}/things").respond(
        200, json={"things": [{"id": 1}], "next_cursor": "same"}
    )
    items = list(make_client().iter_cursor("/things", "things"))
    assert len(items) == 2
    assert route.call_count == 2
