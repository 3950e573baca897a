"""Dependency sync between the Backstage catalog and PagerDuty.

``service`` is the one operation every way in calls (validation with the action's input
schema, early refusals; ``errors`` maps exceptions in one place). ``runs`` keeps the record
and the lease, ``engine`` runs one sync: ``sources`` load both graphs into ``model``,
``mapping`` and ``plan`` (pure functions) decide the changes, ``apply``/``deliver`` write them
through a ``ledger`` that records each change's state as it goes, and ``report`` builds the
outcome from the plan and the ledger however the run ended. Nothing in ``plan`` does I/O, so
every strategy is tested exhaustively without a server.
"""
