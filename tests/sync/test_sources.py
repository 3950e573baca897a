"""The sync's sources: the Backstage catalog API client, catalog files, locations, the
PagerDuty graph loader and integration key index, and the simulated catalog they are tested on.

Everything runs over loopback against the simulated catalog and the PagerDuty sandbox, or
against an ``httpx.MockTransport`` when a failure has to be exact; git checkouts are real.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from backstage_catalog import (
    CatalogServer,
    generate_catalog,
    matches,
    project,
    write_catalog_files,
)

from pagerduty_actions.catalog.backstage_api import (
    COMPONENT_FIELDS,
    BackstageCatalogClient,
    CatalogApiError,
    CatalogAuthError,
    CatalogNotFoundError,
    CatalogUnavailableError,
    catalog_base_url,
    iter_components,
    refresh_entity,
)
from pagerduty_actions.catalog.files import (
    CatalogFileError,
    load_catalog_files,
    normalise_remote_url,
)
from pagerduty_actions.pagerduty import (
    Account,
    ApiToken,
    ForbiddenError,
    LimiterRegistry,
    PagerDutyClient,
)
from pagerduty_actions.pagerduty.resources import services as pd_services
from pagerduty_actions.sandbox import (
    DEFAULT_TOKEN,
    SandboxServer,
    default_seed,
    generate_graph,
    sandbox_server,
)
from pagerduty_actions.sync.mapping import resolve_depends_on
from pagerduty_actions.sync.model import CatalogEntity, Location
from pagerduty_actions.sync.sources import (
    DEPENDENCIES_PATH,
    build_backstage_graph,
    entity_from_api,
    integration_key_index,
    load_backstage_graph_from_api,
    load_backstage_graph_from_files,
    load_pagerduty_graph,
    location_of,
    parse_location,
)

CATALOG_TOKEN = "catalog-secret-token-123"
FAST = {"limit": 100_000, "window_seconds": 60}


# -- helpers -------------------------------------------------------------------------------------


def component(name: str, *, depends_on: list[str] | None = None, **annotations: str) -> dict:
    """A catalog API entity as Backstage stores it (more fields than a sync asks for)."""
    spec: dict[str, Any] = {"type": "service", "lifecycle": "production", "owner": "team-a"}
    if depends_on is not None:
        spec["dependsOn"] = depends_on
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": f"uid-{name}",
            "annotations": dict(annotations),
        },
        "spec": spec,
        "relations": [{"type": "ownedBy", "targetRef": "group:default/team-a"}],
    }


class Sleeps:
    """A fake ``sleep`` that records how long the client wanted to wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def pd_client(
    server: SandboxServer, *, concurrency: int = 4, backoff_base: float = 0.01
) -> PagerDutyClient:
    account = Account(
        id=f"acct-{id(server)}-{concurrency}",
        api_base_url=server.base_url,
        events_base_url=server.events_url,
        auth=ApiToken(DEFAULT_TOKEN),
        requests_per_minute=100_000,
        max_concurrency=concurrency,
    )
    return PagerDutyClient(account, limiters=LimiterRegistry(), backoff_base=backoff_base)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def git_init(root: Path, branch: str = "main", remote: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", branch)
    if remote:
        git(root, "remote", "add", "origin", remote)
    return root


def mock_transport(
    handler: Callable[[httpx.Request], httpx.Response],
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return httpx.MockTransport(record), seen


@pytest.fixture
def catalog() -> Iterator[CatalogServer]:
    entities = [
        component(f"svc-{i:02d}", depends_on=["svc-00"] if i % 2 else None) for i in range(45)
    ]
    entities.insert(3, {"apiVersion": "v1", "kind": "API", "metadata": {"name": "orders-api"}})
    entities.insert(9, {"apiVersion": "v1", "kind": "Group", "metadata": {"name": "team-a"}})
    with CatalogServer(entities, token=CATALOG_TOKEN) as server:
        yield server


@pytest.fixture
def graph_sandbox() -> Iterator[tuple[SandboxServer, dict[str, Any]]]:
    document = generate_graph(30, avg_deps=3, seed=7)
    document["faults"] = {"rate_limit": FAST}
    with sandbox_server(document) as server:
        yield server, document


# -- the catalog API client ----------------------------------------------------------------------


def test_pages_through_components_with_only_the_needed_fields(catalog: CatalogServer) -> None:
    items = list(iter_components(catalog.base_url, CATALOG_TOKEN, page_size=20))

    assert [i["metadata"]["name"] for i in items] == [f"svc-{i:02d}" for i in range(45)]
    assert len(catalog.requests) == 3
    first, *later = catalog.requests
    assert first.query["filter"] == ["kind=component"]
    assert first.query["fields"] == [",".join(COMPONENT_FIELDS)]
    assert first.query["limit"] == ["20"]
    for request in later:
        # The cursor carries the filter; Backstage ignores a filter sent with it anyway.
        assert "filter" not in request.query and request.query["cursor"]
        assert request.query["fields"] == [",".join(COMPONENT_FIELDS)]
    assert all(r.authenticated for r in catalog.requests)
    # The projection removed everything a sync and auto-match (the owner) do not read.
    assert set(items[0]) == {"kind", "metadata", "spec"}
    assert items[0]["spec"] == {"owner": "team-a"}  # no type, lifecycle, relations
    assert set(items[0]["metadata"]) == {"name", "namespace", "annotations"}
    assert items[1]["spec"] == {"dependsOn": ["svc-00"], "owner": "team-a"}


def test_base_url_may_be_the_backend_or_the_catalog_root(catalog: CatalogServer) -> None:
    assert catalog_base_url("http://h:7007/") == "http://h:7007/api/catalog"
    assert catalog_base_url("http://h:7007/api/catalog/") == "http://h:7007/api/catalog"
    items = list(iter_components(catalog.base_url + "/api/catalog/", CATALOG_TOKEN))
    assert len(items) == 45
    with pytest.raises(ValueError, match=r"backstage\.baseUrl"):
        catalog_base_url("  ")


def test_wrong_token_says_check_backstage_token_and_never_shows_it(
    catalog: CatalogServer,
) -> None:
    wrong = "wrong-token-value-987"
    client = BackstageCatalogClient(catalog.base_url, wrong, sleep=Sleeps())
    with pytest.raises(CatalogAuthError) as caught:
        list(client.iter_components())
    error = caught.value
    assert error.status == 401
    assert "backstage.token" in str(error)
    assert error.backstage_message and "credentials" in error.backstage_message
    assert wrong not in str(error) and wrong not in repr(client)
    assert len(catalog.requests) == 1  # a 401 is not retried


def test_missing_token_says_to_set_one(catalog: CatalogServer) -> None:
    with pytest.raises(CatalogAuthError, match=r"set `backstage\.token`"):
        list(iter_components(catalog.base_url, None))
    assert catalog.requests[0].authenticated is False


def test_5xx_is_retried_with_backoff_then_succeeds(catalog: CatalogServer) -> None:
    catalog.fail_next(503, times=2)
    sleeps = Sleeps()
    client = BackstageCatalogClient(catalog.base_url, CATALOG_TOKEN, sleep=sleeps)

    items = list(client.iter_components(page_size=100))

    assert len(items) == 45
    assert [r.status for r in catalog.requests] == [503, 503, 200]
    assert client.calls == 3
    assert len(sleeps.calls) == 2
    assert 0.25 <= sleeps.calls[0] <= 0.5 and 0.5 <= sleeps.calls[1] <= 1.0


def test_persistent_5xx_gives_up_after_max_attempts(catalog: CatalogServer) -> None:
    catalog.fail_next(500, times=10)
    client = BackstageCatalogClient(catalog.base_url, CATALOG_TOKEN, sleep=Sleeps())
    with pytest.raises(CatalogUnavailableError, match="gave up after 4 attempts") as caught:
        list(client.iter_components())
    assert caught.value.status == 500
    assert caught.value.backstage_message == "Error: Injected failure"
    assert len(catalog.requests) == 4


def test_timeouts_and_429_are_retried_and_retry_after_is_honoured() -> None:
    answers: list[Callable[[httpx.Request], httpx.Response]] = [
        lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=r)),
        lambda r: httpx.Response(429, headers={"Retry-After": "3"}),
        lambda r: httpx.Response(200, json={"items": [component("a")], "pageInfo": {}}),
    ]
    transport, seen = mock_transport(lambda request: answers.pop(0)(request))
    sleeps = Sleeps()
    items = list(
        iter_components("https://backstage.example.com", "t0k3n", transport=transport, sleep=sleeps)
    )
    assert [i["metadata"]["name"] for i in items] == ["a"]
    assert len(seen) == 3
    assert sleeps.calls[1] == 3.0
    assert seen[0].headers["Authorization"] == "Bearer t0k3n"
    assert seen[0].url.path == "/api/catalog/entities/by-query"


