"""Loading both sides of a sync: the catalog's components and PagerDuty's dependency graph.

The catalog comes either from the Backstage catalog API (one paged query for every component)
or from catalog files on disk; both end as the same :class:`BackstageGraph`, its ``dependsOn``
entries as written (``mapping.resolve_depends_on`` resolves them, once per run). Each entity
carries where its catalog file lives, read from ``backstage.io/managed-by-location`` (else
``backstage.io/source-location``), so the ``pagerduty`` strategy knows which repository to
propose the edit to.

PagerDuty is read with exactly one call per mapped service: the technical-service dependency
read returns both directions, and keeping only the relationships where the service is the
dependent gives every edge exactly once. Services PagerDuty no longer has are reported as
missing rather than failing the run. Integration keys are resolved once per run from the
service list; the resulting index never shows a key in its repr.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from ..catalog.backstage_api import DEFAULT_PAGE_SIZE, BackstageCatalogClient
from ..catalog.files import component_from_data, load_catalog_files
from ..pagerduty import ObjectNotFoundError, PagerDutyClient
from ..pagerduty.resources import services as pd_services
from .model import BackstageGraph, CatalogEntity, Location, PagerDutyGraph

MANAGED_BY_LOCATION = "backstage.io/managed-by-location"
SOURCE_LOCATION = "backstage.io/source-location"
DEFAULT_CATALOG_FILE = "catalog-info.yaml"
DEPENDENCIES_PATH = "/service_dependencies/technical_services/{id}"
# How long a 404 on a dependency read is retried: rides out PagerDuty's lag right after a
# service is created, without making a deleted service cost many calls.
DEFAULT_RETRY_404_SECONDS = 1.0
_BUSINESS = re.compile(r"business_service", re.IGNORECASE)

ProgressCallback = Callable[[int], None]  # services read so far


# -- locations ---------------------------------------------------------------------------------


def parse_location(value: str, *, directory_file: str = DEFAULT_CATALOG_FILE) -> Location | None:
    """A :class:`Location` from a Backstage location reference (``type:target``).

    ``url:`` targets on GitHub (``/blob/`` or ``/tree/``), GitLab (``/-/blob/``), Bitbucket
    and Gitea (``/src/``) and Azure DevOps (``/_git/repo?path=&version=GB...``) give the
    repository URL, branch and path; a target that names a directory (``/tree/``, a trailing
    ``/``) means its ``directory_file``. Other URLs keep only ``target``. ``file:`` targets
    give a ``file`` location. Other types (``bootstrap``, discovery providers) give None.
    """
    kind, sep, target = value.strip().partition(":")
    if not sep or not target:
        return None
    kind = kind.strip().lower()
    target = target.strip()
    if kind == "file":
        return Location(kind="file", target=target)
    if kind != "url":
        return None
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = f"{parts.scheme}://{parts.netloc}"
    segments = [unquote(s) for s in parts.path.split("/") if s]
    found = _repo_branch_path(segments, parts.query)
    if found is None:
        return Location(kind="url", target=target)
    repo, branch, path, is_dir = found
    is_dir = is_dir or parts.path.endswith("/") or not path
    if is_dir:
        path = f"{path}/{directory_file}" if path else directory_file
    return Location(
        kind="url", target=target, repo_url=f"{host}/{repo}", path=path, branch=branch or None
    )


def _repo_branch_path(segments: list[str], query: str) -> tuple[str, str, str, bool] | None:
    """``(owner/.../repo, branch, path, names a directory)`` from a file URL's path."""
    if "_git" in segments:  # Azure DevOps: org/project/_git/repo?path=/x&version=GBmain
        index = segments.index("_git")
        if index + 1 >= len(segments):
            return None
        params = parse_qs(query)
        version = (params.get("version") or [""])[0]
        branch = version[2:] if version.startswith("GB") else ""
        path = (params.get("path") or [""])[0].strip("/")
        return "/".join(segments[: index + 2]), branch, path, False
    if "-" in segments:  # GitLab: group/sub/repo/-/blob/branch/path
        index = segments.index("-")
        rest = segments[index + 1 :]
        if index < 2 or len(rest) < 2 or rest[0] not in ("blob", "tree", "raw"):
            return None
        return "/".join(segments[:index]), rest[1], "/".join(rest[2:]), rest[0] == "tree"
    if len(segments) >= 4 and segments[2] in ("blob", "tree", "raw"):  # GitHub
        return "/".join(segments[:2]), segments[3], "/".join(segments[4:]), segments[2] == "tree"
    if len(segments) >= 4 and segments[2] == "src":  # Bitbucket Cloud; Gitea adds "branch"
        rest = segments[3:]
        if rest[0] in ("branch", "commit", "tag") and len(rest) >= 2:
            rest = rest[1:]
        return "/".join(segments[:2]), rest[0], "/".join(rest[1:]), False
    return None


