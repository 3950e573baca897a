"""The sandbox's indexed dependency table answers exactly what a scan of all edges would.

Each test compares the indexed lookups with a brute-force scan of the same records after a
sequence of dict writes, so an index that drifts from the data fails here.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from pagerduty_actions.sandbox.account import SandboxAccount
from pagerduty_actions.sandbox.dependency_table import DependencyTable
from pagerduty_actions.sandbox.errors import PagerDutyErrorResponse
from pagerduty_actions.sandbox.ids import IdFactory


def rel(dep_id: str, supporting: str, dependent: str) -> dict[str, Any]:
    return {
        "id": dep_id,
        "supporting": {"id": supporting, "type": "technical_service_reference"},
        "dependent": {"id": dependent, "type": "technical_service_reference"},
    }


def scan_touching(table: dict[str, Any], service: str) -> list[dict[str, Any]]:
    return [d for d in table.values() if service in (d["supporting"]["id"], d["dependent"]["id"])]


def scan_find(table: dict[str, Any], supporting: str, dependent: str) -> dict[str, Any] | None:
    return next(
        (
            d
            for d in table.values()
            if d["supporting"]["id"] == supporting and d["dependent"]["id"] == dependent
        ),
        None,
    )


def assert_consistent(table: DependencyTable, services: list[str]) -> None:
    for service in services:
        assert table.touching(service) == scan_touching(table, service)
        assert table.count(service) == len(scan_touching(table, service))
        for other in services:
            assert table.find(service, other) == scan_find(table, service, other)


def test_random_writes_keep_the_indexes_in_step() -> None:
    rng = random.Random(7)
    services = [f"S{i}" for i in range(6)]
    table = DependencyTable()
    for step in range(400):
        action = rng.randrange(5)
        key = f"D{rng.randrange(30)}"
        if action <= 1:
            table[key] = rel(key, rng.choice(services), rng.choice(services))
        elif action == 2 and key in table:
            del table[key]
        elif action == 3:
            table.pop(key, None)
        elif step % 50 == 0:
            table.update({key: rel(key, services[0], services[1])})
        assert_consistent(table, services)
    table.clear()
    assert_consistent(table, services)
    assert table.touching("S0") == [] and table.count("S0") == 0


def test_replacing_a_record_moves_it_in_the_indexes() -> None:
    table = DependencyTable({"D1": rel("D1", "A", "B")})
    table["D1"] = rel("D1", "A", "C")
    assert table.find("A", "B") is None
    assert table.find("A", "C") == rel("D1", "A", "C")
    assert table.touching("B") == [] and table.count("A") == 1


def test_duplicate_pairs_stay_findable_until_the_last_goes() -> None:
    table = DependencyTable([("D1", rel("D1", "A", "B")), ("D2", rel("D2", "A", "B"))])
    assert table.find("A", "B")["id"] == "D1"  # type: ignore[index]
    del table["D1"]
    assert table.find("A", "B")["id"] == "D2"  # type: ignore[index]
    assert table.pop("D2")["id"] == "D2"
    assert table.find("A", "B") is None
    with pytest.raises(KeyError):
        table.pop("D2")


def test_a_deep_copy_has_working_indexes_of_its_own() -> None:
    table = DependencyTable({"D1": rel("D1", "A", "B")})
    copied = copy.deepcopy(table)
    del copied["D1"]
    assert copied.find("A", "B") is None and copied.count("A") == 0
    assert table.find("A", "B") is not None and table.count("A") == 1


def account_with(*services: str) -> SandboxAccount:
    account = SandboxAccount(name="acct", subdomain="acct", ids=IdFactory())
    for service in services:
        account.services[service] = {"id": service, "integration_ids": []}
    return account


def ref(service: str) -> dict[str, str]:
    return {"id": service, "type": "service"}


def pair(supporting: str, dependent: str) -> dict[str, Any]:
    return {"supporting_service": ref(supporting), "dependent_service": ref(dependent)}


def test_account_writes_reads_and_limits_go_through_the_indexes() -> None:
    account = account_with("A", "B", "C")
    account.associate([pair("A", "B"), pair("A", "C"), pair("A", "B")], limit=2000)
    assert [d["dependent"]["id"] for d in account.dependencies_of("A")] == ["B", "C"]
    assert account.dependency_count("A") == 2 and account.dependency_count("B") == 1
    with pytest.raises(PagerDutyErrorResponse) as refused:
        account.associate([pair("C", "B")], limit=1)  # C and B have one edge each already
    assert "Service C would exceed the limit of 1 dependencies" in str(refused.value.body())
    assert account.dependency_count("C") == 1  # nothing was added
    assert account.associate([pair("B", "C")], limit=2)[0]["supporting"]["id"] == "B"
    removed = account.disassociate([pair("A", "B"), pair("C", "A")])
    assert [(d["supporting"]["id"], d["dependent"]["id"]) for d in removed] == [("A", "B")]
    assert account.dependency_count("A") == 1


def test_deleting_a_service_drops_its_edges_only() -> None:
    account = account_with("A", "B", "C")
    account.associate([pair("A", "B"), pair("B", "C"), pair("A", "C")], limit=2000)
    account.delete_service("B")
    assert [
        (d["supporting"]["id"], d["dependent"]["id"]) for d in account.dependencies.values()
    ] == [("A", "C")]
    assert account.dependencies_of("B") == [] and account.dependency_count("C") == 1


def test_a_plain_dict_put_in_its_place_is_indexed_on_first_use() -> None:
    account = account_with("A", "B")
    account.dependencies = {"D1": rel("D1", "A", "B")}
    assert account.dependencies_of("B") == [rel("D1", "A", "B")]
    assert isinstance(account.dependencies, DependencyTable)
