"""OAuth against the sandbox (#10.5): tokens renewed before they expire without a restart, and
the scopes PagerDuty granted compared at start-up with what the actions need, by name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pagerduty_actions.pagerduty import (
    OPERATION_SCOPES,
    OPTIONAL_SCOPES,
    REQUIRED_SCOPES,
    Account,
    AccountSet,
    ApiToken,
    ClientPool,
    CredentialRejectedError,
    ForbiddenError,
    LimiterRegistry,
    OAuthSettings,
    PagerDutyClient,
)
from pagerduty_actions.pagerduty.accounts import DEFAULT_OAUTH_SCOPES
from pagerduty_actions.pagerduty.resources import abilities, vendors
from pagerduty_actions.sandbox import DEFAULT_TOKEN, OAuthClient, SandboxServer, sandbox_server
from pagerduty_actions.sandbox.scopes import required_scope

REST_SPEC = Path(__file__).parents[1] / "contracts" / "rest-v2.json"
DAY = 86400.0


class ManualClock:
    """A monotonic clock the test moves by hand (OAuth renewal reads it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with sandbox_server() as server:
        yield server


def oauth_account(sandbox: SandboxServer, account_id: str, client_id: str, secret: str) -> Account:
    return Account(
        id=account_id,
        api_base_url=sandbox.base_url,
        events_base_url=sandbox.events_url,
        auth=OAuthSettings(
            client_id=client_id,
            client_secret=secret,
            sub_domain="sandbox",
            identity_url=sandbox.oauth_token_url,
        ),
    )


def register(sandbox: SandboxServer, client_id: str, secret: str, scopes: set[str]) -> None:
    sandbox.state.add_oauth_client(OAuthClient(client_id, secret, "default", scopes))


# ------------------------------------------------------------------------ the scope table


def test_operation_scopes_are_the_documents() -> None:
    paths = json.loads(REST_SPEC.read_text(encoding="utf-8"))["paths"]
    for (method, template), scope in OPERATION_SCOPES.items():
        documented = paths[template][method.lower()]["x-pd-requires-scope"]
        assert scope == documented, f"{method} {template}"
        assert required_scope(method, template) == scope, "the sandbox must enforce the same"


def test_required_optional_and_requested_scopes_fit_together() -> None:
    used = set(OPERATION_SCOPES.values())
    assert set(REQUIRED_SCOPES) <= used
    assert {"services.write", "abilities.read"} <= set(REQUIRED_SCOPES)  # the users' reports
    assert set(REQUIRED_SCOPES).isdisjoint(OPTIONAL_SCOPES)
    assert set(DEFAULT_OAUTH_SCOPES) == used  # we ask for what our calls need, no more


# --------------------------------------------------------------------------- scope report


def test_report_names_the_account_and_each_scope_it_lacks(sandbox: SandboxServer) -> None:
    narrow = set(REQUIRED_SCOPES) - {"vendors.read", "abilities.read"}
    register(sandbox, "narrow-client", "narrow-secret-1f2e", narrow)
    accounts = AccountSet(
        [
            oauth_account(sandbox, "full", "sandbox-client", "sandbox-secret"),
            oauth_account(sandbox, "narrow", "narrow-client", "narrow-secret-1f2e"),
            Account(
                id="token",
                api_base_url=sandbox.base_url,
                events_base_url=sandbox.events_url,
                auth=ApiToken(DEFAULT_TOKEN),
            ),
        ]
    )
    with ClientPool(accounts, limiters=LimiterRegistry()) as pool:
        assert pool.missing_scopes() == {"narrow": ["abilities.read", "vendors.read"]}
        # The report is right: those are exactly the calls PagerDuty refuses the narrow token.
        narrow_client = pool.get("narrow")
        with pytest.raises(ForbiddenError, match=r"vendors\.read"):
            vendors.find_by_name(narrow_client, "Backstage")
        with pytest.raises(ForbiddenError, match=r"abilities\.read"):
            abilities.list_abilities(narrow_client)
        assert pool.missing_scopes(["services.read"]) == {}


def test_report_raises_naming_the_account_whose_token_is_refused(
    sandbox: SandboxServer,
) -> None:
    # PagerDuty refuses a token when none of the requested scopes is allowed to the app.
    register(sandbox, "useless-client", "useless-secret-9a8b", {"teams.read"})
    accounts = AccountSet(
        [oauth_account(sandbox, "broken", "useless-client", "useless-secret-9a8b")]
    )
    pool = ClientPool(accounts, limiters=LimiterRegistry())
    with pool, pytest.raises(CredentialRejectedError) as refused:
        pool.missing_scopes()
    assert "account 'broken'" in str(refused.value)
    assert "invalid_scope" in str(refused.value)
    assert "useless-secret-9a8b" not in str(refused.value) + repr(refused.value)


# ------------------------------------------------------------------------- token renewal


def oauth_client(sandbox: SandboxServer, clock: ManualClock) -> PagerDutyClient:
    account = oauth_account(sandbox, "oauth", "sandbox-client", "sandbox-secret")
    return PagerDutyClient(account, clock=clock, limiters=LimiterRegistry())


def abilities_statuses(sandbox: SandboxServer) -> list[int]:
    return [e.status for e in sandbox.state.requests("GET", "/abilities")]


def test_token_is_renewed_before_it_expires_so_no_call_fails(sandbox: SandboxServer) -> None:
    clock = ManualClock()
    with oauth_client(sandbox, clock) as client:
        abilities.list_abilities(client)
        clock.now += 25 * DAY  # the 30-day token is 5 days from expiry: time to renew
        sandbox.state.expire_oauth_tokens()  # PagerDuty would now refuse the old token
        abilities.list_abilities(client)
    assert abilities_statuses(sandbox) == [200, 200]  # renewed before use: no 401 at all
    assert len(sandbox.state.requests("POST", "/oauth/token")) == 2


def test_token_is_kept_while_fresh(sandbox: SandboxServer) -> None:
    clock = ManualClock()
    with oauth_client(sandbox, clock) as client:
        for _ in range(3):
            abilities.list_abilities(client)
            clock.now += 7 * DAY
    assert len(sandbox.state.requests("POST", "/oauth/token")) == 1


def test_token_revoked_early_is_renewed_once_on_401(sandbox: SandboxServer) -> None:
    clock = ManualClock()
    with oauth_client(sandbox, clock) as client:
        abilities.list_abilities(client)
        sandbox.state.expire_oauth_tokens()  # before our renewal time
        assert abilities.list_abilities(client)
    assert abilities_statuses(sandbox) == [200, 401, 200]
    assert len(sandbox.state.requests("POST", "/oauth/token")) == 2
