"""Seed documents: the default account, YAML seed files, dumps, and generated graphs.

A seed document (YAML or JSON) looks like::

    settings: {unique_service_names: true, max_dependencies_per_service: 2000}
    faults: {rate_limit: {limit: 960, window_seconds: 60}, latency_ms: 0}
    vendors: [{id: PRO19CT, name: Backstage}]          # optional; replaces the defaults
    accounts:
      - name: default
        subdomain: sandbox
        region: us                                    # or eu
        tokens: [sandbox-token]
        abilities: [teams, time_based_alert_grouping]  # optional; default: all
        oauth_clients: [{client_id, client_secret, scopes: [services.read], expires_in: 3600}]
        users: [{name: Ada, email: ada@example.com}]
        teams: [{name: Platform, members: [Ada]}]
        escalation_policies: [{name: Default, users: [Ada], teams: [Platform]}]
        services: [{name: api, escalation_policy: Default, teams: [Platform],
                    integrations: [{vendor: PRO19CT}]}]
        business_services: [{name: Checkout}]
        dependencies: [{supporting: db, dependent: api}]
        alert_grouping_settings: [{type: time, config: {timeout: 300}, services: [api]}]
        incidents: [{service: api, title: Disk full}]
        oncalls: [{user: Ada, escalation_policy: Default}]
        change_events: [{service: api, summary: Deployed v2, links: [{href: ..., text: ...}]}]
        standards: {api: [{id: S1, name: Has runbook, type: custom, active: true, pass: false}]}
        metrics: {api: {mean_seconds_to_resolve: 600}}

Objects refer to each other by name or id; ids may be given and are otherwise generated.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Protocol

from ruamel.yaml import YAML

from pagerduty_actions.sandbox.account import SandboxAccount, now_iso
from pagerduty_actions.sandbox.credentials import OAuthClient
from pagerduty_actions.sandbox.faults import Faults
from pagerduty_actions.sandbox.grouping import normalised_config
from pagerduty_actions.sandbox.ids import IdFactory

BACKSTAGE_VENDOR_ID = "PRO19CT"

DEFAULT_VENDORS: list[dict[str, Any]] = [
    {
        "id": BACKSTAGE_VENDOR_ID,
        "name": "Backstage",
        "description": "Backstage developer portal integration.",
    },
    {"id": "PDATDOG", "name": "Datadog", "description": "Datadog monitoring."},
    {"id": "PGRAFNA", "name": "Grafana", "description": "Grafana alerting."},
    {"id": "PEVTAV2", "name": "Events API V2", "description": "PagerDuty Events API v2."},
    {"id": "PPROMTH", "name": "Prometheus", "description": "Prometheus Alertmanager."},
]

ALL_SCOPES = [
    "abilities.read",
    "analytics.read",
    "analytics.write",
    "change_events.read",
    "escalation_policies.read",
    "incidents.read",
    "incidents.write",
    "oncalls.read",
    "services.read",
    "services.write",
    "standards.read",
    "teams.read",
    "users.read",
    "vendors.read",
]


class SeededState(Protocol):
    """What a seed document is loaded into and dumped from: ``state.SandboxState``, which
    seeds, resets and reloads itself with this module (so this one does not import it)."""

    ids: IdFactory
    faults: Faults
    accounts: dict[str, SandboxAccount]
    tokens: dict[str, str]
    oauth_clients: dict[str, OAuthClient]
    vendors: dict[str, dict[str, Any]]
    extra_tokens: list[str]
    unique_service_names: bool
    max_dependencies_per_service: int

    def add_account(self, name: str, subdomain: str, region: str = "us") -> SandboxAccount: ...

    def add_token(self, token: str, account: str) -> None: ...

    def add_oauth_client(self, client: OAuthClient) -> None: ...


def default_seed() -> dict[str, Any]:
    """One account "default" (subdomain "sandbox"), a user, a team, two policies, all abilities."""
    return {
        "accounts": [
            {
                "name": "default",
                "subdomain": "sandbox",
                "tokens": ["sandbox-token"],
                "oauth_clients": [
                    {
                        "client_id": "sandbox-client",
                        "client_secret": "sandbox-secret",
                        "scopes": ALL_SCOPES,
                    }
                ],
                "users": [{"name": "Sandbox Admin", "email": "admin@sandbox.example.com"}],
                "teams": [{"name": "Platform", "members": ["Sandbox Admin"]}],
                "escalation_policies": [
                    {"name": "Default", "users": ["Sandbox Admin"]},
                    {"name": "Platform On-Call", "users": ["Sandbox Admin"], "teams": ["Platform"]},
                ],
                "oncalls": [
                    {"user": "Sandbox Admin", "escalation_policy": "Default"},
                    {"user": "Sandbox Admin", "escalation_policy": "Platform On-Call"},
                ],
            }
        ]
    }


def load_seed_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML (or JSON) seed file."""
    data = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"seed file {path} must contain a mapping")
    return data


