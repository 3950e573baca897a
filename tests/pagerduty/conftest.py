"""Fixtures for the PagerDuty client tests: fake time, accounts, and respx-backed clients."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import respx

from pagerduty_actions.pagerduty import Account, ApiToken, LimiterRegistry, PagerDutyClient

# Test modules cannot import this file (importlib mode); they repeat these two values.
API = "https://api.pagerduty.com"
TOKEN = "y_NbAkKc66ryYTWUXYEu"


class FakeClock:
    """Monotonic time that only moves when someone sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def router() -> Iterator[respx.Router]:
    mock = respx.Router(assert_all_called=False)
    yield mock


@pytest.fixture
def account() -> Account:
    return Account(
        id="main",
        api_base_url=API,
        events_base_url="https://events.pagerduty.com",
        auth=ApiToken(TOKEN),
        is_default=True,
    )


MakeClient = Callable[..., PagerDutyClient]


@pytest.fixture
def make_client(router: respx.Router, clock: FakeClock, account: Account) -> Iterator[MakeClient]:
    """Build clients on the respx router with fake time and a private limiter registry."""
    made: list[PagerDutyClient] = []

    def build(acct: Account | None = None, **kwargs: Any) -> PagerDutyClient:
        kwargs.setdefault("transport", httpx.MockTransport(router.handler))
        kwargs.setdefault("sleep", clock.sleep)
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("limiters", LimiterRegistry(clock=clock, sleep=clock.sleep))
        client = PagerDutyClient(acct or account, **kwargs)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> PagerDutyClient:
    return make_client()