def location_of(annotations: Mapping[str, str]) -> Location | None:
    """The entity's catalog file: ``managed-by-location`` first, else ``source-location``."""
    for key in (MANAGED_BY_LOCATION, SOURCE_LOCATION):
        value = annotations.get(key)
        if value:
            location = parse_location(value)
            if location is not None:
                return location
    return None


# -- the Backstage side --------------------------------------------------------------------------


def entity_from_api(raw: Mapping[str, Any]) -> CatalogEntity | None:
    """A component from a catalog API item, located by its annotations; None when the item has
    no string ``kind`` and ``metadata.name`` (nothing a ref could be made of)."""
    metadata = raw.get("metadata")
    if not isinstance(raw.get("kind"), str) or not isinstance(metadata, Mapping):
        return None
    if not isinstance(metadata.get("name"), str) or not metadata["name"]:
        return None
    entity = component_from_data(raw, None)
    location = location_of(dict(entity.annotations))
    if location is None:
        return entity
    return replace(entity, location=location)


def build_backstage_graph(entities: Iterable[CatalogEntity]) -> BackstageGraph:
    """Components by ref, ``dependsOn`` entries not yet resolved (``resolve_depends_on``)."""
    graph = BackstageGraph()
    for entity in entities:
        graph.entities[entity.ref] = entity
    return graph


def load_backstage_graph_from_api(
    base_url: str,
    token: str | None,
    *,
    transport: httpx.BaseTransport | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    sleep: Callable[[float], None] | None = None,
    client: BackstageCatalogClient | None = None,
) -> BackstageGraph:
    """Every component of the catalog at ``base_url`` (one paged query), as a graph.

    Pass ``client`` to reuse one (and read its ``calls``); it is left open.
    """
    if client is not None:
        raws = list(client.iter_components(page_size=page_size))
    else:
        options: dict[str, Any] = {"transport": transport}
        if sleep is not None:
            options["sleep"] = sleep
        with BackstageCatalogClient(base_url, token, **options) as own:
            raws = list(own.iter_components(page_size=page_size))
    entities = (entity_from_api(raw) for raw in raws)
    return build_backstage_graph(e for e in entities if e is not None)


def load_backstage_graph_from_files(
    globs: list[str], base: Path, problems: list[str] | None = None
) -> BackstageGraph:
    """Every component of the catalog files matching ``globs`` (relative to ``base``). Given
    ``problems``, a file that cannot be used is skipped and said there (see
    :func:`load_catalog_files`)."""
    return build_backstage_graph(load_catalog_files(globs, base, problems))


# -- the PagerDuty side --------------------------------------------------------------------------


def supporting_services(relationships: Iterable[Mapping[str, Any]], service_id: str) -> set[str]:
    """The technical services ``service_id`` depends on, from its dependency read (which lists
    both directions and may include business services)."""
    return _other_ends(relationships, service_id, "dependent_service", "supporting_service")


