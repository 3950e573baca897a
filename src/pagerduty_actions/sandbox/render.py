"""Records to PagerDuty API shapes: references, ``self``/``html_url`` links, summaries, includes.

Kept apart from the routes so every endpoint renders an object the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pagerduty_actions.sandbox.account import Record, SandboxAccount

STANDARDS = (
    ("BS1", "Service has a description", "service_has_description"),
    ("BS2", "Service is owned by a team", "service_has_team"),
    ("BS3", "Service has at least one integration", "service_has_integration"),
    ("BS4", "Service uses alert grouping", "service_has_alert_grouping"),
)


@dataclass(frozen=True)
class Links:
    """Where this account's objects live: the sandbox's API base and the account's web UI."""

    api: str
    html: str

    @classmethod
    def for_account(cls, api_base: str, account: SandboxAccount) -> Links:
        """Links for ``account`` served at ``api_base``."""
        eu = ".eu" if account.region == "eu" else ""
        return cls(api_base.rstrip("/"), f"https://{account.subdomain}{eu}.pagerduty.com")


def reference(kind: str, record: Record, self_url: str | None, html_url: str | None) -> Record:
    """A ``*_reference`` object."""
    return {
        "id": record["id"],
        "type": f"{kind}_reference",
        "summary": record.get("name"),
        "self": self_url,
        "html_url": html_url,
    }


def user_ref(links: Links, user: Record) -> Record:
    """A user reference."""
    return reference(
        "user", user, f"{links.api}/users/{user['id']}", f"{links.html}/users/{user['id']}"
    )


def team_ref(links: Links, team: Record) -> Record:
    """A team reference."""
    return reference(
        "team", team, f"{links.api}/teams/{team['id']}", f"{links.html}/teams/{team['id']}"
    )


def policy_ref(links: Links, policy: Record) -> Record:
    """An escalation policy reference."""
    return reference(
        "escalation_policy",
        policy,
        f"{links.api}/escalation_policies/{policy['id']}",
        f"{links.html}/escalation_policies/{policy['id']}",
    )


def service_ref(links: Links, service: Record) -> Record:
    """A service reference."""
    return reference(
        "service",
        service,
        f"{links.api}/services/{service['id']}",
        f"{links.html}/service-directory/{service['id']}",
    )


def integration_ref(links: Links, integration: Record) -> Record:
    """An integration reference."""
    sid, iid = integration["service_id"], integration["id"]
    return {
        "id": iid,
        "type": f"{integration['type']}_reference",
        "summary": integration["name"],
        "self": f"{links.api}/services/{sid}/integrations/{iid}",
        "html_url": f"{links.html}/services/{sid}/integrations/{iid}",
    }


def user(links: Links, account: SandboxAccount, record: Record) -> Record:
    """A full user object."""
    return {
        **user_ref(links, record),
        "type": "user",
        "name": record["name"],
        "email": record["email"],
        "role": record["role"],
        "time_zone": record["time_zone"],
        "description": None,
        "job_title": "",
        "invitation_sent": False,
        "teams": [
            team_ref(links, account.teams[t]) for t in record["team_ids"] if t in account.teams
        ],
        "contact_methods": [],
        "notification_rules": [],
    }


def team(links: Links, record: Record) -> Record:
    """A full team object."""
    return {
        **team_ref(links, record),
        "type": "team",
        "name": record["name"],
        "description": record["description"],
        "default_role": "manager",
    }


def escalation_policy(links: Links, account: SandboxAccount, record: Record) -> Record:
    """A full escalation policy object with one rule."""
    targets = [user_ref(links, account.users[u]) for u in record["user_ids"] if u in account.users]
    rules = [{"id": record["id"] + "R", "escalation_delay_in_minutes": 30, "targets": targets}]
    return {
        **policy_ref(links, record),
        "type": "escalation_policy",
        "name": record["name"],
        "description": record["description"],
        "num_loops": record["num_loops"],
        "on_call_handoff_notifications": "if_has_services",
        "escalation_rules": rules if targets else [],
        "services": [
            service_ref(links, s)
            for s in account.services.values()
            if s["escalation_policy_id"] == record["id"]
        ],
        "teams": [
            team_ref(links, account.teams[t]) for t in record["team_ids"] if t in account.teams
        ],
    }


