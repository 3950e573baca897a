"""The one retry policy every outbound client shares, tested as the transport it is.

The clients' own tests (tests/pagerduty/test_retries.py, tests/sync/test_sources.py,
tests/scm/test_pull_requests.py) prove each client's numbers and wording; these pin the rules
themselves: which failures lead to another send, what a server's hint means, and that a request
that may have been applied is only sent again after its check found nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from pagerduty_actions.outbound import (
    RetryOptions,
    RetryPolicy,
    RetryTransport,
    retry_after_seconds,
)

URL = "https://api.example.test/things"
Answer = httpx.Response | Exception


class Script:
    """A transport answering from a list, recording every request it was sent."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def client(script: Script, policy: RetryPolicy, sleeps: list[float]) -> httpx.Client:
    retrying = RetryTransport(
        httpx.MockTransport(script), policy, sleep=sleeps.append, rng=random.Random(3)
    )
    return httpx.Client(transport=retrying)


def send(
    http: httpx.Client, method: str = "GET", options: RetryOptions | None = None
) -> httpx.Response:
    options = options or RetryOptions()
    return http.request(method, URL, extensions=options.extensions())


# -- what a server's hint means ----------------------------------------------------------------


def test_retry_after_is_read_as_seconds_an_http_date_or_ratelimit_reset() -> None:
    now = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
    in_90s = format_datetime(datetime(2025, 3, 1, 12, 1, 30, tzinfo=UTC), usegmt=True)
    at = now.timestamp

    assert retry_after_seconds({"Retry-After": "7"}) == 7.0
    assert retry_after_seconds({"Retry-After": in_90s}, now=at) == 90.0
    assert retry_after_seconds({"Retry-After": "Sat, 01 Mar 2025 11:00:00 GMT"}, now=at) == 0.0
    assert retry_after_seconds({"Retry-After": "-3"}) == 0.0
    # PagerDuty's own header, read when Retry-After is missing or unreadable.
    assert retry_after_seconds({"ratelimit-reset": "12"}) == 12.0
    assert retry_after_seconds({"Retry-After": "soon", "ratelimit-reset": "4"}, now=at) == 4.0
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_a_hint_longer_than_the_policy_allows_is_shortened_to_its_cap() -> None:
    script = Script(
        httpx.Response(429, headers={"Retry-After": "120"}),
        httpx.Response(429),
        httpx.Response(200),
    )
    sleeps: list[float] = []
    policy = RetryPolicy(max_retry_after=30.0, jitter=0.0)
    assert send(client(script, policy, sleeps)).status_code == 200
    assert sleeps == [30.0, 1.0]  # the cap, then plain backoff for a 429 with no hint


def test_a_hint_longer_than_the_time_budget_gives_up_at_once() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "120"}))
    sleeps: list[float] = []
    options = RetryOptions()
    response = send(client(script, RetryPolicy(max_seconds=30.0), sleeps), options=options)
    assert response.status_code == 429
    assert sleeps == [] and options.attempts == 1


def test_backoff_without_jitter_doubles_up_to_its_cap() -> None:
    script = Script(*[httpx.Response(503)] * 6)
    sleeps: list[float] = []
    policy = RetryPolicy(max_attempts=6, backoff_base=1.0, backoff_cap=5.0, jitter=0.0)
    options = RetryOptions()
    assert send(client(script, policy, sleeps), options=options).status_code == 503
    assert sleeps == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert options.attempts == 6


# -- which failures are sent again ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "options", "sends"),
    [
        ("GET", RetryOptions(), 2),
        ("PUT", RetryOptions(), 2),
        ("POST", RetryOptions(), 1),  # may have been applied
        ("POST", RetryOptions(idempotent=True), 2),
        ("GET", RetryOptions(idempotent=False), 1),
    ],
)
def test_a_5xx_is_sent_again_only_when_that_is_safe(
    method: str, options: RetryOptions, sends: int
) -> None:
    script = Script(httpx.Response(502), httpx.Response(200))
    send(client(script, RetryPolicy(), []), method, options)
    assert len(script.sent) == sends


def test_a_429_is_sent_again_whatever_the_method_because_nothing_was_done() -> None:
    script = Script(httpx.Response(429), httpx.Response(201))
    assert send(client(script, RetryPolicy(), []), "POST").status_code == 201
    assert len(script.sent) == 2


def test_a_policy_without_wait_statuses_reports_a_429_at_once() -> None:
    script = Script(httpx.Response(429), httpx.Response(200))
    assert send(client(script, RetryPolicy(wait_statuses=frozenset()), [])).status_code == 429
    assert len(script.sent) == 1


@pytest.mark.parametrize(
    ("error", "sends"),
    [(httpx.ConnectError("refused"), 2), (httpx.ReadTimeout("slow"), 1)],
    ids=["never-sent", "maybe-applied"],
)
def test_a_post_is_sent_again_after_a_transport_error_only_if_it_never_left(
    error: Exception, sends: int
) -> None:
    script = Script(error, httpx.Response(201))
    http = client(script, RetryPolicy(), [])
    if sends == 1:
        with pytest.raises(type(error)):
            send(http, "POST")
    else:
        assert send(http, "POST").status_code == 201
    assert len(script.sent) == sends


def test_a_404_is_retried_only_within_the_window_a_request_gives() -> None:
    sleeps: list[float] = []
    script = Script(httpx.Response(404), httpx.Response(404), httpx.Response(200))
    http = client(script, RetryPolicy(jitter=0.0), sleeps)
    assert send(http, options=RetryOptions(retry_404_for=2.0)).status_code == 200
    assert sleeps == [0.5, 1.0]

    script.answers = [httpx.Response(404), httpx.Response(200)]
    assert send(http).status_code == 404  # no window: a 404 is an answer
    assert len(script.sent) == 4


# -- a request that may have been applied -------------------------------------------------


def finds(answer: httpx.Response | None, calls: list[str]) -> Callable[[], httpx.Response | None]:
    def check() -> httpx.Response | None:
        calls.append("check")
        return answer

    return check


def test_the_check_answers_instead_of_a_second_post_when_it_finds_the_object() -> None:
    calls: list[str] = []
    script = Script(httpx.Response(502), httpx.Response(201))
    found = httpx.Response(200, json={"id": "P1"})
    options = RetryOptions(check_before_resend=finds(found, calls))
    response = send(client(script, RetryPolicy(), []), "POST", options)
    assert response.json() == {"id": "P1"}
    assert calls == ["check"] and len(script.sent) == 1


def test_the_post_is_sent_again_when_the_check_finds_nothing() -> None:
    calls: list[str] = []
    script = Script(httpx.ReadTimeout("lost"), httpx.Response(201))
    options = RetryOptions(check_before_resend=finds(None, calls))
    assert send(client(script, RetryPolicy(), []), "POST", options).status_code == 201
    assert calls == ["check"] and len(script.sent) == 2


def test_no_check_runs_when_the_first_send_certainly_did_nothing() -> None:
    calls: list[str] = []
    script = Script(
        httpx.ConnectError("refused"),
        httpx.Response(429),
        httpx.Response(404),
        httpx.Response(201),
    )
    options = RetryOptions(retry_404_for=30.0, check_before_resend=finds(None, calls))
    assert send(client(script, RetryPolicy(), []), "POST", options).status_code == 201
    assert calls == [] and len(script.sent) == 4


def test_policy_rejects_numbers_that_cannot_work() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=1.5)
