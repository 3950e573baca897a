"""A small world for the sync's end-to-end tests: a sandbox PagerDuty account, a catalog (the
simulated catalog API or catalog files on disk, optionally in git checkouts whose remotes are
bare repositories), and the real services built from a config over a real database.

The same five components are used everywhere, so each strategy's expected outcome can be
written out by hand:

  PagerDuty:  checkout -> search, payments -> db, checkout -> legacy, search -> db
  Backstage:  checkout -> payments, resource:bucket, component:ghost (not in the catalog)
              payments -> Component:default/DB
              inventory (no PagerDuty annotation) -> checkout
  legacy has a PagerDuty service but no component.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backstage_catalog import CatalogServer
from ruamel.yaml import YAML

from git_cli import git
from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import validate_config
from pagerduty_actions.pagerduty import AccountSet, ClientPool
from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer, default_seed
from pagerduty_actions.services import Services

IDS = {
    "checkout": "PCHKOUT",
    "payments": "PPAYMNT",
    "db": "PDBASE1",
    "search": "PSEARCH",
    "legacy": "PLEGACY",
}
NAMES = {v: k for k, v in IDS.items()}
PD_DEPS = [("checkout", "search"), ("payments", "db"), ("checkout", "legacy"), ("search", "db")]
DEPENDS_ON: dict[str, list[str]] = {
    "checkout": ["payments", "resource:default/bucket", "component:default/ghost"],
    "payments": ["Component:default/DB"],
    "db": [],
    "search": [],
    "inventory": ["checkout"],
}
# What PagerDuty holds after the ``backstage`` strategy: Backstage's edges between mapped
# services, plus checkout -> legacy (legacy is not mapped: unmanaged, kept).
AFTER_BACKSTAGE = {("checkout", "payments"), ("payments", "db"), ("checkout", "legacy")}
GITHUB_TOKEN = "ghp_SyncTestTokenDoNotLeak0123456789abcd"
REPO_OF = {"checkout": "repo-a", "payments": "repo-a", "search": "repo-b", "db": "repo-b"}


def seed(extra_services: Iterable[str] = (), deps: Iterable[tuple[str, str]] = PD_DEPS) -> dict:
    document = default_seed()
    account = document["accounts"][0]
    names = {**IDS, **{n: f"PX{i:05d}" for i, n in enumerate(extra_services)}}
    account["services"] = [
        {"id": sid, "name": name, "escalation_policy": "Default"} for name, sid in names.items()
    ]
    account["dependencies"] = [{"dependent": d, "supporting": s} for d, s in deps]
    return document


def entity(name: str, *, location: str | None = None, annotate: bool = True) -> dict[str, Any]:
    annotations: dict[str, str] = {}
    if annotate and name in IDS:
        annotations["pagerduty.com/service-id"] = IDS[name]
    if location:
        annotations["backstage.io/managed-by-location"] = location
    spec: dict[str, Any] = {"type": "service", "lifecycle": "production", "owner": "team-a"}
    if DEPENDS_ON.get(name):
        spec["dependsOn"] = list(DEPENDS_ON[name])
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": name, "namespace": "default", "annotations": annotations},
        "spec": spec,
    }


def entities(location_of: dict[str, str] | None = None) -> list[dict[str, Any]]:
    location_of = location_of or {}
    return [entity(n, location=location_of.get(n)) for n in DEPENDS_ON]


def yaml_bytes(doc: dict[str, Any]) -> bytes:
    out = io.StringIO()
    YAML().dump(doc, out)
    return out.getvalue().encode()


def repo_files() -> dict[str, dict[str, bytes]]:
    """The world's catalog files by repository (see ``REPO_OF``): ``<name>/catalog-info.yaml``."""
    files: dict[str, dict[str, bytes]] = {"repo-a": {}, "repo-b": {}}
    for doc in entities():
        name = doc["metadata"]["name"]
        files[REPO_OF.get(name, "repo-a")][f"{name}/catalog-info.yaml"] = yaml_bytes(doc)
    return files


def write_entity_files(root: Path, docs: list[dict[str, Any]]) -> dict[str, Path]:
    """One ``<name>.yaml`` per entity under ``root``; returns name -> path."""
    yaml = YAML()
    yaml.default_flow_style = False
    root.mkdir(parents=True, exist_ok=True)
    out = {}
    for doc in docs:
        name = doc["metadata"]["name"]
        path = root / f"{name}.yaml"
        with path.open("w", encoding="utf-8") as stream:
            yaml.dump(doc, stream)
        out[name] = path
    return out


def depends_on_in(path: Path | str | bytes, name: str | None = None) -> list[str]:
    """``spec.dependsOn`` of the (named) component in a catalog file's text or path."""
    text = path.decode() if isinstance(path, bytes) else Path(path).read_text(encoding="utf-8")
    for doc in YAML(typ="safe").load_all(text):
        if name is None or doc["metadata"]["name"] == name:
            return list((doc.get("spec") or {}).get("dependsOn") or [])
    raise AssertionError(f"no component {name} in the file")


