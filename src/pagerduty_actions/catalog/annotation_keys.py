"""The ``pagerduty.com/*`` annotations: the keys the annotate action writes into a catalog file
and the sync, the mapping routes and a template run's report read back.

One module, so a writer and its readers cannot drift apart on a key's spelling or on what an
annotation says: a value counts only as a non-blank string, stripped (what a YAML file gives
for ``service-id:`` with nothing after it, or a number, names no service).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "pagerduty.com/"
SERVICE_ID = f"{PREFIX}service-id"
#: A secret (anyone holding it can open incidents): never logged, masked in diffs and outputs.
INTEGRATION_KEY = f"{PREFIX}integration-key"
#: Written only when the service is not in the default account.
ACCOUNT = f"{PREFIX}account"


def pagerduty_annotations(annotations: Mapping[Any, Any]) -> dict[str, Any]:
    """The ``pagerduty.com/*`` entries of an entity's annotations, values as written."""
    return {k: v for k, v in annotations.items() if isinstance(k, str) and k.startswith(PREFIX)}


def value_of(raw: object) -> str | None:
    """An annotation's value as read: the stripped string, None when missing or blank or not a
    string."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    return raw.strip()
