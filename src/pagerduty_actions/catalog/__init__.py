"""The catalog adapter: entity refs and minimal, comment-preserving catalog YAML edits.

Handlers use :func:`set_annotations` (the ``pagerduty:entity:annotate`` action) and
:func:`change_depends_on` (the dependency sync's Backstage side) on a file's text, and
commit or propose ``EditResult.text`` only when ``changed`` is true. Nothing here does I/O.
"""

from .entity_ref import EntityRef, normalise_ref, parse_entity_ref, ref_of, split_entity_ref
from .errors import (
    AmbiguousEntityError,
    CatalogBudgetError,
    CatalogError,
    CatalogYamlError,
    EntityNotFoundError,
    InvalidEditError,
    InvalidEntityRefError,
    UnsupportedStructureError,
)
from .yaml_edit import (
    EditResult,
    EntityInfo,
    change_depends_on,
    list_entities,
    select_entity,
    set_annotations,
    set_depends_on,
    unified_diff,
)

__all__ = [
    "AmbiguousEntityError",
    "CatalogBudgetError",
    "CatalogError",
    "CatalogYamlError",
    "EditResult",
    "EntityInfo",
    "EntityNotFoundError",
    "EntityRef",
    "InvalidEditError",
    "InvalidEntityRefError",
    "UnsupportedStructureError",
    "change_depends_on",
    "list_entities",
    "normalise_ref",
    "parse_entity_ref",
    "ref_of",
    "select_entity",
    "set_annotations",
    "set_depends_on",
    "split_entity_ref",
    "unified_diff",
]
