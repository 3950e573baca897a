"""Name -> id lookups in PagerDuty, with a short cache.

Resolving an escalation policy by name costs one filtered call (PagerDuty's ``query``), not a
walk through every policy of every account as PagerDuty's plugin does; the cache makes a burst
of template runs for one team cost one call.
"""

from __future__ import annotations

import difflib
import itertools
import re
import threading
import time
from collections.abc import Iterable
from typing import Any

from .. import pagerduty as pd
from ..errors import InputError
from ..pagerduty.resources import escalation_policies, vendors
from ..suggestions import similar
from .errors import not_in_account

_CACHE_SECONDS = 60.0
_cache: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()
_ID = re.compile(r"^P[A-Z0-9]{6}\Z")
#: A policy name not found is compared with at most this many of the account's policies (five
#: pages) to suggest the one meant: a typo shares no substring PagerDuty's ``query`` could find.
SUGGESTION_SCAN = 500


def _cached(key: tuple[str, str, str]) -> dict[str, Any] | None:
    with _lock:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < _CACHE_SECONDS:
            return hit[1]
    return None


def _remember(key: tuple[str, str, str], value: dict[str, Any]) -> None:
    with _lock:
        _cache[key] = (time.monotonic(), value)


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def escalation_policy(
    client: pd.PagerDutyClient, *, policy_id: str | None, name: str | None
) -> dict[str, Any]:
    """The policy by id, or by exact name; absence and ambiguity are input errors."""
    account = client.account
    if policy_id:
        try:
            return escalation_policies.get(client, policy_id)
        except pd.ObjectNotFoundError:
            raise not_in_account(
                f"PagerDuty escalation policy {policy_id}", account.id, "$.escalationPolicyId"
            ) from None
    assert name is not None
    key = (account.api_base_url, account.id, "ep:" + name)
    cached = _cached(key)
    if cached is not None:
        return cached
    candidates = list(escalation_policies.list_policies(client, query=name))
    exact = [p for p in candidates if p.get("name") == name]
    if len(exact) == 1:
        _remember(key, exact[0])
        return exact[0]
    if exact:
        ids = ", ".join(str(p["id"]) for p in exact)
        raise InputError(
            f"{len(exact)} escalation policies are named {name!r} ({ids}); "
            "give escalationPolicyId instead",
            details=[{"path": "$.escalationPolicyName", "message": f"ambiguous: {ids}"}],
        )
    meant = _similar_policy_names(client, name, candidates)
    hint = f"; did you mean {_either(meant)}?" if meant else ""
    raise InputError(
        f"no escalation policy named {name!r} in PagerDuty account {account.id!r}{hint}",
        details=[{"path": "$.escalationPolicyName", "message": f"not found{hint}"}],
    )


def _similar_policy_names(
    client: pd.PagerDutyClient, name: str, found: list[dict[str, Any]]
) -> list[str]:
    """The names most like ``name``: among what PagerDuty's ``query`` found (it matches a
    part of the name, ignoring case: ``ops`` finds ``Ops`` and ``DevOps``), else among the
    first :data:`SUGGESTION_SCAN` policies of the account (``Platfrom`` finds nothing by
    query, yet ``Platform On-Call`` is what was meant)."""
    meant = similar(name, _names(found))
    if meant:
        return meant
    scanned = itertools.islice(escalation_policies.list_policies(client), SUGGESTION_SCAN)
    return similar(name, _names(scanned))


def _names(policies: Iterable[dict[str, Any]]) -> list[str]:
    return [str(p["name"]) for p in policies if isinstance(p.get("name"), str)]


def _either(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def vendor(client: pd.PagerDutyClient, id_or_name: str, path: str) -> dict[str, Any]:
    """A vendor by id (``PXXXXXX``) or by name, case-insensitive."""
    account = client.account
    key = (account.api_base_url, account.id, "vendor:" + id_or_name.casefold())
    cached = _cached(key)
    if cached is not None:
        return cached
    found: dict[str, Any] | None = None
    if _ID.match(id_or_name):
        try:
            found = client.get("/vendors/{id}", path_params={"id": id_or_name}).get("vendor")
        except pd.ObjectNotFoundError:
            found = None
    if found is None:
        found = vendors.find_by_name(client, id_or_name)
    if found is None:
        known = [str(v.get("name")) for v in vendors.list_vendors(client)]
        close = difflib.get_close_matches(id_or_name, known, n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(n) for n in close)}?" if close else ""
        raise InputError(
            f"no PagerDuty vendor {id_or_name!r}{hint}",
            details=[{"path": path, "message": "unknown vendor"}],
        )
    _remember(key, found)
    return found