def test_backstage_error_message_is_kept_and_the_token_redacted() -> None:
    token = "super-secret-bearer"

    def handler(request: httpx.Request) -> httpx.Response:
        body = {
            "error": {"name": "InputError", "message": f"bad filter (auth was Bearer {token})"},
            "response": {"statusCode": 400},
        }
        return httpx.Response(400, json=body)

    transport, seen = mock_transport(handler)
    with pytest.raises(CatalogApiError) as caught:
        list(iter_components("https://bs.example.com", token, transport=transport))
    assert len(seen) == 1  # a 400 is not retried
    assert "InputError: bad filter" in str(caught.value)
    assert token not in str(caught.value)
    assert not isinstance(caught.value, CatalogUnavailableError | CatalogAuthError)


def test_a_repeated_cursor_ends_the_listing_instead_of_looping() -> None:
    page = {"items": [component("a")], "pageInfo": {"nextCursor": "same"}}
    transport, seen = mock_transport(lambda request: httpx.Response(200, json=page))
    items = list(iter_components("https://bs.example.com", None, transport=transport))
    assert len(items) == 2 and len(seen) == 2
    assert "Authorization" not in seen[0].headers


def test_refresh_posts_the_entity_ref(catalog: CatalogServer) -> None:
    refresh_entity(catalog.base_url, CATALOG_TOKEN, "component:default/svc-01")
    assert catalog.refreshed == ["component:default/svc-01"]
    assert catalog.requests[-1].body == {"entityRef": "component:default/svc-01"}
    with pytest.raises(CatalogNotFoundError):
        refresh_entity(catalog.base_url, CATALOG_TOKEN, "component:default/nope")