def pd_edges(pd: SandboxServer) -> set[tuple[str, str]]:
    """The sandbox's dependencies as (dependent name, supporting name)."""
    account = pd.state.accounts["default"]
    with pd.state.lock:
        return {
            (
                NAMES.get(d["dependent"]["id"], d["dependent"]["id"]),
                NAMES.get(d["supporting"]["id"], d["supporting"]["id"]),
            )
            for d in account.dependencies.values()
        }


def pd_writes(pd: SandboxServer) -> list[str]:
    return [
        e.path
        for e in pd.state.requests()
        if e.method != "GET" and not e.path.startswith(("/_sandbox", "/oauth"))
    ]


def pd_calls(pd: SandboxServer) -> int:
    return len([e for e in pd.state.requests() if not e.path.startswith(("/_sandbox", "/oauth"))])


def catalog_api(server: CatalogServer) -> dict[str, Any]:
    """The ``backstage`` config section reading the simulated catalog API."""
    return {"baseUrl": server.base_url, "token": server.token}


def git_catalog(tmp_path: Path) -> dict[str, Any]:
    """Config sections for the catalog files of ``make_repos(tmp_path / "git")`` checkouts,
    delivered through github.com (the repos' remotes) with a token."""
    return {
        "catalog": {"files": [str(tmp_path / "git/checkouts/*/*/catalog-info.yaml")]},
        "integrations": {"github": [{"host": "github.com", "token": GITHUB_TOKEN}]},
    }


def make_services(
    pd: SandboxServer, database_url: str, data_dir: Path, **sections: Any
) -> Services:
    """The real services from a validated config; PagerDuty's retries wait milliseconds."""
    pagerduty = {
        "apiToken": DEFAULT_TOKEN,
        "apiBaseUrl": pd.base_url,
        "eventsBaseUrl": pd.events_url,
    }
    config = validate_config(
        {
            "dataDir": str(data_dir),
            "database": {"url": database_url},
            "auth": {"tokens": [{"name": "backstage", "token": "sync-test-token-0123456789"}]},
            "pagerDuty": pagerduty,
            **sections,
        },
        "sync test config",
    )
    services = build_services(config)
    assert services.pagerduty is not None
    services.pagerduty.close()
    services.pagerduty = ClientPool(
        AccountSet.from_config(pagerduty),
        backoff_base=0.01,
        backoff_cap=0.05,
        max_retry_seconds=2,
    )
    return services


# -- git -------------------------------------------------------------------------------------


@dataclass
class Repos:
    """Bare repositories playing ``https://github.com/acme/<name>``, with checkouts whose
    ``origin`` says so; git is told (``url.<bare>.insteadOf``, through the environment) to
    fetch and push those URLs from and to the bare repositories."""

    root: Path
    bare: dict[str, Path] = field(default_factory=dict)
    checkouts: dict[str, Path] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"https://github.com/acme/{name}"

    def git_env(self) -> dict[str, str]:
        env = {"GIT_CONFIG_COUNT": str(len(self.bare))}
        for i, (name, path) in enumerate(sorted(self.bare.items())):
            env[f"GIT_CONFIG_KEY_{i}"] = f"url.{path.as_uri()}.insteadOf"
            env[f"GIT_CONFIG_VALUE_{i}"] = f"{self.url(name)}.git"
        return env

    def read(self, name: str, path: str, branch: str = "main") -> bytes:
        return subprocess.run(
            ["git", "cat-file", "blob", f"{branch}:{path}"],
            cwd=self.bare[name],
            capture_output=True,
            check=True,
        ).stdout

    def branches(self, name: str) -> list[str]:
        out = git(self.bare[name], "for-each-ref", "--format=%(refname:short)", "refs/heads")
        return sorted(out.split())


def make_repos(root: Path, files: dict[str, dict[str, bytes]]) -> Repos:
    """``files``: repository name -> {path: content}; each gets a bare remote and a checkout."""
    repos = Repos(root)
    for name, content in files.items():
        bare = root / "remotes" / f"{name}.git"
        bare.parent.mkdir(parents=True, exist_ok=True)
        git(root, "init", "-q", "--bare", "--initial-branch=main", str(bare))
        work = root / "checkouts" / name
        work.mkdir(parents=True)
        git(work, "init", "-q", "--initial-branch=main")
        for rel, data in content.items():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_bytes(data)
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", "seed")
        git(work, "push", "-q", bare.as_uri(), "HEAD:refs/heads/main")
        git(work, "remote", "add", "origin", repos.url(name))
        repos.bare[name] = bare
        repos.checkouts[name] = work
    return repos


def gh_pull(repo: str, number: int) -> dict[str, Any]:
    return {
        "number": number,
        "html_url": f"https://github.com/acme/{repo}/pull/{number}",
        "head": {"ref": "pagerduty/sync-dependencies"},
        "base": {"ref": "main"},
        "draft": False,
    }
