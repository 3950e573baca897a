"""A catalog component as a sync reads it, and where its catalog file lives.

Plain data shared by the catalog sources (``catalog/files.py`` here, the catalog API reader in
``sync/sources.py``) and the sync that plans with it, so the catalog adapter never imports the
sync. Entity refs are normalised strings, ``kind:namespace/name`` lower-cased.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    """Where an entity's catalog file lives, so the ``pagerduty`` strategy can edit it.

    ``kind`` is ``url`` (a git host URL: ``repo_url`` + ``path`` + ``branch``) or ``file`` (a
    path on disk, possibly inside a git checkout with a remote). ``document`` is the entity's
    document in that file (1-based), when known, so a problem can point at it.
    """

    kind: str
    target: str
    repo_url: str | None = None
    path: str | None = None
    branch: str | None = None
    document: int | None = None

    @property
    def group_key(self) -> str:
        """Changes with the same key go into one commit / pull request (one per repository)."""
        return self.repo_url or self.target

    def describe(self) -> str:
        """``path/to/file.yaml, document 2`` (the URL for catalog API entities)."""
        where = self.target
        return f"{where}, document {self.document}" if self.document is not None else where


@dataclass(frozen=True)
class CatalogEntity:
    """A component as the catalog holds it: its ref, raw ``dependsOn`` entries, annotations."""

    ref: str
    depends_on: tuple[str, ...] = ()
    # Not in the repr: ``pagerduty.com/integration-key`` is a secret and graphs get logged.
    annotations: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    location: Location | None = None
    #: ``spec.owner`` as written (``team-a``, ``group:default/team-a``); auto-match compares it
    #: with the PagerDuty service's team.
    owner: str | None = None

    def annotation(self, key: str) -> str | None:
        return dict(self.annotations).get(key)