def _ids(
    account: SandboxAccount, table: dict[str, Any], refs: list[str] | None, what: str
) -> list[str]:
    found = []
    for ref in refs or []:
        record = account.resolve(table, ref)
        if record is None:
            raise ValueError(f"seed: unknown {what} {ref!r} in account {account.name!r}")
        found.append(record["id"])
    return found


def _one(account: SandboxAccount, table: dict[str, Any], ref: str, what: str) -> str:
    return _ids(account, table, [ref], what)[0]


def _endpoint(account: SandboxAccount, ref: str) -> dict[str, str]:
    if account.resolve(account.services, ref) is not None:
        return {
            "id": _one(account, account.services, ref, "service"),
            "type": "technical_service_reference",
        }
    return {
        "id": _one(account, account.business_services, ref, "service"),
        "type": "business_service_reference",
    }


#: The keys a seed document, its ``settings`` and each of its accounts may have: a key outside
#: them (``service:`` for ``services:``) would otherwise load an account without what it names.
DOCUMENT_KEYS = ("settings", "faults", "vendors", "accounts")
SETTINGS_KEYS = ("unique_service_names", "max_dependencies_per_service")
ACCOUNT_KEYS = (
    "name",
    "subdomain",
    "region",
    "tokens",
    "abilities",
    "oauth_clients",
    "users",
    "teams",
    "escalation_policies",
    "services",
    "business_services",
    "dependencies",
    "alert_grouping_settings",
    "incidents",
    "oncalls",
    "change_events",
    "standards",
    "metrics",
)


def _known_keys(mapping: Any, known: tuple[str, ...], where: str) -> None:
    if not isinstance(mapping, dict):
        raise ValueError(f"seed: {where} must be a mapping, not {type(mapping).__name__}")
    unknown = sorted(str(key) for key in mapping if key not in known)
    if unknown:
        raise ValueError(
            f"seed: unknown key {', '.join(map(repr, unknown))} in {where}; "
            f"known keys: {', '.join(known)}"
        )


def apply_seed(state: SeededState, document: dict[str, Any]) -> None:
    """Load ``document`` into ``state`` (which should be empty); a key it does not know is an
    error naming the key, before anything is loaded."""
    _known_keys(document, DOCUMENT_KEYS, "the document")
    _known_keys(document.get("settings") or {}, SETTINGS_KEYS, "settings")
    for index, spec in enumerate(document.get("accounts") or []):
        _known_keys(spec, ACCOUNT_KEYS, f"accounts[{index}]")
    settings = document.get("settings") or {}
    state.unique_service_names = bool(settings.get("unique_service_names", True))
    state.max_dependencies_per_service = int(settings.get("max_dependencies_per_service", 2000))
    for vendor in document.get("vendors") or DEFAULT_VENDORS:
        state.ids.reserve(vendor["id"])
        state.vendors[vendor["id"]] = dict(vendor)
    for index, spec in enumerate(document.get("accounts") or []):
        account = state.add_account(
            spec["name"], spec.get("subdomain", spec["name"]), spec.get("region", "us")
        )
        tokens = list(spec.get("tokens") or [])
        if index == 0:
            tokens += state.extra_tokens
        for token in tokens:
            state.add_token(token, account.name)
        if "abilities" in spec:
            account.abilities = set(spec["abilities"])
        for client in spec.get("oauth_clients") or []:
            state.add_oauth_client(
                OAuthClient(
                    client["client_id"],
                    client["client_secret"],
                    account.name,
                    set(client.get("scopes") or ALL_SCOPES),
                    int(client.get("expires_in", 2592000)),
                )
            )
        _apply_objects(state, account, spec)
    if document.get("faults"):
        state.faults.configure(document["faults"])


