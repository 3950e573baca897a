"""Credentials: token header, OAuth client-credentials fetch, caching, renewal, scopes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from pagerduty_actions import __version__
from pagerduty_actions.pagerduty import (
    Account,
    CredentialRejectedError,
    MissingScopesError,
    OAuthSettings,
    PagerDutyClient,
)

IDENTITY = "https://identity.pagerduty.com/oauth/token"
API = "https://api.pagerduty.com"
TOKEN = "y_NbAkKc66ryYTWUXYEu"  # the token of the ``account`` fixture
MakeClient = Callable[..., PagerDutyClient]


def oauth_account(region: str = "us", identity_url: str = IDENTITY) -> Account:
    host = "api.eu.pagerduty.com" if region == "eu" else "api.pagerduty.com"
    return Account(
        id=f"oauth-{region}",
        api_base_url=f"https://{host}",
        events_base_url="https://events.pagerduty.com",
        auth=OAuthSettings(
            client_id="client-1",
            client_secret="client-secret-xyz",
            sub_domain="acme",
            region=region,  # type: ignore[arg-type]
            scopes=("services.read", "services.write"),
            identity_url=identity_url,
        ),
    )


def token_response(
    token: str, expires_in: int = 2592000, scope: str | None = None
) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "access_token": token,
            "token_type": "bearer",
            "expires_in": expires_in,
            "scope": scope or "as_account-us.acme services.read services.write",
        },
    )


def test_api_token_and_standard_headers(router: respx.Router, make_client: MakeClient) -> None:
    route = router.get(f"{API}/abilities").respond(200, json={"abilities": []})
    make_client().get("/abilities")
    sent = route.calls.last.request
    assert sent.headers["Authorization"] == f"Token token={TOKEN}"
    assert sent.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["User-Agent"] == f"pagerduty-actions/{__version__}"


def test_oauth_token_is_fetched_once_and_cached(
    router: respx.Router, make_client: MakeClient
) -> None:
    identity = router.post(IDENTITY).mock(return_value=token_response("tok-A"))
    api = router.get(f"{API}/abilities").respond(200, json={"abilities": []})
    client = make_client(oauth_account())
    client.get("/abilities")
    client.get("/abilities")
    assert identity.call_count == 1
    token_request = identity.calls.last.request
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in token_request.headers
    form = parse_qs(token_request.content.decode())
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": ["client-1"],
        "client_secret": ["client-secret-xyz"],
        "scope": ["as_account-us.acme services.read services.write"],
    }
    assert [c.request.headers["Authorization"] for c in api.calls] == ["Bearer tok-A"] * 2


def test_oauth_token_renewed_before_expiry(
    router: respx.Router, make_client: MakeClient, clock: Any
) -> None:
    identity = router.post(IDENTITY).mock(
        side_effect=[token_response("tok-A", 3600), token_response("tok-B", 3600)]
    )
    api = router.get(f"{API}/abilities").respond(200, json={"abilities": []})
    client = make_client(oauth_account())
    client.get("/abilities")
    clock.advance(2000)  # still well inside the lifetime: keep the token
    client.get("/abilities")
    assert identity.call_count == 1
    clock.advance(900)  # 2900 s: past 80% of 3600 s, so renew before it expires
    client.get("/abilities")
    assert identity.call_count == 2
    assert [c.request.headers["Authorization"] for c in api.calls] == [
        "Bearer tok-A",
        "Bearer tok-A",
        "Bearer tok-B",
    ]


def test_thirty_day_token_is_renewed_days_before_expiry(
    router: respx.Router, make_client: MakeClient, clock: Any
) -> None:
    identity = router.post(IDENTITY).mock(
        side_effect=[token_response("tok-A"), token_response("tok-B")]
    )
    router.get(f"{API}/abilities").respond(200, json={"abilities": []})
    client = make_client(oauth_account())
    client.get("/abilities")
    clock.advance(23 * 86400)
    client.get("/abilities")
    assert identity.call_count == 1
    clock.advance(2 * 86400)
    client.get("/abilities")
    assert identity.call_count == 2


def test_one_refresh_under_ten_threads(router: respx.Router, make_client: MakeClient) -> None:
    def slow_token(request: httpx.Request) -> httpx.Response:
        time.sleep(0.05)
        return token_response("tok-A")

    identity = router.post(IDENTITY).mock(side_effect=slow_token)
    api = router.get(f"{API}/abilities").respond(200, json={"abilities": []})
    client = make_client(oauth_account())
    barrier = threading.Barrier(10)
    failures: list[BaseException] = []

    def work() -> None:
        barrier.wait()
        try:
            client.get("/abilities")
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert failures == []
    assert identity.call_count == 1
    assert api.call_count == 10


def test_401_renews_token_once_and_retries(router: respx.Router, make_client: MakeClient) -> None:
    identity = router.post(IDENTITY).mock(
        side_effect=[token_response("tok-old"), token_response("tok-new")]
    )

    def by_token(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer tok-new":
            return httpx.Response(200, json={"abilities": ["teams"]})
        return httpx.Response(401, json={"error": {"message": "Unauthorized", "code": 2006}})

    router.get(f"{API}/abilities").mock(side_effect=by_token)
    client = make_client(oauth_account())
    assert client.get("/abilities") == {"abilities": ["teams"]}
    assert identity.call_count == 2


def test_persistent_401_is_not_retried_forever(
    router: respx.Router, make_client: MakeClient
) -> None:
    identity = router.post(IDENTITY).mock(
        side_effect=[token_response("tok-1"), token_response("tok-2"), token_response("tok-3")]
    )
    api = router.get(f"{API}/abilities").respond(401, json={"error": {"message": "Unauthorized"}})
    client = make_client(oauth_account())
    with pytest.raises(CredentialRejectedError) as caught:
        client.get("/abilities")
    assert api.call_count == 2
    assert identity.call_count == 2
    assert "tok-" not in str(caught.value)


def test_api_token_401_is_not_retried(router: respx.Router, make_client: MakeClient) -> None:
    api = router.get(f"{API}/abilities").respond(401, json={"error": {"message": "Unauthorized"}})
    with pytest.raises(CredentialRejectedError):
        make_client().get("/abilities")
    assert api.call_count == 1


def test_refused_token_request_hides_the_secret(
    router: respx.Router, make_client: MakeClient
) -> None:
    router.post(IDENTITY).respond(
        400,
        json={
            "error": "invalid_client",
            "error_description": "bad client_secret client-secret-xyz",
        },
    )
    client = make_client(oauth_account())
    with pytest.raises(CredentialRejectedError) as caught:
        client.get("/abilities")
    assert "invalid_client" in str(caught.value)
    assert "client-secret-xyz" not in str(caught.value)
    assert "client-secret-xyz" not in repr(client.auth)


def test_missing_scopes(router: respx.Router, make_client: MakeClient) -> None:
    router.post(IDENTITY).mock(
        return_value=token_response("tok", scope="as_account-us.acme services.read")
    )
    client = make_client(oauth_account())
    assert client.auth.scope == "as_account-us.acme services.read"
    assert client.missing_scopes(["services.read", "services.write", "abilities.read"]) == [
        "services.write",
        "abilities.read",
    ]
    with pytest.raises(MissingScopesError, match=r"services\.write, abilities\.read"):
        client.require_scopes(["services.write", "abilities.read"])


def test_api_tokens_report_no_missing_scopes(make_client: MakeClient) -> None:
    client = make_client()
    assert client.auth.scope is None
    assert client.missing_scopes(["services.write"]) == []


def test_eu_account_calls_only_eu_hosts(router: respx.Router, make_client: MakeClient) -> None:
    identity = router.post("https://identity.pagerduty.com/oauth/token").mock(
        return_value=token_response("tok-eu", scope="as_account-eu.acme services.read")
    )
    eu = router.get("https://api.eu.pagerduty.com/services/PX").respond(
        200, json={"service": {"id": "PX"}}
    )
    client = make_client(oauth_account("eu"))
    client.get("/services/{id}", path_params={"id": "PX"})
    scope = parse_qs(identity.calls.last.request.content.decode())["scope"][0]
    assert scope.startswith("as_account-eu.acme ")
    hosts = {call.request.url.host for call in router.calls}
    assert hosts == {"identity.pagerduty.com", "api.eu.pagerduty.com"}
    assert eu.call_count == 1


def test_identity_url_is_overridable(router: respx.Router, make_client: MakeClient) -> None:
    sandbox = router.post("http://127.0.0.1:9999/oauth/token").mock(
        return_value=token_response("tok-sandbox")
    )
    router.get(f"{API}/abilities").respond(200, json={"abilities": []})
    make_client(oauth_account(identity_url="http://127.0.0.1:9999/oauth/token")).get("/abilities")
    assert sandbox.call_count == 1
