"""A small world for the admin pages' tests (the Flask test client here, a real browser in
tests/e2e): a sandbox PagerDuty account, catalog files in two git checkouts whose remotes are
bare repositories on disk (``integrations.local``), and the real services over SQLite.

  shop (repo):   checkout   -> service PCHKOUT by annotation          mapped in source
                 inventory  (owner platform, no annotation)           unmapped, suggested PINVTRY
                 billing    (owner platform, no annotation)           unmapped, suggested PBILLNG
                 legacy-ui  (annotation names PGONE01)                conflict: no such service
  tools (repo):  search     (override only: stored, not annotated)    override only
                 reports-a, reports-b (both annotate PREPORT)         conflict: two claims
  PagerDuty:     PCHKOUT Checkout, PINVTRY Inventory Service, PBILLNG Billing (team Platform),
                 PSEARCH Search, PREPORT Reports, PORPHAN Orphan Queue (no component)
  PagerDuty dependencies: checkout -> search, checkout -> orphan queue
  catalog dependsOn:      checkout -> inventory
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from git_cli import git
from pagerduty_actions.bootstrap import build_services
from pagerduty_actions.config import Config, validate_config
from pagerduty_actions.pagerduty import AccountSet, ClientPool
from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer, default_seed
from pagerduty_actions.services import Services

ADMIN_TOKEN = "ui-admin-token-0123456789abcdef"
VIEWER_TOKEN = "ui-viewer-token-0123456789abcdef"  # may run only the sync action
SERVICES = {
    "PCHKOUT": ("Checkout", None),
    "PINVTRY": ("Inventory Service", "Platform"),
    "PBILLNG": ("Billing", "Platform"),
    "PSEARCH": ("Search", None),
    "PREPORT": ("Reports", None),
    "PORPHAN": ("Orphan Queue", None),
}
PD_DEPS = [("PCHKOUT", "PSEARCH"), ("PCHKOUT", "PORPHAN")]


def seed() -> dict[str, Any]:
    document = default_seed()
    account = document["accounts"][0]
    account["services"] = [
        {
            "id": sid,
            "name": name,
            "escalation_policy": "Default",
            **({"teams": [team]} if team else {}),
        }
        for sid, (name, team) in SERVICES.items()
    ]
    account["dependencies"] = [{"dependent": d, "supporting": s} for d, s in PD_DEPS]
    return document


def component(
    name: str,
    *,
    service: str | None = None,
    owner: str = "team-shop",
    depends: list[str] | None = None,
) -> str:
    lines = [
        "apiVersion: backstage.io/v1alpha1",
        "kind: Component",
        "metadata:",
        f"  name: {name}",
    ]
    if service:
        lines += ["  annotations:", f"    pagerduty.com/service-id: {service}"]
    lines += ["spec:", "  type: service", "  lifecycle: production", f"  owner: {owner}"]
    if depends:
        lines.append("  dependsOn:")
        lines += [f"    - {d}" for d in depends]
    return "\n".join(lines) + "\n"


FILES = {
    "shop": {
        "checkout/catalog-info.yaml": component(
            "checkout", service="PCHKOUT", depends=["component:inventory"]
        ),
        "inventory/catalog-info.yaml": component("inventory", owner="group:default/platform"),
        "billing/catalog-info.yaml": component("billing", owner="platform"),
        "legacy-ui/catalog-info.yaml": component("legacy-ui", service="PGONE01"),
    },
    "tools": {
        "search/catalog-info.yaml": component("search"),
        "reports/catalog-info.yaml": component("reports-a", service="PREPORT")
        + "---\n"
        + component("reports-b", service="PREPORT"),
    },
}


@dataclass
class World:
    root: Path
    bare: dict[str, Path]
    checkouts: dict[str, Path]

    def branches(self, repo: str) -> list[str]:
        out = git(
            self.root,
            "--git-dir",
            str(self.bare[repo]),
            "for-each-ref",
            "--format=%(refname:short)",
            "refs/heads",
        )
        return out.splitlines()

    def show(self, repo: str, ref: str, path: str) -> str:
        return git(self.root, "--git-dir", str(self.bare[repo]), "show", f"{ref}:{path}")

    def commits(self, repo: str, ref: str) -> list[str]:
        return git(
            self.root, "--git-dir", str(self.bare[repo]), "log", "--format=%s", ref
        ).splitlines()


def github_url(name: str) -> str:
    return f"https://github.com/acme/{name}"


def github_env(world: World) -> dict[str, str]:
    """git told to fetch and push ``https://github.com/acme/<repo>`` from and to the bare
    repositories (``url.<bare>.insteadOf``, through the environment)."""
    env = {"GIT_CONFIG_COUNT": str(len(world.bare))}
    for i, (name, path) in enumerate(sorted(world.bare.items())):
        env[f"GIT_CONFIG_KEY_{i}"] = f"url.{path.as_uri()}.insteadOf"
        env[f"GIT_CONFIG_VALUE_{i}"] = f"{github_url(name)}.git"
    return env


def make_world(root: Path, *, github: bool = False) -> World:
    """Checkouts whose ``origin`` is the bare repository's path, or (``github``) its
    github.com URL (then set ``github_env`` for git to reach it)."""
    world = World(root, {}, {})
    for name, files in FILES.items():
        bare = root / "remotes" / f"{name}.git"
        bare.parent.mkdir(parents=True, exist_ok=True)
        git(root, "init", "-q", "--bare", "--initial-branch=main", str(bare))
        work = root / "checkouts" / name
        work.mkdir(parents=True)
        git(work, "init", "-q", "--initial-branch=main")
        for rel, text in files.items():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_text(text, encoding="utf-8")
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", "seed")
        git(work, "remote", "add", "origin", github_url(name) if github else str(bare))
        git(work, "push", "-q", str(bare), "HEAD:refs/heads/main")
        world.bare[name] = bare
        world.checkouts[name] = work
    return world


def config_data(pd: SandboxServer, world: World, database_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "dataDir": str(world.root / "data"),
        "database": {"url": database_url},
        "auth": {
            "tokens": [
                {"name": "admin", "token": ADMIN_TOKEN},
                {
                    "name": "viewer",
                    "token": VIEWER_TOKEN,
                    "actions": ["pagerduty:dependencies:sync"],
                },
            ]
        },
        "pagerDuty": {
            "apiToken": DEFAULT_TOKEN,
            "apiBaseUrl": pd.base_url,
            "eventsBaseUrl": pd.events_url,
        },
        "catalog": {"files": [str(world.root / "checkouts/*/*/catalog-info.yaml")]},
        "integrations": {"local": [{"root": str(world.root / "remotes")}]},
        **extra,
    }


def make_services(config: Config) -> Services:
    """The real services; PagerDuty's retries wait milliseconds."""
    services = build_services(config)
    assert services.pagerduty is not None
    services.pagerduty.close()
    services.pagerduty = ClientPool(
        AccountSet.from_config(config.section("pagerDuty")),
        backoff_base=0.01,
        backoff_cap=0.05,
        max_retry_seconds=2,
    )
    return services


def make_config(pd: SandboxServer, world: World, database_url: str, **extra: Any) -> Config:
    return validate_config(config_data(pd, world, database_url, **extra), "ui test config")