# -- the simulated catalog's query semantics ------------------------------------------------------


def test_filters_match_as_backstage_does() -> None:
    entity = component(
        "a", depends_on=["component:b"], **{"backstage.io/orphan": "true", "x": "Mixed"}
    )
    assert matches(entity, ["kind=component"])
    assert matches(entity, ["KIND=Component,spec.type=service"])
    assert matches(entity, ["metadata.annotations.backstage.io/orphan=true"])
    assert matches(entity, ["metadata.annotations.x=mixed"])
    assert matches(entity, ["spec.dependsOn"]) and matches(entity, ["spec.dependson.component:b"])
    assert matches(entity, ["kind=api", "kind=component"])  # sets are OR-ed
    assert not matches(entity, ["kind=component,spec.type=website"])  # conditions are AND-ed
    assert not matches(entity, ["metadata.annotations.missing"])
    assert matches(entity, [])


def test_projection_keeps_whole_subtrees_of_the_named_fields() -> None:
    entity = component("a", depends_on=["b"], k="v")
    assert project(entity, ["kind", "metadata.name", "spec.dependsOn", "spec.nope"]) == {
        "kind": "Component",
        "metadata": {"name": "a"},
        "spec": {"dependsOn": ["b"]},
    }
    assert project(entity, ["metadata.annotations"]) == {"metadata": {"annotations": {"k": "v"}}}


