"""The read cache: per-key TTL, single-flight loads, bounded waits and an entry cap."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from pagerduty_actions.entity_page import CacheWaitTimeout, ReadCache, ReadKey


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _cache(clock: Clock, *, ttl: float = 5, entries: int = 10, wait: float = 5) -> ReadCache[int]:
    return ReadCache(ttl_seconds=ttl, max_entries=entries, wait_seconds=wait, clock=clock)


def test_a_kept_answer_is_served_until_its_ttl_ends() -> None:
    clock = Clock()
    cache = _cache(clock)
    calls: list[int] = []

    def load() -> int:
        calls.append(1)
        return len(calls)

    key = ReadKey.of("main", "/services/P1")
    assert cache.get(key, load) == 1
    clock.now += 4.9
    assert cache.get(key, load) == 1
    clock.now += 0.2
    assert cache.get(key, load) == 2
    assert (cache.stats.loads, cache.stats.hits) == (2, 1)


def test_the_key_sorts_the_query_and_separates_accounts_and_paths() -> None:
    assert ReadKey.of("a", "/x", [("b", "2"), ("a", "1")]) == ReadKey.of(
        "a", "/x", [("a", "1"), ("b", "2")]
    )
    assert ReadKey.of("a", "/x") != ReadKey.of("b", "/x")
    assert ReadKey.of("a", "/x", [("q", "1")]) != ReadKey.of("a", "/x", [("q", "2")])
    clock = Clock()
    cache = _cache(clock)
    assert cache.get(ReadKey.of("us", "/x"), lambda: 1) == 1
    assert cache.get(ReadKey.of("eu", "/x"), lambda: 2) == 2


def test_concurrent_reads_of_one_key_share_one_load() -> None:
    cache = _cache(Clock())
    release = threading.Event()
    calls: list[int] = []

    def load() -> int:
        calls.append(1)
        release.wait(5)
        return 42

    key = ReadKey.of("main", "/incidents", [("service_ids[]", "P1")])
    with ThreadPoolExecutor(20) as pool:
        futures = [pool.submit(cache.get, key, load) for _ in range(20)]
        while cache.stats.loads + cache.stats.joined + cache.stats.hits < 20:
            threading.Event().wait(0.01)
        release.set()
        assert [f.result(5) for f in futures] == [42] * 20
    assert len(calls) == 1
    assert cache.stats.loads == 1


def test_a_failed_load_reaches_its_waiters_and_is_not_kept() -> None:
    cache = _cache(Clock())
    release = threading.Event()

    def failing() -> int:
        release.wait(5)
        raise RuntimeError("PagerDuty said no")

    key = ReadKey.of("main", "/services/P1")
    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(cache.get, key, failing) for _ in range(3)]
        while cache.stats.loads + cache.stats.joined < 3:
            threading.Event().wait(0.01)
        release.set()
        for future in futures:
            with pytest.raises(RuntimeError, match="PagerDuty said no"):
                future.result(5)
    assert cache.stats.loads == 1
    assert cache.get(key, lambda: 7) == 7  # asked again, not the failure replayed


def test_a_waiter_gives_up_after_the_wait_and_never_loads_itself() -> None:
    cache = _cache(Clock(), wait=0.2)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        started.set()
        release.wait(5)
        return 1

    key = ReadKey.of("main", "/oncalls", [("query", "R0123456789ABCDEF0123456789ABCDEF")])
    with ThreadPoolExecutor(1) as pool:
        leader = pool.submit(cache.get, key, slow)
        started.wait(5)
        with pytest.raises(CacheWaitTimeout) as caught:
            cache.get(key, slow)
        release.set()
        assert leader.result(5) == 1
    assert len(calls) == 1
    assert cache.stats.timeouts == 1
    assert "R0123456789ABCDEF" not in str(caught.value)  # the query (a key) is not quoted


def test_the_cache_keeps_at_most_max_entries_least_recently_used_first() -> None:
    cache = _cache(Clock(), entries=2)
    a, b, c = (ReadKey.of("main", p) for p in ("/a", "/b", "/c"))
    cache.get(a, lambda: 1)
    cache.get(b, lambda: 2)
    cache.get(a, lambda: 0)  # a is now the most recent
    cache.get(c, lambda: 3)  # b goes
    assert len(cache) == 2
    assert cache.get(a, lambda: -1) == 1
    assert cache.get(b, lambda: -2) == -2
    assert cache.stats.evicted >= 1


def test_ttl_zero_keeps_nothing_but_still_shares_a_load_in_flight() -> None:
    cache = _cache(Clock(), ttl=0)
    assert cache.get(ReadKey.of("m", "/x"), lambda: 1) == 1
    assert cache.get(ReadKey.of("m", "/x"), lambda: 2) == 2
    assert len(cache) == 0


def test_forget_drops_one_paths_answers_on_one_account_only() -> None:
    cache = _cache(Clock())
    for account, path, query in (("us", "/incidents", "A"), ("us", "/incidents", "B"),
                                 ("eu", "/incidents", "A"), ("us", "/oncalls", "A")):  # fmt: skip
        cache.get(ReadKey.of(account, path, [("q", query)]), lambda: 1)
    assert cache.forget("us", "/incidents") == 2
    assert len(cache) == 2
    assert cache.get(ReadKey.of("us", "/incidents", [("q", "A")]), lambda: 2) == 2
    assert cache.get(ReadKey.of("eu", "/incidents", [("q", "A")]), lambda: 2) == 1


def test_the_kept_answers_stay_within_max_bytes_and_an_oversized_one_is_not_kept() -> None:
    cache: ReadCache[str] = ReadCache(
        ttl_seconds=5, max_entries=100, max_bytes=10, size_of=len, wait_seconds=1, clock=Clock()
    )
    for name in ("a", "b", "c"):
        cache.get(ReadKey.of("m", f"/{name}"), lambda: "xxxx")  # 4 bytes each
    assert len(cache) == 2 and cache.kept_bytes == 8  # /a went
    assert cache.get(ReadKey.of("m", "/a"), lambda: "new") == "new"
    huge = ReadKey.of("m", "/huge")
    assert cache.get(huge, lambda: "y" * 11) == "y" * 11  # served...
    assert cache.get(huge, lambda: "again") == "again"  # ...but not kept
    assert cache.kept_bytes <= 10
