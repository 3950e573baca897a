"""Adapter exceptions turned into the errors a caller of an action sees.

The PagerDuty and git host mappers live below the handlers (``error_mapping``) because the
dependency sync maps with them too; only the catalog mapper is the actions' own: the catalog
file an action edits is its ``catalogPath`` input. Registered with the registry, so a handler
only catches the adapter errors it can handle better itself.
"""

from __future__ import annotations

from ..error_mapping import map_pagerduty_error, map_scm_error
from ..errors import ActionError, InputError

__all__ = [
    "ERROR_MAPPERS",
    "map_catalog_error",
    "map_pagerduty_error",
    "map_scm_error",
    "not_in_account",
]


def map_catalog_error(exc: BaseException) -> ActionError | None:
    """A catalog file we cannot edit safely: nothing was changed, the message says why."""
    from ..catalog import CatalogError

    if not isinstance(exc, CatalogError):
        return None
    return InputError(exc.message, details=[{"path": "$.catalogPath", "message": exc.message}])


def not_in_account(what: str, account_id: str, path: str) -> InputError:
    """An id the input gives that PagerDuty does not know (its 404): the caller's mistake, on
    that field, naming the account looked in (an id of another account is the usual cause)."""
    return InputError(
        f"{what} does not exist in account {account_id!r}",
        details=[{"path": path, "message": "not found"}],
    )


ERROR_MAPPERS = (map_pagerduty_error, map_scm_error, map_catalog_error)
