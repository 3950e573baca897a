"""What the per-entity processor approach of PagerDuty's Backstage plugin would spend on the
same data, so the benchmark can print it next to our call counts.

The plugin syncs inside Backstage's catalog processor, one entity at a time, on every
processing cycle. For each component it processes it:

- re-reads the dependency-sync strategy setting (1 call),
- re-reads the whole entity <-> service mapping table (1 call),

and, when the component is mapped to a service (and the strategy is not ``disabled``):

- looks up every ``dependsOn`` entry in the catalog, one call per entry,
- reads the service's dependencies from PagerDuty (1 call),
- writes each changed relationship in its own call.

It can only write PagerDuty (relations written in ``catalog-info.yaml`` cannot be overridden
from a processor), so under ``pagerduty`` it writes nothing; under ``backstage`` it writes the
additions and removals our plan has, under ``both`` the additions. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import BackstageGraph, Mapping, PagerDutyGraph, Strategy
from .plan import plan


@dataclass(frozen=True)
class ProcessorCalls:
    """One processing cycle of the per-entity processor, call counts by kind."""

    setting_reads: int
    mapping_reads: int
    catalog_lookups: int
    pagerduty_reads: int
    pagerduty_writes: int

    @property
    def total(self) -> int:
        return (
            self.setting_reads
            + self.mapping_reads
            + self.catalog_lookups
            + self.pagerduty_reads
            + self.pagerduty_writes
        )


def processor_calls(
    backstage: BackstageGraph,
    pagerduty: PagerDutyGraph,
    mapping: Mapping,
    *,
    strategy: Strategy = Strategy.BACKSTAGE,
) -> ProcessorCalls:
    """The calls of one processing cycle over ``backstage``, by kind.

    With C components, M of them mapped (to a service PagerDuty still has), d(E) the number of
    ``dependsOn`` entries of E and W the relationship writes (see the module doc)::

        setting_reads   = C
        mapping_reads   = C
        catalog_lookups = sum(d(E) for mapped E)
        pagerduty_reads = M
        pagerduty_writes = W

    Under ``disabled`` the processor still reads the setting for every entity and stops.
    """
    components = len(backstage.entities)
    strategy = Strategy(strategy)
    if strategy is Strategy.DISABLED:
        return ProcessorCalls(components, 0, 0, 0, 0)
    mapped = [
        ref
        for ref, service in mapping.entity_to_service.items()
        if ref in backstage.entities and service not in pagerduty.missing
    ]
    lookups = sum(len(backstage.entities[ref].depends_on) for ref in mapped)
    writes = 0
    if strategy in (Strategy.BACKSTAGE, Strategy.BOTH):
        writes = len(plan(backstage, pagerduty, mapping, strategy).pagerduty)
    return ProcessorCalls(components, components, lookups, len(mapped), writes)


def processor_call_count(
    backstage: BackstageGraph,
    pagerduty: PagerDutyGraph,
    mapping: Mapping,
    *,
    strategy: Strategy = Strategy.BACKSTAGE,
) -> int:
    """The total of :func:`processor_calls`: ``2*C + sum(d(E)) + M + W`` (``C`` when
    ``disabled``), the number the benchmark prints as the baseline."""
    return processor_calls(backstage, pagerduty, mapping, strategy=strategy).total
