"""The client pool: one client per account, so OAuth tokens and connections are reused."""

from __future__ import annotations

import httpx
import pytest
import respx

from pagerduty_actions.pagerduty import AccountSet, ClientPool, LimiterRegistry, UnknownAccountError

IDENTITY = "https://identity.pagerduty.com/oauth/token"


def test_pool_reuses_clients_and_tokens(router: respx.Router) -> None:
    identity = router.post(IDENTITY).respond(
        200,
        json={
            "access_token": "tok",
            "expires_in": 3600,
            "scope": "as_account-eu.acme services.read",
        },
    )
    router.get("https://api.eu.pagerduty.com/abilities").respond(200, json={"abilities": []})
    router.get("https://api.pagerduty.com/abilities").respond(200, json={"abilities": []})
    accounts = AccountSet.from_config(
        {
            "accounts": [
                {"id": "us", "apiToken": "t-us", "isDefault": True},
                {
                    "id": "eu",
                    "oauth": {
                        "clientId": "c",
                        "clientSecret": "s",
                        "subDomain": "acme",
                        "region": "eu",
                    },
                },
            ]
        }
    )
    with ClientPool(
        accounts, transport=httpx.MockTransport(router.handler), limiters=LimiterRegistry()
    ) as pool:
        assert pool.get() is pool.get("us")
        assert pool.get("eu") is pool.get("eu")
        pool.get("eu").get("/abilities")
        pool.get("eu").get("/abilities")
        assert identity.call_count == 1
        assert pool.missing_scopes(["services.read", "services.write"]) == {
            "eu": ["services.write"]
        }
        with pytest.raises(UnknownAccountError):
            pool.get("apac")
