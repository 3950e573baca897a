"""Which catalog component is which PagerDuty service, and what each ``dependsOn`` entry names.

Both are decided once per run, before planning, so the planner works on plain sets. The rules
are Backstage's and the issue's: a stored override wins over annotations; a service claimed by
two components is a conflict that a person resolves (we never pick one); a service PagerDuty no
longer has is reported, not synced. Integration keys are secrets, so no ``detail`` text ever
repeats one — it says "integration key annotation" instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping as MappingABC
from collections.abc import Set
from dataclasses import dataclass

from ..catalog import annotation_keys
from ..catalog.entity_ref import normalise_ref, resolve_relation
from ..catalog.errors import InvalidEntityRefError
from .model import BackstageGraph, CatalogEntity, Mapping, MappingEntry, MappingStatus

SOURCE_OVERRIDE = "override"
SOURCE_SERVICE_ID = "annotation:service-id"
SOURCE_INTEGRATION_KEY = "annotation:integration-key"
SOURCE_NONE = "-"

_NO_OVERRIDES: MappingABC[str, str | None] = {}
_NO_KEYS: MappingABC[str, str] = {}


def resolve_depends_on(graph: BackstageGraph) -> list[str]:
    """Fill ``graph.resolved`` for every ``dependsOn`` entry; return one problem per entry that
    does not parse (its resolution is None, so it is never acted on, only kept as written:
    the rest of the run goes on, and a real run edits the entity exactly as a dry run says).
    Each problem names the entity, its file and document, and the fix.

    The graph's only resolution (Backstage's rule, :func:`resolve_relation`): loading leaves
    ``resolved`` empty and the plan reads it, so a run resolves each entry exactly once."""
    problems: list[str] = []
    for ref in sorted(graph.entities):
        entity = graph.entities[ref]
        for entry in entity.depends_on:
            try:
                graph.resolved[(ref, entry)] = resolve_relation(ref, entry)
            except (InvalidEntityRefError, TypeError, AttributeError) as error:
                graph.resolved[(ref, entry)] = None
                reason = getattr(error, "reason", "not a string")
                problems.append(
                    f"{entity_label(entity)}: dependsOn entry {entry!r} is not an entity ref "
                    f"({reason}); it is kept as written and not synced. Fix it in the catalog "
                    "file ([kind:][namespace/]name, e.g. component:checkout) or remove it"
                )
    return problems


def entity_label(entity: CatalogEntity) -> str:
    """``component:default/checkout`` with where it is written, when known:
    ``component:default/checkout (catalog/checkout.yaml, document 1)``."""
    if entity.location is None:
        return entity.ref
    return f"{entity.ref} ({entity.location.describe()})"


@dataclass(frozen=True)
class _Claim:
    """What one entity's override or annotations say, before conflicts are looked at."""

    service_id: str | None
    source: str
    status: MappingStatus
    detail: str


def build_mapping(
    graph: BackstageGraph,
    *,
    overrides: MappingABC[str, str | None] = _NO_OVERRIDES,
    key_to_service: MappingABC[str, str] = _NO_KEYS,
    missing_services: Set[str] = frozenset(),
) -> Mapping:
    """Map every component of ``graph`` to at most one service, one to one.

    In order: a stored override (a service id, or None for "explicitly unmapped"), the
    ``pagerduty.com/service-id`` annotation, the ``pagerduty.com/integration-key`` annotation
    resolved through ``key_to_service``. Two components claiming one service are both
    CONFLICT; a claimed service in ``missing_services`` is MISSING_SERVICE; neither is mapped.
    ``entries`` holds one entry per component, sorted by ref.
    """
    normalised_overrides = {_override_key(k): v for k, v in overrides.items()}
    claims = {
        ref: _claim(ref, graph.entities[ref], normalised_overrides, key_to_service)
        for ref in sorted(graph.entities)
    }
    claimants: dict[str, list[str]] = defaultdict(list)
    for ref, claim in claims.items():
        if claim.status is MappingStatus.MAPPED and claim.service_id is not None:
            claimants[claim.service_id].append(ref)

    mapping = Mapping()
    for ref, claim in claims.items():
        entry = _settle(ref, claim, claimants, missing_services)
        mapping.entries.append(entry)
        if entry.status is MappingStatus.MAPPED and entry.service_id is not None:
            mapping.entity_to_service[ref] = entry.service_id
            mapping.service_to_entity[entry.service_id] = ref
    return mapping


def _override_key(text: str) -> str:
    try:
        return normalise_ref(text)
    except InvalidEntityRefError:
        return text.strip().lower()


def _claim(
    ref: str,
    entity: CatalogEntity,
    overrides: MappingABC[str, str | None],
    key_to_service: MappingABC[str, str],
) -> _Claim:
    if ref in overrides:
        service_id = overrides[ref]
        if service_id is None:
            return _Claim(
                None, SOURCE_OVERRIDE, MappingStatus.UNMAPPED, "explicitly unmapped by an override"
            )
        return _Claim(service_id, SOURCE_OVERRIDE, MappingStatus.MAPPED, "")
    service_id = annotation_keys.value_of(entity.annotation(annotation_keys.SERVICE_ID))
    if service_id is not None:
        return _Claim(service_id, SOURCE_SERVICE_ID, MappingStatus.MAPPED, "")
    key = annotation_keys.value_of(entity.annotation(annotation_keys.INTEGRATION_KEY))
    if key is not None:
        owner = key_to_service.get(key)
        if owner is None:
            return _Claim(
                None,
                SOURCE_INTEGRATION_KEY,
                MappingStatus.UNRESOLVED,
                "no PagerDuty service owns the integration key annotation",
            )
        return _Claim(owner, SOURCE_INTEGRATION_KEY, MappingStatus.MAPPED, "")
    return _Claim(
        None,
        SOURCE_NONE,
        MappingStatus.UNMAPPED,
        f"no override and no {annotation_keys.SERVICE_ID} or integration key annotation",
    )


def _settle(
    ref: str, claim: _Claim, claimants: MappingABC[str, list[str]], missing: Set[str]
) -> MappingEntry:
    """The final entry: a MAPPED claim becomes CONFLICT or MISSING_SERVICE when it must."""
    service_id = claim.service_id
    if claim.status is not MappingStatus.MAPPED or service_id is None:
        return MappingEntry(ref, service_id, claim.status, claim.source, claim.detail)
    others = [other for other in claimants[service_id] if other != ref]
    if others:
        detail = (
            f"service {service_id} is also claimed by {', '.join(others)}; "
            "neither is synced until one claim is removed or overridden"
        )
        return MappingEntry(ref, service_id, MappingStatus.CONFLICT, claim.source, detail)
    if service_id in missing:
        detail = (
            f"PagerDuty has no service {service_id} (deleted?) but the "
            f"{_source_label(claim.source)} names it"
        )
        return MappingEntry(ref, service_id, MappingStatus.MISSING_SERVICE, claim.source, detail)
    return MappingEntry(ref, service_id, MappingStatus.MAPPED, claim.source, "")


def _source_label(source: str) -> str:
    return {
        SOURCE_OVERRIDE: "stored override",
        SOURCE_SERVICE_ID: f"{annotation_keys.SERVICE_ID} annotation",
        SOURCE_INTEGRATION_KEY: "integration key annotation",
    }.get(source, source)
