"""REST routes for the directory: services, integrations, vendors, abilities, escalation
policies, teams and users."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from pagerduty_actions.sandbox import render
from pagerduty_actions.sandbox.account import SandboxAccount
from pagerduty_actions.sandbox.errors import ability_missing, not_found
from pagerduty_actions.sandbox.web import (
    account,
    get_or_404,
    include,
    links,
    list_arg,
    matches_query,
    paginate,
    state,
    visible,
    wrapped,
)

directory = Blueprint("pd_directory", __name__)


def _service_json(record: dict[str, Any]) -> dict[str, Any]:
    return render.service(links(), account(), record, state().vendors, include())


def _service_with_integration_key(acct: SandboxAccount, query: str | None) -> str | None:
    """The id of the service owning integration key ``query``: PagerDuty's ``query`` matches
    an integration key whole (how @backstage/plugin-pagerduty finds an entity's service)."""
    if not query:
        return None
    integration = acct.integration_by_key(query)
    return None if integration is None else str(integration["service_id"])


@directory.get("/services")
def list_services() -> Any:
    acct = account()
    name = list_arg("name")
    team_ids = set(list_arg("team_ids"))
    keyed = _service_with_integration_key(acct, request.args.get("query"))
    records = [
        s
        for s in acct.services.values()
        if (matches_query(s["name"]) or s["id"] == keyed)
        and visible(s["id"])
        and (not name or s["name"] == name[0])
        and (not team_ids or team_ids & set(s["team_ids"]))
    ]
    reverse = (list_arg("sort_by") or ["name"])[0] == "name:desc"
    records.sort(key=lambda s: s["name"].casefold(), reverse=reverse)
    page = paginate("services", records)
    page["services"] = [_service_json(s) for s in page["services"]]
    return jsonify(page)


@directory.post("/services")
def create_service() -> Any:
    st = state()
    record = account().create_service(wrapped("service"), st.unique_service_names)
    return jsonify({"service": _service_json(record)}), 201


@directory.get("/services/<id>")
def get_service(id: str) -> Any:
    return jsonify({"service": _service_json(get_or_404(account().services, id, "Service"))})


@directory.put("/services/<id>")
def update_service(id: str) -> Any:
    get_or_404(account().services, id, "Service")
    record = account().update_service(id, wrapped("service"), state().unique_service_names)
    return jsonify({"service": _service_json(record)})


@directory.delete("/services/<id>")
def delete_service(id: str) -> Any:
    get_or_404(account().services, id, "Service")
    account().delete_service(id)
    return Response(status=204)


@directory.post("/services/<id>/integrations")
def create_integration(id: str) -> Any:
    get_or_404(account().services, id, "Service")
    record = account().create_integration(id, wrapped("integration"), state().vendors)
    return jsonify(
        {"integration": render.integration(links(), account(), record, state().vendors)}
    ), 201


@directory.get("/services/<id>/integrations/<integration_id>")
def get_integration(id: str, integration_id: str) -> Any:
    get_or_404(account().services, id, "Service")
    record = get_or_404(account().integrations, integration_id, "Integration")
    if record["service_id"] != id:
        raise not_found(f"Integration {integration_id} not found")
    return jsonify({"integration": render.integration(links(), account(), record, state().vendors)})


@directory.get("/vendors")
def list_vendors() -> Any:
    records = [v for v in state().vendors.values() if matches_query(v["name"])]
    page = paginate("vendors", records)
    page["vendors"] = [render.vendor(links(), v) for v in page["vendors"]]
    return jsonify(page)


@directory.get("/vendors/<id>")
def get_vendor(id: str) -> Any:
    record = state().vendors.get(id)
    if record is None:
        raise not_found(f"Vendor {id} not found")
    return jsonify({"vendor": render.vendor(links(), record)})


@directory.get("/abilities")
def list_abilities() -> Any:
    return jsonify({"abilities": sorted(account().abilities)})


@directory.get("/abilities/<id>")
def get_ability(id: str) -> Any:
    from pagerduty_actions.sandbox.account import ALL_ABILITIES

    if id in account().abilities:
        return Response(status=204)
    if id in ALL_ABILITIES:
        raise ability_missing(id)
    raise not_found(f"Ability {id} not found")


@directory.get("/escalation_policies")
def list_escalation_policies() -> Any:
    acct = account()
    team_ids, user_ids = set(list_arg("team_ids")), set(list_arg("user_ids"))
    records = sorted(
        (
            p
            for p in acct.escalation_policies.values()
            if matches_query(p["name"])
            and (not team_ids or team_ids & set(p["team_ids"]))
            and (not user_ids or user_ids & set(p["user_ids"]))
        ),
        key=lambda p: p["name"].casefold(),
    )
    page = paginate("escalation_policies", records)
    page["escalation_policies"] = [
        render.escalation_policy(links(), acct, p) for p in page["escalation_policies"]
    ]
    return jsonify(page)


@directory.get("/escalation_policies/<id>")
def get_escalation_policy(id: str) -> Any:
    record = get_or_404(account().escalation_policies, id, "Escalation policy")
    return jsonify({"escalation_policy": render.escalation_policy(links(), account(), record)})


@directory.get("/teams")
def list_teams() -> Any:
    records = sorted(
        (t for t in account().teams.values() if matches_query(t["name"])),
        key=lambda t: t["name"].casefold(),
    )
    page = paginate("teams", records)
    page["teams"] = [render.team(links(), t) for t in page["teams"]]
    return jsonify(page)


@directory.get("/teams/<id>")
def get_team(id: str) -> Any:
    return jsonify({"team": render.team(links(), get_or_404(account().teams, id, "Team"))})


@directory.get("/users")
def list_users() -> Any:
    acct = account()
    team_ids = set(list_arg("team_ids"))
    records = sorted(
        (
            u
            for u in acct.users.values()
            if (matches_query(u["name"]) or matches_query(u["email"]))
            and (not team_ids or team_ids & set(u["team_ids"]))
        ),
        key=lambda u: u["name"].casefold(),
    )
    page = paginate("users", records)
    page["users"] = [render.user(links(), acct, u) for u in page["users"]]
    return jsonify(page)


@directory.get("/users/<id>")
def get_user(id: str) -> Any:
    record = get_or_404(account().users, id, "User")
    return jsonify({"user": render.user(links(), account(), record)})