def test_malformed_cursor_is_a_400(catalog: CatalogServer) -> None:
    with httpx.Client(base_url=catalog.base_url) as http:
        response = http.get(
            "/api/catalog/entities/by-query",
            params={"cursor": "%%%"},
            headers={"Authorization": f"Bearer {CATALOG_TOKEN}"},
        )
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError"


# -- locations -------------------------------------------------------------------------------------

GH = "https://github.com"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            f"url:{GH}/o/r/blob/main/path/catalog-info.yaml",
            Location("url", f"{GH}/o/r/blob/main/path/catalog-info.yaml",
                     f"{GH}/o/r", "path/catalog-info.yaml", "main"),
        ),
        (
            "url:https://gitlab.example.com/group/sub/r/-/blob/main/catalog-info.yaml",
            Location("url", "https://gitlab.example.com/group/sub/r/-/blob/main/catalog-info.yaml",
                     "https://gitlab.example.com/group/sub/r", "catalog-info.yaml", "main"),
        ),
        (
            f"url:{GH}/o/r/tree/dev/services/api/",
            Location("url", f"{GH}/o/r/tree/dev/services/api/",
                     f"{GH}/o/r", "services/api/catalog-info.yaml", "dev"),
        ),
        (
            f"url:{GH}/o/r/tree/main/",
            Location("url", f"{GH}/o/r/tree/main/", f"{GH}/o/r", "catalog-info.yaml", "main"),
        ),
        (
            "url:https://bitbucket.org/ws/r/src/main/a/catalog-info.yaml",
            Location("url", "https://bitbucket.org/ws/r/src/main/a/catalog-info.yaml",
                     "https://bitbucket.org/ws/r", "a/catalog-info.yaml", "main"),
        ),
        (
            "url:https://gitea.example.com/o/r/src/branch/main/catalog-info.yaml",
            Location("url", "https://gitea.example.com/o/r/src/branch/main/catalog-info.yaml",
                     "https://gitea.example.com/o/r", "catalog-info.yaml", "main"),
        ),
        (
            "url:https://dev.azure.com/org/proj/_git/r?path=/svc/catalog-info.yaml&version=GBmain",
            Location("url",
                     "https://dev.azure.com/org/proj/_git/r?path=/svc/catalog-info.yaml&version=GBmain",
                     "https://dev.azure.com/org/proj/_git/r", "svc/catalog-info.yaml", "main"),
        ),
        (
            f"url:{GH}/o/r/blob/main/my%20dir/catalog-info.yaml",
            Location("url", f"{GH}/o/r/blob/main/my%20dir/catalog-info.yaml",
                     f"{GH}/o/r", "my dir/catalog-info.yaml", "main"),
        ),
        ("url:https://example.com/catalog.yaml",
         Location("url", "https://example.com/catalog.yaml")),
        ("file:/srv/catalog/catalog-info.yaml",
         Location("file", "/srv/catalog/catalog-info.yaml")),
        ("bootstrap:bootstrap", None),
        ("url:not-a-url", None),
        ("no-type-at-all", None),
    ],
)  # fmt: skip
def test_location_parsing(value: str, expected: Location | None) -> None:
    assert parse_location(value) == expected


def test_managed_by_location_wins_and_source_location_is_the_fallback() -> None:
    managed = f"url:{GH}/o/managed/blob/main/catalog-info.yaml"
    source = f"url:{GH}/o/source/tree/main/"
    both = {"backstage.io/managed-by-location": managed, "backstage.io/source-location": source}
    assert location_of(both) == parse_location(managed)
    unusable = {**both, "backstage.io/managed-by-location": "bootstrap:bootstrap"}
    located = location_of(unusable)
    assert located is not None and located.repo_url == f"{GH}/o/source"
    assert location_of({}) is None


# -- entities and ref resolution -------------------------------------------------------------------