def integration(
    links: Links, account: SandboxAccount, record: Record, vendors: dict[str, Record]
) -> Record:
    """A full integration object, including its integration key."""
    body = {
        **integration_ref(links, record),
        "type": record["type"],
        "name": record["name"],
        "created_at": record["created_at"],
        "integration_key": record["integration_key"],
    }
    service = account.services.get(record["service_id"])
    if service is not None:
        body["service"] = service_ref(links, service)
    vendor_id = record.get("vendor_id")
    if vendor_id in vendors:
        body["vendor"] = reference(
            "vendor", vendors[vendor_id], f"{links.api}/vendors/{vendor_id}", None
        )
    return body


def vendor(links: Links, record: Record) -> Record:
    """A vendor object."""
    return {
        "id": record["id"],
        "type": "vendor",
        "summary": record["name"],
        "self": f"{links.api}/vendors/{record['id']}",
        "html_url": None,
        "name": record["name"],
        "description": record.get("description", ""),
        "website_url": record.get("website_url", "https://www.pagerduty.com"),
        "logo_url": record.get("logo_url", "https://www.pagerduty.com/logo.png"),
        "thumbnail_url": record.get("thumbnail_url", "https://www.pagerduty.com/thumb.png"),
        "integration_guide_url": record.get(
            "integration_guide_url", "https://www.pagerduty.com/docs/guides/"
        ),
    }


def service(
    links: Links,
    account: SandboxAccount,
    record: Record,
    vendors: dict[str, Record],
    include: set[str],
) -> Record:
    """A full service object; ``include`` expands policies, teams and integrations."""
    policy = account.escalation_policies.get(record["escalation_policy_id"])
    teams = [account.teams[t] for t in record["team_ids"] if t in account.teams]
    integrations = [
        account.integrations[i] for i in record["integration_ids"] if i in account.integrations
    ]
    body: Record = {
        **service_ref(links, record),
        "type": "service",
        "name": record["name"],
        "description": record["description"],
        "status": record["status"],
        "auto_resolve_timeout": record["auto_resolve_timeout"],
        "acknowledgement_timeout": record["acknowledgement_timeout"],
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
        "alert_creation": record["alert_creation"],
        "incident_urgency_rule": record["incident_urgency_rule"],
        "auto_pause_notifications_parameters": dict(
            record.get("auto_pause_notifications_parameters") or {"enabled": False}
        ),
        "scheduled_actions": [],
        "addons": [],
        "teams": [team(links, t) if "teams" in include else team_ref(links, t) for t in teams],
        "integrations": [
            integration(links, account, i, vendors)
            if "integrations" in include
            else integration_ref(links, i)
            for i in integrations
        ],
    }
    if policy is not None:
        body["escalation_policy"] = (
            escalation_policy(links, account, policy)
            if "escalation_policies" in include
            else policy_ref(links, policy)
        )
    if record.get("last_incident_timestamp"):
        body["last_incident_timestamp"] = record["last_incident_timestamp"]
    if record.get("alert_grouping_parameters") is not None:
        body["alert_grouping_parameters"] = record["alert_grouping_parameters"]
    return body


def grouping_setting(links: Links, account: SandboxAccount, record: Record) -> Record:
    """An alert grouping setting."""
    config = dict(record["config"])
    if record["type"] != "time":
        config["recommended_time_window"] = 300
    return {
        "id": record["id"],
        "name": record.get("name"),
        "description": record.get("description"),
        "type": record["type"],
        "config": config,
        "services": [
            service_ref(links, account.services[s])
            for s in record["service_ids"]
            if s in account.services
        ],
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
    }


def dependency(record: Record) -> Record:
    """A service dependency relationship."""
    return {
        "id": record["id"],
        "type": "service_dependency",
        "supporting_service": dict(record["supporting"]),
        "dependent_service": dict(record["dependent"]),
    }


def incident(links: Links, account: SandboxAccount, record: Record) -> Record:
    """A full incident object."""
    service = account.services.get(record["service_id"])
    policy = account.escalation_policies.get(record["escalation_policy_id"] or "")
    body: Record = {
        "id": record["id"],
        "type": "incident",
        "summary": f"[#{record['number']}] {record['title']}",
        "self": f"{links.api}/incidents/{record['id']}",
        "html_url": f"{links.html}/incidents/{record['id']}",
        "incident_number": record["number"],
        "title": record["title"],
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
        "status": record["status"],
        "incident_key": record["incident_key"],
        "urgency": record["urgency"],
        "assignments": _assignments(links, account, record),
        "acknowledgements": [],
        "pending_actions": [],
        "teams": [],
        "is_mergeable": True,
        "assigned_via": "escalation_policy",
        "last_status_change_at": record["updated_at"],
        "alert_counts": {
            "all": 1,
            "triggered": int(record["status"] != "resolved"),
            "resolved": int(record["status"] == "resolved"),
        },
    }
    if service is not None:
        body["service"] = service_ref(links, service)
    if policy is not None:
        body["escalation_policy"] = policy_ref(links, policy)
    return body


