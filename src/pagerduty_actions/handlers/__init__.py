"""One module per action: the use case, written against the adapters, never against HTTP.

``HANDLERS`` is the one list of our actions: the registry is built from it, and each module
binds itself to its action by ``ACTION_ID``; its manifest and schemas are named after the
module (``actions/<name>.yaml``, ``schemas/actions/<name>.input.json|.output.json``), and so
are its tests (``tests/actions/test_<name>*.py``). The other modules here (errors, grouping,
lookups, name_lock, rollback) are parts the actions share, not actions.
"""

from . import dependencies_sync, entity_annotate, incident_trigger, service_create

HANDLERS = (dependencies_sync, entity_annotate, incident_trigger, service_create)