def test_api_entities_become_catalog_entities_with_resolved_dependencies() -> None:
    raw = [
        component(
            "Checkout",
            depends_on=["Payments", "component:default/db", "resource:default/bucket", "bad ref"],
            **{
                "pagerduty.com/service-id": "PABC123",
                "backstage.io/managed-by-location": f"url:{GH}/o/r/blob/main/catalog-info.yaml",
            },
        ),
        {"kind": "Component", "metadata": {"name": "ops-thing", "namespace": "ops"},
         "spec": {"dependsOn": ["tool", "default/db", None, 7]}},
        {"kind": "Component", "metadata": {"namespace": "x"}},  # no name: not an entity
    ]  # fmt: skip
    entities = [e for e in map(entity_from_api, raw) if e is not None]
    graph = build_backstage_graph(entities)
    assert graph.resolved == {}  # loading only collects; a run resolves once (below)
    resolve_depends_on(graph)

    assert sorted(graph.entities) == ["component:default/checkout", "component:ops/ops-thing"]
    checkout = graph.entities["component:default/checkout"]
    assert checkout.annotation("pagerduty.com/service-id") == "PABC123"
    assert checkout.location is not None and checkout.location.repo_url == f"{GH}/o/r"
    assert graph.dependencies("component:default/checkout") == {
        "component:default/payments",
        "component:default/db",
        "resource:default/bucket",
    }
    assert graph.resolved[("component:default/checkout", "bad ref")] is None
    # Relations default to the entity's own namespace; non-strings are dropped.
    ops = graph.entities["component:ops/ops-thing"]
    assert ops.depends_on == ("tool", "default/db")
    assert graph.dependencies("component:ops/ops-thing") == {
        "component:ops/tool",
        "component:default/db",
    }


# -- catalog files ---------------------------------------------------------------------------------

MULTI_DOC = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: shop}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    pagerduty.com/service-id: PCHK001
spec:
  type: service
  dependsOn: [component:payments, resource:db]