def _apply_objects(state: SeededState, account: SandboxAccount, spec: dict[str, Any]) -> None:
    for user in spec.get("users") or []:
        account.add_user(user["name"], user["email"], user.get("role", "admin"), user.get("id"))
    for team in spec.get("teams") or []:
        record = account.add_team(team["name"], team.get("description", ""), team.get("id"))
        for user_id in _ids(account, account.users, team.get("members"), "user"):
            account.users[user_id]["team_ids"].append(record["id"])
    for policy in spec.get("escalation_policies") or []:
        account.add_escalation_policy(
            policy["name"],
            _ids(account, account.users, policy.get("users"), "user"),
            _ids(account, account.teams, policy.get("teams"), "team"),
            policy.get("description", ""),
            policy.get("id"),
        )
    for business in spec.get("business_services") or []:
        account.add_business_service(business["name"], business.get("id"))
    for service in spec.get("services") or []:
        fields = dict(service)
        fields["escalation_policy"] = _one(
            account, account.escalation_policies, service["escalation_policy"], "escalation policy"
        )
        fields["teams"] = _ids(account, account.teams, service.get("teams"), "team")
        record = account.create_service(fields, unique_names=False, seeded=True)
        for integration in service.get("integrations") or []:
            account.create_integration(record["id"], integration, state.vendors, seeded=True)
    for dep in spec.get("dependencies") or []:
        supporting, dependent = (
            _endpoint(account, dep["supporting"]),
            _endpoint(account, dep["dependent"]),
        )
        dep_id = dep.get("id") or account.ids.dependency_id()
        account.dependencies[dep_id] = {
            "id": dep_id,
            "supporting": supporting,
            "dependent": dependent,
        }
    for setting in spec.get("alert_grouping_settings") or []:
        setting_id = setting.get("id") or account.ids.object_id()
        account.ids.reserve(setting_id)
        account.grouping_settings[setting_id] = {
            "id": setting_id,
            "name": setting.get("name"),
            "description": setting.get("description"),
            "type": setting["type"],
            "config": normalised_config(setting["type"], setting.get("config")),
            "service_ids": _ids(account, account.services, setting.get("services"), "service"),
            "created_at": setting.get("created_at", now_iso()),
            "updated_at": setting.get("updated_at", now_iso()),
        }
    for incident in spec.get("incidents") or []:
        record = account.create_incident(
            _one(account, account.services, incident["service"], "service"),
            incident["title"],
            incident.get("urgency", "high"),
            incident.get("incident_key"),
            incident.get("status", "triggered"),
        )
        if incident.get("id"):
            account.incidents[incident["id"]] = account.incidents.pop(record["id"])
            record["id"] = incident["id"]
    for oncall in spec.get("oncalls") or []:
        account.oncalls.append(
            {
                "user_id": _one(account, account.users, oncall["user"], "user"),
                "escalation_policy_id": _one(
                    account,
                    account.escalation_policies,
                    oncall["escalation_policy"],
                    "escalation policy",
                ),
                "escalation_level": oncall.get("escalation_level", 1),
                "start": oncall.get("start", "2024-01-01T00:00:00Z"),
                "end": oncall.get("end", "2099-01-01T00:00:00Z"),
            }
        )
    for event in spec.get("change_events") or []:
        account.change_events.append(
            {
                "id": event.get("id") or account.ids.object_id(),
                "summary": event["summary"],
                "timestamp": event.get("timestamp", now_iso()),
                "source": event.get("source", ""),
                "service_ids": _ids(account, account.services, [event["service"]], "service"),
                "integration_id": event.get("integration"),
                "custom_details": event.get("custom_details", {}),
                "links": list(event.get("links") or []),
            }
        )
    for ref, standards in (spec.get("standards") or {}).items():
        account.standards[_one(account, account.services, ref, "service")] = list(standards)
    for ref, metrics in (spec.get("metrics") or {}).items():
        account.metrics[_one(account, account.services, ref, "service")] = dict(metrics)


