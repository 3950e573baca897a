"""The data behind Backstage's PagerDuty entity-page cards, without HTTP.

``cache`` keeps PagerDuty reads for a few seconds with single-flight loads; ``reader`` sends
the cards' GETs through the actions' shared PagerDuty clients (one rate budget per account) and
that cache; ``settings`` reads the ``entityPage`` config section and holds the read-only rule;
``card_reads`` is the table of what ``@backstage/plugin-pagerduty`` 0.6.8 reads (and the
bounds of each query parameter), ``trigger`` its "Create Incident" (an Events API v2 trigger).
The server's blueprints (the ``/pagerduty-api`` facade for ``@backstage/plugin-pagerduty`` and
the ``/api/pagerduty`` routes for PagerDuty's own card) speak HTTP and call these.
"""

from .cache import CacheStats, CacheWaitTimeout, ReadCache, ReadKey
from .reader import EntityPageReader, ReadWaitTimeoutError, entity_page_reader
from .settings import EntityPageSettings, ReadOnlyError, refuse_if_read_only

__all__ = [
    "CacheStats",
    "CacheWaitTimeout",
    "EntityPageReader",
    "EntityPageSettings",
    "ReadCache",
    "ReadKey",
    "ReadOnlyError",
    "ReadWaitTimeoutError",
    "entity_page_reader",
    "refuse_if_read_only",
]