---
# a comment-only document
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: checkout-api}
---
apiVersion: backstage.io/v1alpha1
kind: component
metadata: {name: payments, namespace: money}
"""


def test_multi_document_files_yield_only_components(tmp_path: Path) -> None:
    (tmp_path / "catalog-info.yaml").write_text(MULTI_DOC, encoding="utf-8")
    entities = load_catalog_files(["*.yaml"], tmp_path)

    assert [e.ref for e in entities] == ["component:default/checkout", "component:money/payments"]
    checkout = entities[0]
    assert checkout.depends_on == ("component:payments", "resource:db")
    assert checkout.annotation("pagerduty.com/service-id") == "PCHK001"
    target = str((tmp_path / "catalog-info.yaml").resolve())
    # the second document; payments the fifth (a comment-only part is no document)
    assert checkout.location == Location(kind="file", target=target, document=2)
    assert entities[1].location == Location(kind="file", target=target, document=5)


def test_globs_recurse_match_each_file_once_and_accept_absolute_paths(tmp_path: Path) -> None:
    for name in ("a", "b"):
        folder = tmp_path / "services" / name
        folder.mkdir(parents=True)
        (folder / "catalog-info.yaml").write_text(
            f"kind: Component\nmetadata: {{name: {name}}}\n", encoding="utf-8"
        )
    absolute = str(tmp_path / "services" / "a" / "catalog-info.yaml")
    entities = load_catalog_files(["services/**/catalog-info.yaml", absolute], tmp_path)
    assert [e.ref for e in entities] == ["component:default/a", "component:default/b"]


def test_a_file_that_does_not_parse_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("kind: Component\nmetadata:\n  name: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogFileError) as caught:
        load_catalog_files(["*.yaml"], tmp_path)
    error = caught.value
    assert error.path == bad.resolve()
    assert error.line is not None and error.column is not None
    assert str(bad.resolve()) in error.message
    assert f"line {error.line}, column {error.column}" in error.message


def test_no_match_and_duplicate_components_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CatalogFileError, match="no catalog file matches"):
        load_catalog_files(["nothing/*.yaml"], tmp_path)
    one = "kind: Component\nmetadata: {name: twin}\n"
    (tmp_path / "a.yaml").write_text(one, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(one, encoding="utf-8")
    with pytest.raises(CatalogFileError, match=r"also declared in .*a\.yaml"):
        load_catalog_files(["*.yaml"], tmp_path)
    (tmp_path / "b.yaml").unlink()
    (tmp_path / "a.yaml").write_text(one + "---\n" + one, encoding="utf-8")
    with pytest.raises(CatalogFileError, match="declared twice in this file"):
        load_catalog_files(["*.yaml"], tmp_path)


def test_files_in_a_git_checkout_carry_repository_branch_and_path(tmp_path: Path) -> None:
    repo = git_init(tmp_path / "repo", "main", "https://ci-bot:s3cr3t-pat@github.com/acme/shop.git")
    folder = repo / "services" / "api"
    folder.mkdir(parents=True)
    (folder / "catalog-info.yaml").write_text(
        "kind: Component\nmetadata: {name: api}\n", encoding="utf-8"
    )
    plain = git_init(tmp_path / "no-remote")
    (plain / "catalog-info.yaml").write_text(
        "kind: Component\nmetadata: {name: local}\n", encoding="utf-8"
    )

    api, local = load_catalog_files(["repo/**/*.yaml", "no-remote/*.yaml"], tmp_path)

    assert api.location == Location(
        kind="file",
        target=str((folder / "catalog-info.yaml").resolve()),
        repo_url="https://github.com/acme/shop",  # credentials and .git dropped
        path="services/api/catalog-info.yaml",
        branch="main",  # no commit yet: read from the symbolic ref
        document=1,
    )
    assert "s3cr3t" not in repr(api)
    assert local.location is not None and local.location.repo_url is None

    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "checkout", "-q", "-b",
        "feature/deps")  # fmt: skip
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "x")
    (api_again,) = load_catalog_files(["repo/**/*.yaml"], tmp_path)
    assert api_again.location is not None and api_again.location.branch == "feature/deps"


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("https://github.com/o/r.git", "https://github.com/o/r"),
        ("https://user:pat@github.com/o/r.git", "https://github.com/o/r"),
        ("git@github.com:o/r.git", "https://github.com/o/r"),
        ("ssh://git@gitlab.example.com:2222/group/sub/r.git", "https://gitlab.example.com/group/sub/r"),
        ("http://localhost:3000/o/r", "http://localhost:3000/o/r"),
        ("/srv/git/r.git", "/srv/git/r.git"),
        ("file:///srv/git/r.git", "file:///srv/git/r.git"),
    ],
)  # fmt: skip
def test_remote_urls_are_normalised(remote: str, expected: str) -> None:
    assert normalise_remote_url(remote) == expected


# -- the PagerDuty side ----------------------------------------------------------------------------


def seeded_edges(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(d["dependent"], d["supporting"]) for d in document["accounts"][0]["dependencies"]}


def graph_edges(supporting: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(dependent, s) for dependent, ids in supporting.items() for s in ids}


@pytest.mark.parametrize("concurrency", [1, 4])
def test_pagerduty_graph_is_one_read_per_service(
    graph_sandbox: tuple[SandboxServer, dict[str, Any]], concurrency: int, conformance: Any
) -> None:
    server, document = graph_sandbox
    ids = [s["id"] for s in document["accounts"][0]["services"]]
    progress: list[int] = []
    threads: set[str] = set()

    def on_progress(done: int) -> None:
        progress.append(done)
        threads.add(threading.current_thread().name)

    with pd_client(server, concurrency=concurrency) as client:
        graph = load_pagerduty_graph(client, ids, on_progress=on_progress)

    assert graph_edges(graph.supporting) == seeded_edges(document)
    assert set(graph.supporting) == set(ids) and not graph.missing
    assert server.state.request_counts() == {("GET", DEPENDENCIES_PATH): len(ids)}
    assert progress == list(range(1, len(ids) + 1))
    assert threads == {threading.current_thread().name}  # callbacks run in the caller's thread
    assert conformance(server.state) == len(ids)


def test_deleted_services_are_missing_not_fatal(
    graph_sandbox: tuple[SandboxServer, dict[str, Any]],
) -> None:
    server, document = graph_sandbox
    ids = [s["id"] for s in document["accounts"][0]["services"]][:5]
    with pd_client(server) as client:
        graph = load_pagerduty_graph(client, [*ids, "PGONE01", ids[0]], retry_404_for=0.0)
    assert graph.missing == {"PGONE01"}
    assert set(graph.supporting) == set(ids)
    # Duplicates are read once; the missing service cost exactly one call without retry.
    assert server.state.request_counts() == {("GET", DEPENDENCIES_PATH): 6}


def test_a_404_just_after_create_is_retried_briefly() -> None:
    document = default_seed()
    document["faults"] = {"consistency_delay_ms": 200}
    with sandbox_server(document) as server, pd_client(server, backoff_base=0.1) as client:
        created = pd_services.create(
            client, {"name": "fresh", "escalation_policy": _first_policy(client)}
        )
        graph = load_pagerduty_graph(client, [created["id"]], retry_404_for=3.0)
        assert graph.supporting == {created["id"]: set()} and not graph.missing
        assert server.state.request_counts()[("GET", DEPENDENCIES_PATH)] >= 2


def _first_policy(client: PagerDutyClient) -> dict[str, str]:
    body = client.get("/escalation_policies")
    return {"id": body["escalation_policies"][0]["id"], "type": "escalation_policy_reference"}


def test_only_edges_where_the_service_is_the_dependent_on_technical_services() -> None:
    document = default_seed()
    spec = document["accounts"][0]
    spec["services"] = [{"name": n, "escalation_policy": "Default"} for n in ("web", "api", "db")]
    spec["business_services"] = [{"name": "Shop"}]
    spec["dependencies"] = [
        {"supporting": "api", "dependent": "web"},
        {"supporting": "db", "dependent": "api"},
        {"supporting": "web", "dependent": "Shop"},  # a business service depends on web
    ]
    with sandbox_server(document) as server, pd_client(server) as client:
        by_name = {s["name"]: s["id"] for s in pd_services.list_services(client)}
        graph = load_pagerduty_graph(client, list(by_name.values()), max_workers=1)
    assert graph.supporting == {
        by_name["web"]: {by_name["api"]},
        by_name["api"]: {by_name["db"]},
        by_name["db"]: set(),
    }


def test_dependents_of_a_read_service_are_kept_for_edges_from_unread_services() -> None:
    """#10.7: ``legacy`` (never read: not mapped) depends on ``api``; only api's read shows it."""
    document = default_seed()
    spec = document["accounts"][0]
    spec["services"] = [{"name": n, "escalation_policy": "Default"} for n in ("api", "legacy")]
    spec["business_services"] = [{"name": "Shop"}]
    spec["dependencies"] = [
        {"supporting": "api", "dependent": "legacy"},
        {"supporting": "api", "dependent": "Shop"},  # business services are not ours to report
    ]
    with sandbox_server(document) as server, pd_client(server) as client:
        by_name = {s["name"]: s["id"] for s in pd_services.list_services(client)}
        graph = load_pagerduty_graph(client, [by_name["api"]])
    assert graph.supporting == {by_name["api"]: set()}
    assert graph.dependents == {by_name["api"]: {by_name["legacy"]}}