def dump_seed(state: SeededState) -> dict[str, Any]:
    """``state`` as a seed document, ids included, so reloading reproduces it."""
    accounts = []
    for account in state.accounts.values():
        accounts.append(
            {
                "name": account.name,
                "subdomain": account.subdomain,
                "region": account.region,
                "tokens": [t for t, a in state.tokens.items() if a == account.name],
                "abilities": sorted(account.abilities),
                "oauth_clients": [
                    {
                        "client_id": c.client_id,
                        "client_secret": c.client_secret,
                        "scopes": sorted(c.scopes),
                        "expires_in": c.expires_in,
                    }
                    for c in state.oauth_clients.values()
                    if c.account == account.name
                ],
                "users": [
                    {"id": u["id"], "name": u["name"], "email": u["email"], "role": u["role"]}
                    for u in account.users.values()
                ],
                "teams": [
                    {
                        "id": t["id"],
                        "name": t["name"],
                        "description": t["description"],
                        "members": [
                            u["id"] for u in account.users.values() if t["id"] in u["team_ids"]
                        ],
                    }
                    for t in account.teams.values()
                ],
                "escalation_policies": [
                    {
                        "id": p["id"],
                        "name": p["name"],
                        "description": p["description"],
                        "users": p["user_ids"],
                        "teams": p["team_ids"],
                    }
                    for p in account.escalation_policies.values()
                ],
                "business_services": list(account.business_services.values()),
                "services": [_dump_service(account, s) for s in account.services.values()],
                "dependencies": [
                    {
                        "id": d["id"],
                        "supporting": d["supporting"]["id"],
                        "dependent": d["dependent"]["id"],
                    }
                    for d in account.dependencies.values()
                ],
                "alert_grouping_settings": [
                    {
                        "id": g["id"],
                        "name": g["name"],
                        "description": g["description"],
                        "type": g["type"],
                        "config": g["config"],
                        "services": g["service_ids"],
                        "created_at": g["created_at"],
                        "updated_at": g["updated_at"],
                    }
                    for g in account.grouping_settings.values()
                ],
                "incidents": [
                    {
                        "id": i["id"],
                        "service": i["service_id"],
                        "title": i["title"],
                        "status": i["status"],
                        "urgency": i["urgency"],
                        "incident_key": i["incident_key"],
                    }
                    for i in account.incidents.values()
                ],
                "oncalls": [
                    {
                        "user": o["user_id"],
                        "escalation_policy": o["escalation_policy_id"],
                        "escalation_level": o["escalation_level"],
                        "start": o["start"],
                        "end": o["end"],
                    }
                    for o in account.oncalls
                ],
                "change_events": [
                    {
                        "id": c["id"],
                        "service": c["service_ids"][0],
                        "summary": c["summary"],
                        "timestamp": c["timestamp"],
                        "source": c["source"],
                        "integration": c["integration_id"],
                        "custom_details": c["custom_details"],
                        "links": c.get("links") or [],
                    }
                    for c in account.change_events
                    if c["service_ids"]
                ],
                "standards": dict(account.standards),
                "metrics": dict(account.metrics),
            }
        )
    return {
        "settings": {
            "unique_service_names": state.unique_service_names,
            "max_dependencies_per_service": state.max_dependencies_per_service,
        },
        "vendors": list(state.vendors.values()),
        "accounts": accounts,
    }


def _dump_service(account: SandboxAccount, service: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "name",
        "description",
        "status",
        "auto_resolve_timeout",
        "acknowledgement_timeout",
        "alert_creation",
        "incident_urgency_rule",
    )
    dumped = {k: service[k] for k in keys}
    if service.get("auto_pause_notifications_parameters"):
        dumped["auto_pause_notifications_parameters"] = service[
            "auto_pause_notifications_parameters"
        ]
    dumped["escalation_policy"] = service["escalation_policy_id"]
    dumped["teams"] = service["team_ids"]
    dumped["integrations"] = [
        {k: account.integrations[i][k] for k in ("id", "name", "type", "integration_key")}
        | {"vendor": account.integrations[i]["vendor_id"]}
        for i in service["integration_ids"]
        if i in account.integrations
    ]
    return dumped


def generate_graph(
    n_services: int,
    avg_deps: float = 3,
    seed: int = 0,
    account: str = "default",
    subdomain: str = "sandbox",
) -> dict[str, Any]:
    """A seed document with ``n_services`` services and a random DAG of dependencies.

    Service ``svc-i`` only depends on services with a lower index, so the graph is acyclic;
    each service gets on average ``avg_deps`` supporting services.
    """
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    document = default_seed()
    spec = document["accounts"][0]
    spec["name"], spec["subdomain"] = account, subdomain
    spec["services"] = [
        {"id": _graph_id(i), "name": f"svc-{i:05d}", "escalation_policy": "Default"}
        for i in range(n_services)
    ]
    dependencies = []
    for i in range(1, n_services):
        count = min(i, rng.randint(0, max(0, round(2 * avg_deps))))
        for j in rng.sample(range(i), count):
            dependencies.append({"supporting": _graph_id(j), "dependent": _graph_id(i)})
    spec["dependencies"] = dependencies
    return document


def _graph_id(index: int) -> str:
    """A stable PagerDuty-style id for generated service ``index`` (P + 6 characters)."""
    return f"PG{index:05d}"