def _assignments(links: Links, account: SandboxAccount, record: Record) -> list[Record]:
    """Who the incident is assigned to; a resolved incident is assigned to no one."""
    if record["status"] == "resolved":
        return []
    return [
        {"at": record["created_at"], "assignee": user_ref(links, account.users[u])}
        for u in record.get("assignee_ids", [])
        if u in account.users
    ]


def oncall(
    links: Links,
    account: SandboxAccount,
    record: Record,
    include: frozenset[str] | set[str] = frozenset(),
) -> Record:
    """An on-call entry; ``include`` (``users``, ``escalation_policies``) embeds full objects
    instead of references, as PagerDuty's ``include[]`` does."""
    body: Record = {
        "escalation_level": record.get("escalation_level", 1),
        "start": record.get("start", "2024-01-01T00:00:00Z"),
        "end": record.get("end", "2099-01-01T00:00:00Z"),
    }
    policy = account.escalation_policies.get(record["escalation_policy_id"])
    on_call_user = account.users.get(record["user_id"])
    if policy is not None:
        body["escalation_policy"] = (
            escalation_policy(links, account, policy)
            if "escalation_policies" in include
            else policy_ref(links, policy)
        )
    if on_call_user is not None:
        body["user"] = (
            user(links, account, on_call_user)
            if "users" in include
            else user_ref(links, on_call_user)
        )
    return body


def change_event(links: Links, account: SandboxAccount, record: Record) -> Record:
    """A change event."""
    body: Record = {
        "id": record["id"],
        "type": "change_event",
        "summary": record["summary"],
        "self": f"{links.api}/change_events/{record['id']}",
        "html_url": f"{links.html}/change_events/{record['id']}",
        "timestamp": record["timestamp"],
        "source": record.get("source", ""),
        "links": list(record.get("links") or []),
        "images": list(record.get("images") or []),
        "custom_details": record.get("custom_details", {}),
        "services": [
            service_ref(links, account.services[s])
            for s in record["service_ids"]
            if s in account.services
        ],
    }
    integration_id = record.get("integration_id")
    if integration_id in account.integrations:
        body["integration"] = integration_ref(links, account.integrations[integration_id])
    return body


def standards_score(account: SandboxAccount, service_record: Record) -> Record:
    """Standards evaluation of a service: seeded results, else computed from the service."""
    standards = account.standards.get(service_record["id"])
    if standards is None:
        grouped = any(
            service_record["id"] in s["service_ids"] for s in account.grouping_settings.values()
        )
        passed = {
            "service_has_description": bool(service_record["description"]),
            "service_has_team": bool(service_record["team_ids"]),
            "service_has_integration": bool(service_record["integration_ids"]),
            "service_has_alert_grouping": grouped,
        }
        standards = [
            {
                "id": sid,
                "name": name,
                "type": kind,
                "active": True,
                "description": name + ".",
                "pass": passed[kind],
            }
            for sid, name, kind in STANDARDS
        ]
    return {
        "resource_id": service_record["id"],
        "resource_type": "technical_service",
        "score": {"passing": sum(bool(s["pass"]) for s in standards), "total": len(standards)},
        "standards": standards,
    }


def service_metrics(account: SandboxAccount, service_record: Record) -> dict[str, Any]:
    """Incident metrics for one service: seeded numbers over counts from its incidents."""
    incidents = [i for i in account.incidents.values() if i["service_id"] == service_record["id"]]
    teams = [account.teams[t] for t in service_record["team_ids"] if t in account.teams]
    metrics: dict[str, Any] = {
        "service_id": service_record["id"],
        "service_name": service_record["name"],
        "total_incident_count": len(incidents),
        "total_incidents_acknowledged": sum(i["status"] != "triggered" for i in incidents),
        "total_escalation_count": 0,
        "total_interruptions": 0,
        "total_notifications": 0,
        "mean_seconds_to_resolve": 0,
        "mean_seconds_to_first_ack": 0,
        "mean_assignment_count": 1 if incidents else 0,
        "up_time_pct": 100.0,
    }
    if teams:
        metrics["team_id"], metrics["team_name"] = teams[0]["id"], teams[0]["name"]
    metrics.update(account.metrics.get(service_record["id"], {}))
    return metrics
