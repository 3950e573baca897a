"""An account's service dependencies, indexed by pair and by service.

The sync benchmark reads one service's dependencies 5,000 times and writes thousands of pairs
against an account of about 15,000 edges; scanning every edge per read or per pair made the
sandbox, not the sync, the slow part (quadratic in the account's size). This table is the plain
``id -> record`` dict the rest of the sandbox already uses (seed loading writes to it, dumps
iterate it), kept in step with two indexes so lookups cost only the edges involved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
Record = dict[str, Any]
Pair = tuple[str, str]  # (supporting id, dependent id)


def _pair(record: Record) -> Pair:
    return str(record["supporting"]["id"]), str(record["dependent"]["id"])


def _discard(index: dict[K, dict[str, None]], name: K, key: str) -> None:
    ids = index.get(name)
    if ids is not None:
        ids.pop(key, None)
        if not ids:
            del index[name]


class DependencyTable(dict[str, Record]):
    """``dependency id -> {"id", "supporting", "dependent"}`` with indexes by pair and by
    service (either end). Records must not be re-pointed in place: store a new one instead."""

    def __init__(self, items: Mapping[str, Record] | Iterable[tuple[str, Record]] = ()) -> None:
        super().__init__()
        self._by_pair: dict[Pair, dict[str, None]] = {}
        self._by_service: dict[str, dict[str, None]] = {}
        self._position: dict[str, int] = {}  # the dict's own order, kept when a key is replaced
        self._next_position = 0
        self.update(items)

    # -- dict writes, each kept in step with the indexes ------------------------------------

    def __setitem__(self, key: str, record: Record) -> None:
        if key in self:
            self._unindex(key, self[key])
        else:
            self._position[key] = self._next_position
            self._next_position += 1
        super().__setitem__(key, record)
        supporting, dependent = _pair(record)
        self._by_pair.setdefault((supporting, dependent), {})[key] = None
        for end in (supporting, dependent):
            self._by_service.setdefault(end, {})[key] = None

    def __delitem__(self, key: str) -> None:
        self._unindex(key, self[key])
        del self._position[key]
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        if key not in self:
            if default:
                return default[0]
            raise KeyError(key)
        record = self[key]
        del self[key]
        return record

    def popitem(self) -> tuple[str, Record]:
        key = next(reversed(self))
        return key, self.pop(key)

    def setdefault(self, key: str, default: Record) -> Record:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Record) -> None:
        for key, record in dict(*args, **kwargs).items():
            self[key] = record

    def clear(self) -> None:
        super().clear()
        self._by_pair.clear()
        self._by_service.clear()
        self._position.clear()

    def _unindex(self, key: str, record: Record) -> None:
        supporting, dependent = _pair(record)
        _discard(self._by_pair, (supporting, dependent), key)
        _discard(self._by_service, supporting, key)
        _discard(self._by_service, dependent, key)

    # -- lookups -------------------------------------------------------------------------

    def find(self, supporting_id: str, dependent_id: str) -> Record | None:
        """The (first stored) relationship ``dependent`` -> ``supporting``, if any."""
        ids = self._by_pair.get((supporting_id, dependent_id))
        return self[min(ids, key=self._position.__getitem__)] if ids else None

    def touching(self, service_id: str) -> list[Record]:
        """Every relationship with ``service_id`` at either end, in the table's order."""
        keys = sorted(self._by_service.get(service_id, ()), key=self._position.__getitem__)
        return [self[key] for key in keys]

    def count(self, service_id: str) -> int:
        """How many relationships have ``service_id`` at either end."""
        return len(self._by_service.get(service_id, ()))