@pytest.mark.parametrize("concurrency", [1, 3])
def test_other_errors_stop_the_load(
    graph_sandbox: tuple[SandboxServer, dict[str, Any]], concurrency: int
) -> None:
    server, document = graph_sandbox
    ids = [s["id"] for s in document["accounts"][0]["services"]]
    server.state.configure_faults({"fail_next": [{"status": 403, "count": 1}]})
    with pd_client(server, concurrency=concurrency) as client, pytest.raises(ForbiddenError):
        load_pagerduty_graph(client, ids)
    assert server.state.request_counts()[("GET", DEPENDENCIES_PATH)] < len(ids)


def test_integration_key_index_is_one_listing_and_hides_keys() -> None:
    document = default_seed()
    spec = document["accounts"][0]
    spec["services"] = [
        {"name": f"s{i}", "escalation_policy": "Default", "integrations": [{"vendor": "PRO19CT"}]}
        for i in range(3)
    ] + [{"name": "bare", "escalation_policy": "Default"}]
    with sandbox_server(document) as server, pd_client(server) as client:
        index = integration_key_index(client)
        calls = client.stats.snapshot()
        account = next(iter(server.state.accounts.values()))
        expected = {i["integration_key"]: i["service_id"] for i in account.integrations.values()}
    assert dict(index) == expected and len(index) == 3
    assert calls == {"GET /services": 1}
    assert all(key not in repr(index) and key not in str(index) for key in index)


