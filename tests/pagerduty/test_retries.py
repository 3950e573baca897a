"""Retry rules: 429 waits, bounded 5xx backoff, and POSTs never blindly re-sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from pagerduty_actions.pagerduty import (
    ObjectNotFoundError,
    PagerDutyClient,
    RateLimitedError,
    UpstreamUnavailableError,
)
from pagerduty_actions.pagerduty.resources import services

API = "https://api.pagerduty.com"
MakeClient = Callable[..., PagerDutyClient]
RATE_LIMITED = {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
SERVICE = {"service": {"id": "PSVC1", "name": "checkout"}}


def test_429_honours_retry_after(router: respx.Router, make_client: MakeClient, clock: Any) -> None:
    route = router.get(f"{API}/services/PSVC1").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}, json=RATE_LIMITED),
            httpx.Response(429, headers={"Retry-After": "3"}, json=RATE_LIMITED),
            httpx.Response(200, json=SERVICE),
        ]
    )
    client = make_client()
    assert services.get(client, "PSVC1")["name"] == "checkout"
    assert clock.sleeps == [7.0, 3.0]
    assert route.call_count == 3


def test_429_falls_back_to_ratelimit_reset(
    router: respx.Router, make_client: MakeClient, clock: Any
) -> None:
    router.get(f"{API}/services/PSVC1").mock(
        side_effect=[
            httpx.Response(429, headers={"ratelimit-reset": "12"}, json=RATE_LIMITED),
            httpx.Response(200, json=SERVICE),
        ]
    )
    services.get(make_client(), "PSVC1")
    assert clock.sleeps == [12.0]


def test_429_without_headers_or_body_still_backs_off(
    router: respx.Router, make_client: MakeClient, clock: Any
) -> None:
    router.get(f"{API}/services/PSVC1").mock(
        side_effect=[httpx.Response(429), httpx.Response(429), httpx.Response(200, json=SERVICE)]
    )
    services.get(make_client(), "PSVC1")
    assert len(clock.sleeps) == 2
    assert 0.25 <= clock.sleeps[0] <= 0.5
    assert 0.5 <= clock.sleeps[1] <= 1.0


def test_429_on_post_is_retried_because_nothing_happened(
    router: respx.Router, make_client: MakeClient, clock: Any
) -> None:
    route = router.post(f"{API}/services").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}),
            httpx.Response(201, json=SERVICE),
        ]
    )
    router.get(f"{API}/services").respond(200, json={"services": [], "more": False})
    assert services.create(make_client(), {"name": "checkout"})["id"] == "PSVC1"
    assert route.call_count == 2


def test_429_exhausted_raises_rate_limited_with_hint(
    router: respx.Router, make_client: MakeClient, clock: Any
) -> None:
    route = router.get(f"{API}/abilities").respond(
        429, headers={"Retry-After": "2"}, json=RATE_LIMITED
    )
    with pytest.raises(RateLimitedError) as caught:
        make_client(max_attempts=3).get("/abilities")
    assert route.call_count == 3
    assert clock.sleeps == [2.0, 2.0]
    assert caught.value.retry_after == 2.0
    assert caught.value.retryable
    assert caught.value.code == 2020


def test_retry_after_longer_than_budget_gives_up_at_once(
    router: respx.Router, make_client: MakeClient, clock: Any
) -> None:
    route = router.get(f"{API}/abilities").respond(429, headers={"Retry-After": "120"})
    with pytest.raises(RateLimitedError):
        make_client(max_retry_seconds=30).get("/abilities")
    assert route.call_count == 1
    assert clock.sleeps == []


def test_5xx_backoff_grows_and_is_bounded_by_attempts(
    router: respx.Router, make_client: MakeClient, clock: Any
) -> None:
    route = router.get(f"{API}/abilities").respond(500, json={"error": {"message": "boom"}})
    with pytest.raises(UpstreamUnavailableError) as caught:
        make_client(max_attempts=4, max_retry_seconds=1000).get("/abilities")
    assert route.call_count == 4
    assert len(clock.sleeps) == 3
    for n, slept in enumerate(clock.sleeps):
        assert 0.5 * 2**n / 2 <= slept <= 0.5 * 2**n
    assert caught.value.status == 500
    assert caught.value.retryable


def test_5xx_retries_stop_at_the_time_budget(
    router: respx.Router, make_client: MakeClient, clock: Any
) -> None:
    route = router.get(f"{API}/abilities").respond(503)
    with pytest.raises(UpstreamUnavailableError):
        make_client(max_attempts=50, max_retry_seconds=10, backoff_cap=4).get("/abilities")
    assert sum(clock.sleeps) <= 10
    assert 3 <= route.call_count < 50


def test_timeouts_on_get_are_retried(
    router: respx.Router, make_client: MakeClient, clock: Any
) -> None:
    route = router.get(f"{API}/abilities").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json={"abilities": []})]
    )
    assert make_client().get("/abilities") == {"abilities": []}
    assert route.call_count == 2


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(500, json={"error": {"message": "Internal"}}), httpx.ReadTimeout("slow")],
    ids=["500", "read-timeout"],
)
def test_post_is_not_blindly_retried(
    router: respx.Router, make_client: MakeClient, failure: Any
) -> None:
    route = router.post(f"{API}/incidents").mock(side_effect=[failure])
    with pytest.raises(UpstreamUnavailableError) as caught:
        make_client().post("/incidents", json={"incident": {"title": "x"}})
    assert route.call_count == 1
    assert "not retried" in str(caught.value)


def test_post_is_retried_when_the_connection_never_opened(
    router: respx.Router, make_client: MakeClient
) -> None:
    route = router.post(f"{API}/services").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(201, json=SERVICE)]
    )
    assert make_client().post("/services", json={"service": {}}) == SERVICE
    assert route.call_count == 2


def test_post_with_retry_check_returns_what_it_finds(
    router: respx.Router, make_client: MakeClient
) -> None:
    post = router.post(f"{API}/services").mock(side_effect=[httpx.Response(502)])
    lookup = router.get(f"{API}/services").respond(
        200,
        json={
            "services": [
                {"id": "PSVC9", "name": "checkout-2"},
                {"id": "PSVC1", "name": "checkout"},
            ],
            "more": False,
        },
    )
    created = services.create(make_client(), {"name": "checkout"})
    assert created == {"id": "PSVC1", "name": "checkout"}
    assert post.call_count == 1
    assert lookup.calls.last.request.url.params["query"] == "checkout"


def test_post_with_retry_check_reposts_when_nothing_found(
    router: respx.Router, make_client: MakeClient
) -> None:
    post = router.post(f"{API}/services").mock(
        side_effect=[httpx.ReadTimeout("lost"), httpx.Response(201, json=SERVICE)]
    )
    lookup = router.get(f"{API}/services").respond(200, json={"services": [], "more": False})
    assert services.create(make_client(), {"name": "checkout"})["id"] == "PSVC1"
    assert post.call_count == 2
    assert lookup.call_count == 1


def test_idempotent_post_is_retried_on_500(router: respx.Router, make_client: MakeClient) -> None:
    route = router.post(f"{API}/service_dependencies/associate").mock(
        side_effect=[httpx.Response(500), httpx.Response(200, json={"relationships": []})]
    )
    client = make_client()
    client.post("/service_dependencies/associate", json={"relationships": []}, idempotent=True)
    assert route.call_count == 2


def test_404_retried_only_when_asked(
    router: respx.Router, make_client: MakeClient, clock: Any
) -> None:
    route = router.get(f"{API}/services/PNEW").mock(
        side_effect=[
            httpx.Response(404, json={"error": {"message": "Not Found", "code": 5002}}),
            httpx.Response(404, json={"error": {"message": "Not Found", "code": 5002}}),
            httpx.Response(200, json={"service": {"id": "PNEW"}}),
        ]
    )
    client = make_client()
    assert services.get(client, "PNEW", retry_404_for=5)["id"] == "PNEW"
    assert route.call_count == 3
    route.reset()
    route.side_effect = None
    route.return_value = httpx.Response(404, json={"error": {"message": "Not Found"}})
    with pytest.raises(ObjectNotFoundError, match="404 Not Found"):
        services.get(client, "PNEW")
    assert route.call_count == 1


def test_404_retry_window_is_bounded(
    router: respx.Router, make_client: MakeClient, clock: Any
) -> None:
    router.get(f"{API}/services/PNEW").respond(404)
    with pytest.raises(ObjectNotFoundError, match="404"):
        services.get(make_client(max_attempts=100), "PNEW", retry_404_for=2)
    assert sum(clock.sleeps) <= 2
