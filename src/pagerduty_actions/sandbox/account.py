"""One simulated PagerDuty account: its objects and the rules PagerDuty applies when they change.

Records are plain JSON-like dicts holding only what the account stores; ``render`` turns them into
API shapes. Every method here expects the caller to hold the sandbox state's lock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pagerduty_actions.sandbox.dependency_table import DependencyTable
from pagerduty_actions.sandbox.errors import invalid_input, not_found
from pagerduty_actions.sandbox.ids import IdFactory, integration_key

Record = dict[str, Any]

ALL_ABILITIES = (
    "teams",
    "read_only_users",
    "urgencies",
    "service_support_hours",
    "event_rules",
    "manage_schedules",
    "preview_intelligent_alert_grouping",
    "time_based_alert_grouping",
    "content_based_alert_grouping",
    "service_dependencies",
    "business_services",
    "analytics",
    "standards",
    "change_events",
)

SERVICE_TYPES = {"service", "technical_service", "technical_service_reference"}
BUSINESS_TYPES = {"business_service", "business_service_reference"}


def now_iso() -> str:
    """Current UTC time in PagerDuty's timestamp format."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SandboxAccount:
    """A PagerDuty account (subdomain) with its own data and abilities."""

    name: str
    subdomain: str
    ids: IdFactory
    region: str = "us"
    abilities: set[str] = field(default_factory=lambda: set(ALL_ABILITIES))
    users: dict[str, Record] = field(default_factory=dict)
    teams: dict[str, Record] = field(default_factory=dict)
    escalation_policies: dict[str, Record] = field(default_factory=dict)
    services: dict[str, Record] = field(default_factory=dict)
    integrations: dict[str, Record] = field(default_factory=dict)
    business_services: dict[str, Record] = field(default_factory=dict)
    grouping_settings: dict[str, Record] = field(default_factory=dict)
    # A DependencyTable (indexed); a plain dict assigned here is converted on first use.
    dependencies: dict[str, Record] = field(default_factory=DependencyTable)
    incidents: dict[str, Record] = field(default_factory=dict)
    oncalls: list[Record] = field(default_factory=list)
    change_events: list[Record] = field(default_factory=list)
    standards: dict[str, list[Record]] = field(default_factory=dict)
    metrics: dict[str, Record] = field(default_factory=dict)
    events: list[Record] = field(default_factory=list)
    created: dict[str, float] = field(default_factory=dict)

    # ----------------------------------------------------------------- lookups
    def resolve(self, table: dict[str, Record], ref: str) -> Record | None:
        """Find a record by id, or by name (seed files refer to objects by name)."""
        if ref in table:
            return table[ref]
        return next((r for r in table.values() if r.get("name") == ref), None)

    def _new_id(self, given: str | None) -> str:
        if given:
            self.ids.reserve(given)
            return given
        return self.ids.object_id()

    def _stamp(self, object_id: str, track: bool) -> None:
        if track:
            self.created[object_id] = time.monotonic()

    # ----------------------------------------------------------- people, teams
    def add_user(self, name: str, email: str, role: str = "admin", id: str | None = None) -> Record:
        """Add a user."""
        user: Record = {
            "id": self._new_id(id),
            "name": name,
            "email": email,
            "role": role,
            "time_zone": "Etc/UTC",
            "team_ids": [],
        }
        self.users[user["id"]] = user
        return user

    def add_team(self, name: str, description: str = "", id: str | None = None) -> Record:
        """Add a team."""
        team = {"id": self._new_id(id), "name": name, "description": description}
        self.teams[team["id"]] = team
        return team

    def add_escalation_policy(
        self,
        name: str,
        user_ids: list[str] | None = None,
        team_ids: list[str] | None = None,
        description: str = "",
        id: str | None = None,
    ) -> Record:
        """Add an escalation policy with one rule targeting ``user_ids``."""
        policy: Record = {
            "id": self._new_id(id),
            "name": name,
            "description": description,
            "user_ids": list(user_ids or []),
            "team_ids": list(team_ids or []),
            "num_loops": 0,
        }
        self.escalation_policies[policy["id"]] = policy
        return policy

    def add_business_service(self, name: str, id: str | None = None) -> Record:
        """Add a business service (a possible end of a dependency)."""
        record = {"id": self._new_id(id), "name": name}
        self.business_services[record["id"]] = record
        return record

    # ----------------------------------------------------------------- services
    def create_service(
        self, fields: dict[str, Any], unique_names: bool, seeded: bool = False
    ) -> Record:
        """Validate and store a new service (POST /services)."""
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip():
            raise invalid_input("Name can't be blank")
        if unique_names and self._name_taken(name, None):
            raise invalid_input("Name has already been taken")
        policy_id = self._policy_id(fields.get("escalation_policy"), required=True)
        stamp = now_iso()
        service: Record = {
            "id": self._new_id(fields.get("id") if seeded else None),
            "name": name,
            "description": fields.get("description") or "",
            "status": fields.get("status") or "active",
            "escalation_policy_id": policy_id,
            "team_ids": self._team_ids(fields.get("teams")),
            "auto_resolve_timeout": fields.get("auto_resolve_timeout", 14400),
            "acknowledgement_timeout": fields.get("acknowledgement_timeout", 1800),
            "alert_creation": fields.get("alert_creation") or "create_alerts_and_incidents",
            "incident_urgency_rule": fields.get("incident_urgency_rule")
            or {"type": "constant", "urgency": "high"},
            "alert_grouping_parameters": fields.get("alert_grouping_parameters"),
            "auto_pause_notifications_parameters": _auto_pause(
                fields.get("auto_pause_notifications_parameters")
            ),
            "created_at": stamp,
            "updated_at": stamp,
            "integration_ids": [],
        }
        self.services[service["id"]] = service
        self._stamp(service["id"], not seeded)
        return service

    def update_service(self, service_id: str, fields: dict[str, Any], unique_names: bool) -> Record:
        """Apply a (partial) PUT /services/{id}."""
        service = self.services.get(service_id)
        if service is None:
            raise not_found(f"Service {service_id} not found")
        if "name" in fields:
            name = fields["name"]
            if not isinstance(name, str) or not name.strip():
                raise invalid_input("Name can't be blank")
            if unique_names and self._name_taken(name, service_id):
                raise invalid_input("Name has already been taken")
            service["name"] = name
        if "escalation_policy" in fields:
            service["escalation_policy_id"] = self._policy_id(fields["escalation_policy"], True)
        if "teams" in fields:
            service["team_ids"] = self._team_ids(fields["teams"])
        if "auto_pause_notifications_parameters" in fields:
            service["auto_pause_notifications_parameters"] = _auto_pause(
                fields["auto_pause_notifications_parameters"]
            )
        for key in (
            "description",
            "status",
            "auto_resolve_timeout",
            "acknowledgement_timeout",
            "alert_creation",
            "incident_urgency_rule",
            "alert_grouping_parameters",
        ):
            if key in fields:
                service[key] = fields[key]
        service["updated_at"] = now_iso()
        return service

    def delete_service(self, service_id: str) -> None:
        """DELETE /services/{id}: also drops its integrations, dependencies and grouping links."""
        service = self.services.pop(service_id, None)
        if service is None:
            raise not_found(f"Service {service_id} not found")
        for integration_id in service["integration_ids"]:
            self.integrations.pop(integration_id, None)
        table = self.dependency_table()
        for dependency in table.touching(service_id):
            del table[dependency["id"]]
        for setting in self.grouping_settings.values():
            setting["service_ids"] = [s for s in setting["service_ids"] if s != service_id]

    def _name_taken(self, name: str, except_id: str | None) -> bool:
        folded = name.strip().casefold()
        return any(
            s["name"].strip().casefold() == folded and s["id"] != except_id
            for s in self.services.values()
        )

    def _policy_id(self, ref: Any, required: bool) -> str | None:
        if ref is None:
            if required:
                raise invalid_input("Escalation policy must be specified")
            return None
        ref_id = ref.get("id") if isinstance(ref, dict) else ref
        if not isinstance(ref_id, str) or self.resolve(self.escalation_policies, ref_id) is None:
            raise invalid_input("Escalation policy not found")
        policy = self.resolve(self.escalation_policies, ref_id)
        assert policy is not None
        return str(policy["id"])

    def _team_ids(self, refs: Any) -> list[str]:
        ids: list[str] = []
        for ref in refs or []:
            ref_id = ref.get("id") if isinstance(ref, dict) else ref
            team = self.resolve(self.teams, ref_id) if isinstance(ref_id, str) else None
            if team is None:
                raise invalid_input(f"Team {ref_id} not found")
            ids.append(team["id"])
        return ids

    # -------------------------------------------------------------- integrations
    def create_integration(
        self,
        service_id: str,
        fields: dict[str, Any],
        vendors: dict[str, Record],
        seeded: bool = False,
    ) -> Record:
        """POST /services/{id}/integrations: a new integration with a fresh integration key."""
        service = self.services.get(service_id)
        if service is None:
            raise not_found(f"Service {service_id} not found")
        vendor_ref = fields.get("vendor")
        vendor_id = vendor_ref.get("id") if isinstance(vendor_ref, dict) else vendor_ref
        if vendor_id is not None and vendor_id not in vendors:
            raise invalid_input(f"Vendor {vendor_id} not found")
        kind = fields.get("type") or (
            "generic_events_api_inbound_integration"
            if vendor_id
            else "events_api_v2_inbound_integration"
        )
        if not isinstance(kind, str) or not kind.endswith("_inbound_integration"):
            raise invalid_input("Type is not a valid integration type")
        name = fields.get("name") or (vendors[vendor_id]["name"] if vendor_id else "Events API V2")
        integration: Record = {
            "id": self._new_id(fields.get("id") if seeded else None),
            "service_id": service_id,
            "name": name,
            "type": kind,
            "vendor_id": vendor_id,
            "integration_key": fields.get("integration_key") if seeded else None,
            "created_at": now_iso(),
        }
        integration["integration_key"] = integration["integration_key"] or integration_key()
        self.integrations[integration["id"]] = integration
        service["integration_ids"].append(integration["id"])
        self._stamp(integration["id"], not seeded)
        return integration

    def integration_by_key(self, key: str) -> Record | None:
        """The integration that owns routing key ``key``."""
        return next((i for i in self.integrations.values() if i["integration_key"] == key), None)

    # ------------------------------------------------------------- dependencies
    def _endpoint(self, ref: Any, role: str) -> Record:
        if not isinstance(ref, dict) or not isinstance(ref.get("id"), str):
            raise invalid_input(f"{role} must be an object with an id and a type")
        kind = ref.get("type", "service")
        if kind in SERVICE_TYPES:
            if ref["id"] not in self.services:
                raise not_found(f"Service {ref['id']} not found")
            return {"id": ref["id"], "type": "technical_service_reference"}
        if kind in BUSINESS_TYPES:
            if ref["id"] not in self.business_services:
                raise not_found(f"Business service {ref['id']} not found")
            return {"id": ref["id"], "type": "business_service_reference"}
        raise invalid_input(f"{role}.type {kind!r} is not a service type")

    def dependency_table(self) -> DependencyTable:
        """``dependencies`` as an indexed table (converting a plain dict put there)."""
        if not isinstance(self.dependencies, DependencyTable):
            self.dependencies = DependencyTable(self.dependencies)
        return self.dependencies

    def dependency_count(self, service_id: str) -> int:
        """How many dependencies touch ``service_id`` (either side)."""
        return self.dependency_table().count(service_id)

    def _find_dependency(self, supporting: Record, dependent: Record) -> Record | None:
        return self.dependency_table().find(supporting["id"], dependent["id"])

    def associate(self, relationships: Any, limit: int) -> list[Record]:
        """POST /service_dependencies/associate: all-or-nothing, idempotent per pair."""
        pairs = self._pairs(relationships)
        added: dict[str, int] = {}
        result: list[Record] = []
        for supporting, dependent in pairs:
            if supporting["id"] == dependent["id"]:
                raise invalid_input("A service cannot depend on itself")
            if self._find_dependency(supporting, dependent) is None:
                for end in (supporting["id"], dependent["id"]):
                    added[end] = added.get(end, 0) + 1
                    if self.dependency_count(end) + added[end] > limit:
                        raise invalid_input(
                            f"Service {end} would exceed the limit of {limit} dependencies"
                        )
        for supporting, dependent in pairs:
            existing = self._find_dependency(supporting, dependent)
            if existing is None:
                existing = {
                    "id": self.ids.dependency_id(),
                    "supporting": supporting,
                    "dependent": dependent,
                }
                self.dependency_table()[existing["id"]] = existing
            result.append(existing)
        return result

    def disassociate(self, relationships: Any) -> list[Record]:
        """POST /service_dependencies/disassociate: removes the pairs that exist."""
        removed = []
        for supporting, dependent in self._pairs(relationships):
            existing = self._find_dependency(supporting, dependent)
            if existing is not None:
                del self.dependency_table()[existing["id"]]
                removed.append(existing)
        return removed

    def _pairs(self, relationships: Any) -> list[tuple[Record, Record]]:
        if not isinstance(relationships, list) or not relationships:
            raise invalid_input("relationships must be a non-empty array")
        pairs = []
        for rel in relationships:
            if not isinstance(rel, dict):
                raise invalid_input("each relationship must be an object")
            pairs.append(
                (
                    self._endpoint(rel.get("supporting_service"), "supporting_service"),
                    self._endpoint(rel.get("dependent_service"), "dependent_service"),
                )
            )
        return pairs

    def dependencies_of(self, service_id: str) -> list[Record]:
        """Every relationship where ``service_id`` is either end."""
        return self.dependency_table().touching(service_id)

    # ----------------------------------------------------------------- incidents
    def create_incident(
        self,
        service_id: str,
        title: str,
        urgency: str = "high",
        incident_key: str | None = None,
        status: str = "triggered",
    ) -> Record:
        """Open an incident on a service (REST create or an Events API trigger)."""
        service = self.services[service_id]
        stamp = now_iso()
        policy = self.escalation_policies.get(service["escalation_policy_id"] or "")
        incident: Record = {
            "id": self.ids.object_id(),
            "number": len(self.incidents) + 1,
            "title": title,
            "service_id": service_id,
            "escalation_policy_id": service["escalation_policy_id"],
            "status": status,
            "urgency": urgency,
            "incident_key": incident_key or integration_key(),
            "created_at": stamp,
            "updated_at": stamp,
            # PagerDuty assigns a new incident to the first level of the service's policy
            # (the sandbox's policies have one level: their users).
            "assignee_ids": list(policy["user_ids"]) if policy else [],
        }
        self.incidents[incident["id"]] = incident
        service["last_incident_timestamp"] = stamp
        return incident


AUTO_PAUSE_TIMEOUTS = (0, 120, 180, 300, 600, 900)


def _auto_pause(given: Any) -> Record:
    """A service's ``auto_pause_notifications_parameters`` as PagerDuty keeps it: ``enabled``
    (default false) and ``timeout`` (seconds, one of PagerDuty's values; 0 lets PagerDuty pick).
    Given on an update, the object replaces the one stored."""
    if given is None:
        return {"enabled": False}
    if not isinstance(given, dict):
        raise invalid_input("Auto pause notifications parameters must be an object")
    enabled = given.get("enabled", False)
    if not isinstance(enabled, bool):
        raise invalid_input("Auto pause notifications parameters enabled must be a boolean")
    params: Record = {"enabled": enabled}
    timeout = given.get("timeout")
    if timeout is not None:
        if type(timeout) is not int or timeout not in AUTO_PAUSE_TIMEOUTS:
            raise invalid_input(
                "Auto pause notifications parameters timeout must be one of "
                + ", ".join(str(t) for t in AUTO_PAUSE_TIMEOUTS)
            )
        params["timeout"] = timeout
    return params
