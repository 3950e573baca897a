"""The entity-page reader against the sandbox over loopback: one PagerDuty call per page for
many viewers, the actions' clients (one rate budget), accounts, and the read-only rule."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import validate_config
from pagerduty_actions.entity_page import (
    EntityPageReader,
    EntityPageSettings,
    ReadOnlyError,
    entity_page_reader,
    refuse_if_read_only,
)
from pagerduty_actions.errors import ConfigError
from pagerduty_actions.pagerduty import AccountSet, ClientPool, UnknownAccountError
from pagerduty_actions.sandbox import SandboxServer, sandbox_server

SEED = {
    "accounts": [
        {
            "name": "us",
            "tokens": ["token-us"],
            "users": [{"name": "Ada", "email": "ada@example.com"}],
            "escalation_policies": [{"name": "Default", "users": ["Ada"]}],
            "services": [{"name": "checkout", "escalation_policy": "Default"}],
        },
        {
            "name": "eu",
            "region": "eu",
            "tokens": ["token-eu"],
            "users": [{"name": "Bo", "email": "bo@example.com"}],
            "escalation_policies": [{"name": "Default", "users": ["Bo"]}],
            "services": [{"name": "billing", "escalation_policy": "Default"}],
        },
    ]
}


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    with sandbox_server(SEED) as server:
        yield server


@pytest.fixture
def pool(pd: SandboxServer) -> Iterator[ClientPool]:
    accounts = AccountSet.from_config(
        {
            "accounts": [
                {"id": "us", "apiToken": "token-us", "apiBaseUrl": pd.base_url, "isDefault": True},
                {"id": "eu", "apiToken": "token-eu", "apiBaseUrl": pd.base_url, "region": "eu"},
            ]
        }
    )
    with ClientPool(accounts) as made:
        yield made


def _settings(source: str = "config", **section: Any) -> EntityPageSettings:
    """The settings a config with this ``entityPage`` section gives (the schema's defaults
    for the rest)."""
    return EntityPageSettings.from_config(validate_config({"entityPage": section}, source))


def _reader(pool: ClientPool, **section: Any) -> EntityPageReader:
    return EntityPageReader(pool, _settings(**section))


def _service_reads(pd: SandboxServer) -> int:
    return sum(1 for e in pd.state.log.entries("GET", "/services"))


def test_many_concurrent_viewers_of_one_page_cost_one_pagerduty_call(
    pd: SandboxServer, pool: ClientPool
) -> None:
    reader = _reader(pool, cacheSeconds=30)
    pd.state.configure_faults({"latency_ms": 200})  # all 50 arrive while the first is out
    query = [("query", "checkout"), ("include[]", "integrations")]
    with ThreadPoolExecutor(25) as threads:
        bodies = list(threads.map(lambda _: reader.get("/services", query=query), range(50)))
    assert _service_reads(pd) == 1
    assert all(b["services"][0]["name"] == "checkout" for b in bodies)
    # The same query in another order is the same read; another query is another one.
    reader.get("/services", query=list(reversed(query)))
    assert _service_reads(pd) == 1
    reader.get("/services", query=[("query", "check")])
    assert _service_reads(pd) == 2


def test_each_caller_gets_its_own_copy(pool: ClientPool) -> None:
    reader = _reader(pool, cacheSeconds=30)
    first = reader.get("/services", query=[("query", "checkout")])
    first["services"].clear()
    assert reader.get("/services", query=[("query", "checkout")])["services"]


def test_accounts_are_read_separately_and_unknown_ones_named(
    pd: SandboxServer, pool: ClientPool
) -> None:
    reader = _reader(pool, cacheSeconds=30)
    us = reader.get("/services")
    eu = reader.get("/services", account="eu")
    assert [s["name"] for s in us["services"]] == ["checkout"]
    assert [s["name"] for s in eu["services"]] == ["billing"]
    assert reader.get("/services", account="us") == us  # the default, same cached read
    assert _service_reads(pd) == 2
    assert reader.account("eu").api_base_url == pd.base_url
    with pytest.raises(UnknownAccountError, match="apac"):
        reader.get("/services", account="apac")


def test_reads_use_the_actions_clients_so_the_rate_budget_is_shared(pool: ClientPool) -> None:
    reader = _reader(pool)
    reader.get("/services", account="eu")
    assert reader.client("eu") is pool.get("eu")
    assert pool.get("eu").stats.count("GET", "/services") == 1  # counted on the actions' client


def test_path_params_are_quoted_and_kept_per_path(pd: SandboxServer, pool: ClientPool) -> None:
    reader = _reader(pool, cacheSeconds=30)
    service_id = reader.get("/services")["services"][0]["id"]
    body = reader.get("/services/{id}", path_params={"id": service_id})
    assert body["service"]["id"] == service_id
    reader.get("/services/{id}", path_params={"id": service_id})
    assert len(pd.state.log.entries("GET", f"/services/{service_id}")) == 1


def test_the_process_has_one_reader_built_from_the_entity_page_config(tmp_path: Path) -> None:
    config = validate_config(
        {"entityPage": {"cacheSeconds": 2, "readOnly": True}, "dataDir": str(tmp_path)}
    )
    services = build_services(config)
    try:
        reader = entity_page_reader(services)
        assert entity_page_reader(services) is reader
        assert reader.pool is services.pagerduty
        assert reader.settings.cache_seconds == 2 and reader.settings.read_only
        assert reader.cache.ttl_seconds == 2
        assert reader.cache.max_bytes == 32 * 1024 * 1024
        reader.get("/services")
        assert 0 < reader.cache.kept_bytes < 10_000  # the JSON text of one small answer
    finally:
        services.close()


def test_entity_page_config_defaults_and_bad_values() -> None:
    settings = EntityPageSettings.from_config(validate_config({}))
    assert (settings.cache_seconds, settings.read_only) == (5.0, False)
    with pytest.raises(ConfigError) as caught:
        validate_config({"entityPage": {"cacheSeconds": -1, "readOnly": "yes", "ttl": 3}})
    text = str(caught.value)
    assert "$.entityPage.cacheSeconds" in text
    assert "$.entityPage.readOnly" in text
    assert "ttl" in text


def test_read_only_refuses_with_a_403_that_says_why() -> None:
    refuse_if_read_only(_settings(readOnly=False), "triggering an incident")
    with pytest.raises(ReadOnlyError) as caught:
        refuse_if_read_only(_settings("prod.yaml", readOnly=True), "triggering an incident")
    assert caught.value.status == 403
    assert "triggering an incident is refused" in caught.value.message
    assert "entityPage.readOnly: true in prod.yaml" in caught.value.message
