"""A simulated Backstage catalog API, and generated catalogs that match sandbox graphs.

Test tooling, not product: the sync's tests and ``bench/`` import it (``tests/conftest.py`` and
``bench/sync_case.py`` put ``tests/fakes`` on the path), never the server.

The dependency sync's tests and benchmark need a catalog of up to thousands of components that
agrees with a sandbox PagerDuty account except for a known set of edges. This module serves the
two catalog routes the sync uses, the way Backstage answers them (``GET
/api/catalog/entities/by-query`` with filters, field projection and cursor pages; ``POST
/api/catalog/refresh``; bearer tokens; Backstage's error body), over an in-memory entity list,
records every request (never the token), and can fail the next requests on demand so retries
are testable. :func:`generate_catalog` builds the entities from a :func:`generate_graph` seed.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from flask import Flask, Response, jsonify, request
from ruamel.yaml import YAML
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

DEFAULT_CATALOG_TOKEN = "sandbox-catalog-token"
DEFAULT_LIMIT = 20
MANAGED_BY_LOCATION = "backstage.io/managed-by-location"
ORIGIN_LOCATION = "backstage.io/managed-by-origin-location"
SERVICE_ID_ANNOTATION = "pagerduty.com/service-id"

Entity = dict[str, Any]


@dataclass(frozen=True)
class CatalogRequest:
    """One request the simulated catalog answered (the Authorization header is not kept)."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int
    authenticated: bool


class CatalogState:
    """The entities served, accepted tokens, the request log, refreshes and queued faults."""

    def __init__(self, entities: list[Entity] | None = None, tokens: Sequence[str] = ()) -> None:
        self.entities: list[Entity] = entities if entities is not None else []
        self.tokens = set(tokens)
        self.requests: list[CatalogRequest] = []
        self.refreshed: list[str] = []
        self.lock = threading.Lock()
        self._faults: list[int] = []

    def fail_next(self, status: int = 503, times: int = 1) -> None:
        """Answer the next ``times`` catalog requests with ``status`` (and Backstage's error
        body) before serving normally again."""
        with self.lock:
            self._faults.extend([status] * times)

    def take_fault(self) -> int | None:
        with self.lock:
            return self._faults.pop(0) if self._faults else None


# -- Backstage's query semantics ----------------------------------------------------------------


def flatten(entity: Mapping[str, Any]) -> dict[str, set[str]]:
    """Entity data as Backstage's search table sees it: lower-cased dotted keys to values.

    Lists of plain values give both ``key = item`` and ``key.item = true``; lists of objects
    are descended into under the same key.
    """
    out: dict[str, set[str]] = {}

    def put(key: str, value: str) -> None:
        out.setdefault(key, set()).add(value.lower())

    def walk(value: Any, key: str) -> None:
        if isinstance(value, Mapping):
            for child_key, child in value.items():
                walk(child, f"{key}.{child_key}".lower() if key else str(child_key).lower())
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping | list):
                    walk(item, key)
                elif item is not None:
                    text = _plain(item)
                    put(key, text)
                    put(f"{key}.{text}".lower(), "true")
        elif value is not None and key:
            put(key, _plain(value))

    walk(entity, "")
    return out


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def matches(entity: Mapping[str, Any], filters: Sequence[str]) -> bool:
    """Backstage's filter: any filter set matches when all its conditions (``key`` or
    ``key=value``, comma-separated, case-insensitive) hold. No filter matches everything."""
    if not filters:
        return True
    flat = flatten(entity)
    for filter_set in filters:
        conditions = [c.strip() for c in filter_set.split(",") if c.strip()]
        if all(_holds(flat, condition) for condition in conditions):
            return True
    return False


def _holds(flat: Mapping[str, set[str]], condition: str) -> bool:
    key, sep, value = condition.partition("=")
    values = flat.get(key.strip().lower())
    if values is None:
        return False
    return not sep or value.strip().lower() in values


def project(entity: Mapping[str, Any], fields: Sequence[str]) -> Entity:
    """Only the ``fields`` (dotted paths; each keeps its whole subtree) of ``entity``."""
    if not fields:
        return dict(entity)
    out: Entity = {}
    for path in fields:
        parts = [p for p in path.strip().split(".") if p]
        value: Any = entity
        for part in parts:
            if not isinstance(value, Mapping) or part not in value:
                break
            value = value[part]
        else:
            if not parts:
                continue
            target = out
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = value
    return out


