"""The one place a sync's exceptions become what a caller sees.

Every way into a sync (the action, ``POST /v2/sync``, the schedule, the CLI) and
``GET /v2/mappings`` map with :func:`as_action_error`, so a PagerDuty, git host, catalog API or
catalog file failure reads the same whichever way it was reached. A catalog file is not an
input of the sync (it is configuration and data), so its errors name the file and carry no
input field path.
"""

from __future__ import annotations

import logging

from ..catalog import CatalogError
from ..catalog.backstage_api import CatalogApiError
from ..error_mapping import map_pagerduty_error, map_scm_error
from ..errors import ActionError, InputError, ServiceUnavailableError, UpstreamError
from ..store import DatabaseUnavailable

_LOG = logging.getLogger("pagerduty_actions.sync")


def as_action_error(exc: BaseException) -> ActionError | None:
    """What a caller sees for ``exc``; None for an exception nobody expected (a bug)."""
    if isinstance(exc, ActionError):
        return exc
    if isinstance(exc, CatalogApiError):
        upstream = {"service": "backstage", "status": exc.status}
        return UpstreamError(
            f"{exc}; check backstage.baseUrl and backstage.token in the config",
            upstream=upstream,
            retryable=exc.status is None or exc.status >= 500 or exc.status == 429,
        )
    if isinstance(exc, CatalogError):
        return InputError(f"the catalog cannot be read: {exc.message}")
    if isinstance(exc, DatabaseUnavailable):
        return ServiceUnavailableError(str(exc))
    for mapper in (map_pagerduty_error, map_scm_error):
        mapped = mapper(exc)
        if mapped is not None:
            return mapped
    return None


def describe(exc: BaseException) -> str:
    """One line for a report: the mapped message, or for a bug its type only (the details go
    to the server log, never into a report a caller reads)."""
    mapped = as_action_error(exc)
    if mapped is not None:
        return mapped.message
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if not isinstance(exc, Exception):
        return f"stopped ({type(exc).__name__})"
    _LOG.error("dependency sync: unexpected error", exc_info=exc)
    return f"internal error ({type(exc).__name__}); the server log has the details"