def dependent_services(relationships: Iterable[Mapping[str, Any]], service_id: str) -> set[str]:
    """The technical services that depend on ``service_id``, from the same read: an unmapped
    one is never read itself, so this is the only place its edge to a mapped service shows."""
    return _other_ends(relationships, service_id, "supporting_service", "dependent_service")


def _other_ends(
    relationships: Iterable[Mapping[str, Any]], service_id: str, this_end: str, other_end: str
) -> set[str]:
    out: set[str] = set()
    for relationship in relationships:
        this = relationship.get(this_end) or {}
        other = relationship.get(other_end) or {}
        if this.get("id") != service_id or not other.get("id"):
            continue
        if _BUSINESS.search(str(this.get("type", ""))) or _BUSINESS.search(
            str(other.get("type", ""))
        ):
            continue
        out.add(str(other["id"]))
    return out


# service, supporting (None: missing), dependents, relationship count
_Read = tuple[str, set[str] | None, set[str], int]


def _read_one(client: PagerDutyClient, service_id: str, retry_404_for: float) -> _Read:
    try:
        body = client.get(
            DEPENDENCIES_PATH, path_params={"id": service_id}, retry_404_for=retry_404_for
        )
    except ObjectNotFoundError:
        return service_id, None, set(), 0
    relationships = body.get("relationships") or []
    return (
        service_id,
        supporting_services(relationships, service_id),
        dependent_services(relationships, service_id),
        len(relationships),
    )


def load_pagerduty_graph(
    client: PagerDutyClient,
    service_ids: Sequence[str] | Iterable[str],
    *,
    on_progress: ProgressCallback | None = None,
    max_workers: int | None = None,
    retry_404_for: float = DEFAULT_RETRY_404_SECONDS,
) -> PagerDutyGraph:
    """Each service's supporting services, one read per service; 404s go into ``missing``.

    Reads run on up to ``max_workers`` threads (default: the account's concurrency cap; 1
    reads in order). ``on_progress(done)`` is called in the calling thread after each service.
    Any other error stops the load and is raised (pending reads are cancelled).
    """
    ids = list(dict.fromkeys(service_ids))
    graph = PagerDutyGraph()
    workers = max_workers if max_workers is not None else client.limiter.max_concurrency
    workers = max(1, min(workers, len(ids) or 1))

    def record(result: _Read) -> None:
        service_id, supporting, dependents, relationships = result
        if supporting is None:
            graph.missing.add(service_id)
        else:
            graph.supporting[service_id] = supporting
            graph.dependents[service_id] = dependents
            graph.relationship_counts[service_id] = relationships
        if on_progress is not None:
            on_progress(len(graph.supporting) + len(graph.missing))

    if workers == 1:
        for service_id in ids:
            record(_read_one(client, service_id, retry_404_for))
        return graph
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pd-read") as pool:
        pending: set[Future[_Read]] = {
            pool.submit(_read_one, client, service_id, retry_404_for) for service_id in ids
        }
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    record(future.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return graph


class IntegrationKeyIndex(dict[str, str]):
    """Integration key -> service id. Keys are secrets (anyone holding one can open incidents),
    so the repr shows only how many there are."""

    def __repr__(self) -> str:
        return f"IntegrationKeyIndex({len(self)} keys)"

    __str__ = __repr__


def integration_key_index(client: PagerDutyClient) -> IntegrationKeyIndex:
    """Every integration key of the account mapped to its service, from one paged listing of
    ``GET /services?include[]=integrations`` (built once per run, never per entity)."""
    index = IntegrationKeyIndex()
    for service in pd_services.list_services(client, include=["integrations"]):
        service_id = service.get("id")
        if not service_id:
            continue
        for integration in service.get("integrations") or []:
            key = integration.get("integration_key") if isinstance(integration, dict) else None
            if isinstance(key, str) and key:
                index[key] = str(service_id)
    return index
