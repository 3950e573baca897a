"""Account configuration: plugin keys, regional defaults, and which account a call uses."""

from __future__ import annotations

import pytest

from pagerduty_actions.pagerduty import (
    AccountConfigError,
    AccountSet,
    ApiToken,
    OAuthSettings,
    UnknownAccountError,
)


def test_single_api_token_account_uses_us_hosts_and_default_limits() -> None:
    accounts = AccountSet.from_config({"apiToken": "tok-123"})
    account = accounts.get()
    assert account.id == "default"
    assert account.auth == ApiToken("tok-123")
    assert account.api_base_url == "https://api.pagerduty.com"
    assert account.events_base_url == "https://events.pagerduty.com"
    assert (account.requests_per_minute, account.max_concurrency) == (900, 4)
    assert account.region == "us"


def test_oauth_eu_region_defaults_to_eu_hosts() -> None:
    accounts = AccountSet.from_config(
        {"oauth": {"clientId": "cid", "clientSecret": "sec", "subDomain": "acme", "region": "eu"}}
    )
    account = accounts.get()
    assert account.api_base_url == "https://api.eu.pagerduty.com"
    assert account.events_base_url == "https://events.eu.pagerduty.com"
    assert isinstance(account.auth, OAuthSettings)
    assert account.auth.sub_domain == "acme"
    assert account.auth.region == "eu"


def test_secrets_never_appear_in_reprs() -> None:
    accounts = AccountSet.from_config(
        {
            "accounts": [
                {"id": "a", "apiToken": "very-secret-token", "isDefault": True},
                {"id": "b", "oauth": {"clientId": "c", "clientSecret": "s3cr3t", "subDomain": "x"}},
            ]
        }
    )
    text = repr(list(accounts))
    assert "very-secret-token" not in text
    assert "s3cr3t" not in text


def test_multiple_accounts_default_named_and_unknown() -> None:
    accounts = AccountSet.from_config(
        {
            "rateLimit": {"requestsPerMinute": 600},
            "accounts": [
                {"id": "us-main", "apiToken": "t1", "isDefault": True},
                {
                    "id": "eu-acq",
                    "apiToken": "t2",
                    "apiBaseUrl": "https://api.eu.pagerduty.com/",
                    "rateLimit": {"maxConcurrency": 2},
                },
            ],
        }
    )
    assert accounts.get().id == "us-main"
    eu = accounts.get("eu-acq")
    assert eu.region == "eu"
    assert eu.api_base_url == "https://api.eu.pagerduty.com"
    assert eu.events_base_url == "https://events.eu.pagerduty.com"
    assert (eu.requests_per_minute, eu.max_concurrency) == (600, 2)
    with pytest.raises(UnknownAccountError) as caught:
        accounts.get("nope")
    assert caught.value.known == ["eu-acq", "us-main"]
    assert "eu-acq, us-main" in str(caught.value)


def test_only_account_is_the_default_but_two_without_flag_have_none() -> None:
    one = AccountSet.from_config({"accounts": [{"id": "solo", "apiToken": "t"}]})
    assert one.get().id == "solo"
    two = AccountSet.from_config(
        {"accounts": [{"id": "a", "apiToken": "t"}, {"id": "b", "apiToken": "u"}]}
    )
    with pytest.raises(UnknownAccountError, match="no default"):
        two.get()


def test_empty_config_is_empty() -> None:
    assert AccountSet.from_config({}).is_empty
    assert AccountSet.from_config(None).is_empty
    with pytest.raises(UnknownAccountError):
        AccountSet.from_config({}).get()


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ({"accounts": [{"id": "a", "apiToken": "t", "oauth": {"clientId": "x"}}]}, "not both"),
        ({"accounts": [{"id": "a"}]}, "apiToken or oauth is required"),
        ({"accounts": [{"apiToken": "t"}]}, ".id: required"),
        ({"oauth": {"clientId": "x"}}, "missing clientSecret, subDomain"),
        (
            {
                "accounts": [
                    {"id": "a", "apiToken": "t", "isDefault": True},
                    {"id": "b", "apiToken": "u", "isDefault": True},
                ]
            },
            "more than one isDefault",
        ),
        ({"accounts": [{"id": "a", "apiToken": "t"}, {"id": "a", "apiToken": "u"}]}, "unique"),
    ],
)
def test_invalid_configs_name_the_key(section: dict[str, object], problem: str) -> None:
    with pytest.raises(AccountConfigError) as caught:
        AccountSet.from_config(section)
    assert problem in str(caught.value)
    assert "'t'" not in str(caught.value)