def _encode_cursor(filters: Sequence[str], offset: int) -> str:
    raw = json.dumps({"filters": list(filters), "offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[list[str], int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        filters, offset = data["filters"], data["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    if not isinstance(filters, list) or not isinstance(offset, int) or offset < 0:
        return None
    return [str(f) for f in filters], offset


def _normalised_ref(entity: Mapping[str, Any]) -> str:
    metadata = entity.get("metadata") or {}
    kind = str(entity.get("kind", "")).lower()
    return f"{kind}:{metadata.get('namespace') or 'default'}/{metadata.get('name')}".lower()


# -- the app -------------------------------------------------------------------------------------


def _error(status: int, name: str, message: str) -> Response:
    body = {
        "error": {"name": name, "message": message},
        "request": {"method": request.method, "url": request.full_path.rstrip("?")},
        "response": {"statusCode": status},
    }
    response = jsonify(body)
    response.status_code = status
    return response


_ERROR_NAMES = {400: "InputError", 401: "AuthenticationError", 404: "NotFoundError"}


def create_catalog_app(state: CatalogState) -> Flask:
    """The Flask app serving ``state`` under ``/api/catalog``."""
    app = Flask("backstage_catalog")

    def authenticated() -> bool:
        if not state.tokens:
            return True
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token.strip() in state.tokens

    def handle() -> Response:
        if not authenticated():
            return _error(401, "AuthenticationError", "Missing or invalid credentials")
        fault = state.take_fault()
        if fault is not None:
            return _error(fault, _ERROR_NAMES.get(fault, "Error"), "Injected failure")
        if request.path == "/api/catalog/entities/by-query" and request.method == "GET":
            return _query()
        if request.path == "/api/catalog/refresh" and request.method == "POST":
            return _refresh()
        return _error(404, "NotFoundError", f"No route for {request.method} {request.path}")

    def _query() -> Response:
        cursor = request.args.get("cursor")
        if cursor:
            decoded = _decode_cursor(cursor)
            if decoded is None:
                return _error(400, "InputError", "Malformed cursor")
            filters, offset = decoded
        else:
            filters, offset = request.args.getlist("filter"), 0
        try:
            limit = int(request.args.get("limit", DEFAULT_LIMIT))
        except ValueError:
            return _error(400, "InputError", "limit must be an integer")
        if limit < 0:
            return _error(400, "InputError", "limit must not be negative")
        fields = [f for raw in request.args.getlist("fields") for f in raw.split(",") if f]
        with state.lock:
            selected = [e for e in state.entities if matches(e, filters)]
        page = selected[offset : offset + limit]
        page_info: dict[str, str] = {}
        if offset + limit < len(selected):
            page_info["nextCursor"] = _encode_cursor(filters, offset + limit)
        if offset > 0:
            page_info["prevCursor"] = _encode_cursor(filters, max(0, offset - limit))
        return jsonify(
            {
                "items": [project(e, fields) for e in page],
                "totalItems": len(selected),
                "pageInfo": page_info,
            }
        )

    def _refresh() -> Response:
        body = request.get_json(silent=True)
        ref = body.get("entityRef") if isinstance(body, dict) else None
        if not isinstance(ref, str) or not ref:
            return _error(400, "InputError", "entityRef is required")
        with state.lock:
            state.refreshed.append(ref)
            known = any(_normalised_ref(e) == ref.lower() for e in state.entities)
        if not known:
            return _error(404, "NotFoundError", f"No entity with ref {ref} found")
        return Response(status=200)

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT", "DELETE"])
    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE"])
    def catch_all(path: str) -> Response:
        response = handle()
        with state.lock:
            state.requests.append(
                CatalogRequest(
                    method=request.method,
                    path=request.path,
                    query={k: request.args.getlist(k) for k in request.args},
                    body=request.get_json(silent=True),
                    status=response.status_code,
                    authenticated=authenticated(),
                )
            )
        return response

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class CatalogServer:
    """A running simulated catalog on loopback: ``base_url`` is the Backstage backend URL
    (the API is under ``/api/catalog``); ``entities``, ``requests`` and ``refreshed`` are live.

    ``token`` is the accepted bearer token (None: no authentication).
    """

    def __init__(
        self,
        entities: list[Entity] | None = None,
        token: str | None = DEFAULT_CATALOG_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.state = CatalogState(entities, [token] if token else [])
        self.token = token
        self.app = create_catalog_app(self.state)
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self._thread: threading.Thread | None = None
        self.host = host
        self.port = self._server.server_port

    def __repr__(self) -> str:
        return f"CatalogServer({self.base_url!r}, {len(self.entities)} entities)"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def entities(self) -> list[Entity]:
        return self.state.entities

    @property
    def requests(self) -> list[CatalogRequest]:
        return self.state.requests

    @property
    def refreshed(self) -> list[str]:
        return self.state.refreshed

    def fail_next(self, status: int = 503, times: int = 1) -> None:
        self.state.fail_next(status, times)

    def start(self) -> CatalogServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"catalog-sandbox-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> CatalogServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# -- generated catalogs --------------------------------------------------------------------------

Edge = tuple[str, str]  # (dependent service id, supporting service id)


@dataclass
class SimulatedCatalog:
    """Generated entities and how their edges differ from the PagerDuty seed they mirror."""

    entities: list[Entity]
    catalog_only: set[Edge] = field(default_factory=set)
    pagerduty_only: set[Edge] = field(default_factory=set)
    pagerduty_edges: set[Edge] = field(default_factory=set)

    @property
    def catalog_edges(self) -> set[Edge]:
        return (self.pagerduty_edges - self.pagerduty_only) | self.catalog_only

    @property
    def differing(self) -> int:
        return len(self.catalog_only) + len(self.pagerduty_only)


def generate_catalog(
    document: Mapping[str, Any],
    *,
    differing_fraction: float = 0.2,
    entities_per_repo: int = 10,
    seed: int = 0,
    repo_base: str = "https://github.com/example",
    branch: str = "main",
    namespace: str = "default",
) -> SimulatedCatalog:
    """Components matching the first account of a seed ``document`` (as from
    ``generate_graph``): one per service, annotated with its service id, ``dependsOn`` equal to
    PagerDuty's dependencies except ``round(differing_fraction * edges)`` differing edges (half
    dropped from the catalog, the rest catalog-only, all acyclic), and ``managed-by-location``
    in ``repo_base/repo-NNNN`` with ``entities_per_repo`` entities per repository.
    ``dependsOn`` entries use the spellings Backstage accepts (``svc``, ``component:svc``,
    ``Component:default/svc``), so ref resolution is exercised too.
    """
    if not 0 <= differing_fraction <= 1:
        raise ValueError("differing_fraction must be between 0 and 1")
    if entities_per_repo < 1:
        raise ValueError("entities_per_repo must be at least 1")
    rng = random.Random(seed)
    account = document["accounts"][0]
    services = [(str(s["id"]), str(s["name"])) for s in account.get("services") or []]
    index = {service_id: i for i, (service_id, _) in enumerate(services)}
    pd_edges = [
        (str(d["dependent"]), str(d["supporting"]))
        for d in account.get("dependencies") or []
        if str(d["dependent"]) in index and str(d["supporting"]) in index
    ]
    differing = round(differing_fraction * len(pd_edges))
    dropped = set(rng.sample(pd_edges, min(len(pd_edges), differing // 2)))
    added = _extra_edges(rng, services, set(pd_edges), differing - len(dropped))
    catalog_edges: dict[str, list[str]] = {}
    for dependent, supporting in [*pd_edges, *sorted(added)]:
        if (dependent, supporting) not in dropped:
            catalog_edges.setdefault(dependent, []).append(supporting)
    names = dict(services)
    entities = []
    for i, (service_id, name) in enumerate(services):
        repo = f"{repo_base.rstrip('/')}/repo-{i // entities_per_repo:04d}"
        location = f"url:{repo}/blob/{branch}/{name}/catalog-info.yaml"
        spec: Entity = {
            "type": "service",
            "lifecycle": "production",
            "owner": "group:default/platform",
        }
        depends_on = catalog_edges.get(service_id)
        if depends_on:
            spec["dependsOn"] = [_spelling(rng, names[s], namespace) for s in depends_on]
        entities.append(
            {
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "Component",
                "metadata": {
                    "name": name,
                    "namespace": namespace,
                    "annotations": {
                        SERVICE_ID_ANNOTATION: service_id,
                        MANAGED_BY_LOCATION: location,
                        ORIGIN_LOCATION: location,
                    },
                },
                "spec": spec,
            }
        )
    return SimulatedCatalog(
        entities=entities,
        catalog_only=added,
        pagerduty_only=dropped,
        pagerduty_edges=set(pd_edges),
    )


def _extra_edges(
    rng: random.Random, services: list[tuple[str, str]], existing: set[Edge], count: int
) -> set[Edge]:
    """``count`` new edges (dependent has the higher index, so the graph stays acyclic)."""
    added: set[Edge] = set()
    if len(services) < 2:
        return added
    attempts = 0
    while len(added) < count and attempts < 50 * (count + 1):
        attempts += 1
        i = rng.randrange(1, len(services))
        j = rng.randrange(0, i)
        edge = (services[i][0], services[j][0])
        if edge not in existing:
            added.add(edge)
    return added


def _spelling(rng: random.Random, name: str, namespace: str) -> str:
    form = rng.randrange(6)
    if form == 0:
        return name
    if form == 1:
        return f"Component:{namespace}/{name}"
    if form == 2 and namespace == "default":
        return f"{namespace}/{name}"
    return f"component:{name}"


def write_catalog_files(entities: Sequence[Entity], root: Path) -> dict[str, Path]:
    """Write each entity to ``root/<repo>/<path>`` taken from its ``managed-by-location``
    (for file-based and git end-to-end tests); returns the path of each normalised ref."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    written: dict[str, Path] = {}
    for entity in entities:
        location = str(entity["metadata"]["annotations"][MANAGED_BY_LOCATION])
        url = location.removeprefix("url:")
        repo_part, _, rest = url.partition("/blob/")
        relative = rest.partition("/")[2]
        path = root / repo_part.rsplit("/", 1)[-1] / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as stream:
            yaml.dump(entity, stream)
        written[_normalised_ref(entity)] = path
    return written