# -- the generated catalog -------------------------------------------------------------------------


def test_generated_catalog_mirrors_the_seed_but_for_the_differing_edges() -> None:
    document = generate_graph(120, avg_deps=3, seed=11)
    simulated = generate_catalog(document, differing_fraction=0.2, seed=5)
    pd_edges = seeded_edges(document)

    assert simulated.differing == round(0.2 * len(pd_edges))
    assert simulated.pagerduty_only <= pd_edges and not simulated.catalog_only & pd_edges
    assert simulated.catalog_edges == (pd_edges - simulated.pagerduty_only) | simulated.catalog_only

    with (
        CatalogServer(simulated.entities, token=CATALOG_TOKEN) as server,
        BackstageCatalogClient(server.base_url, CATALOG_TOKEN) as client,
    ):
        graph = load_backstage_graph_from_api("", None, page_size=50, client=client)
        assert len(server.requests) == 3 and client.calls == 3
    assert resolve_depends_on(graph) == []
    by_ref = {ref: e.annotation("pagerduty.com/service-id") for ref, e in graph.entities.items()}
    edges = {
        (by_ref[ref], by_ref[target])
        for ref in graph.entities
        for target in graph.dependencies(ref)
    }
    assert edges == simulated.catalog_edges
    assert all(v is not None for v in graph.resolved.values())
    repos = {e.location.repo_url for e in graph.entities.values() if e.location}
    assert len(repos) == 12  # ten entities per repository
    spellings = {entry.split(":")[0] for e in graph.entities.values() for entry in e.depends_on}
    assert len(spellings) > 2  # several ways of writing a ref are exercised


def test_generation_is_deterministic_and_a_zero_fraction_means_identical() -> None:
    document = generate_graph(40, seed=2)
    assert (
        generate_catalog(document, seed=1).entities == generate_catalog(document, seed=1).entities
    )
    same = generate_catalog(document, differing_fraction=0.0)
    assert same.differing == 0 and same.catalog_edges == seeded_edges(document)
    with pytest.raises(ValueError):
        generate_catalog(document, differing_fraction=1.5)


def test_written_catalog_files_load_as_the_same_graph(tmp_path: Path) -> None:
    simulated = generate_catalog(generate_graph(25, seed=4), entities_per_repo=10)
    written = write_catalog_files(simulated.entities, tmp_path)
    assert len(written) == 25 and len({p.parent.parent for p in written.values()}) == 3

    from_files = load_backstage_graph_from_files(["**/catalog-info.yaml"], tmp_path)
    with CatalogServer(simulated.entities, token=None) as server:
        from_api = load_backstage_graph_from_api(server.base_url, None)

    def shape(entities: dict[str, CatalogEntity]) -> dict[str, Any]:
        return {ref: (e.depends_on, dict(e.annotations)) for ref, e in entities.items()}

    assert shape(from_files.entities) == shape(from_api.entities)
    assert resolve_depends_on(from_files) == resolve_depends_on(from_api) == []
    assert from_files.resolved == from_api.resolved and from_files.resolved
