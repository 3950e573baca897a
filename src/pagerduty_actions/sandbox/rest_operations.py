"""REST routes beyond the directory: alert grouping settings, service dependencies, incidents,
on-calls, change events, standards scores and incident analytics."""

from __future__ import annotations

import base64
import time
from typing import Any

from flask import Blueprint, Response, jsonify, request

from pagerduty_actions.sandbox import grouping, render
from pagerduty_actions.sandbox.account import now_iso
from pagerduty_actions.sandbox.errors import (
    ErrorCode,
    PagerDutyErrorResponse,
    ability_missing,
    invalid_input,
    not_found,
)
from pagerduty_actions.sandbox.web import (
    account,
    body,
    get_or_404,
    include,
    int_arg,
    links,
    list_arg,
    paginate,
    state,
    visible,
    wrapped,
)

operations = Blueprint("pd_operations", __name__)


# ------------------------------------------------------------ alert grouping
def _require_grouping_ability(kind: str | None) -> None:
    abilities = account().abilities
    if kind in grouping.ABILITY_FOR_TYPE:
        needed = grouping.ABILITY_FOR_TYPE[kind]
        if needed not in abilities:
            raise ability_missing(needed)
    elif not set(grouping.ABILITY_FOR_TYPE.values()) & abilities:
        raise ability_missing(*sorted(set(grouping.ABILITY_FOR_TYPE.values())))


def _validated_setting(fields: dict[str, Any], setting_id: str | None) -> dict[str, Any]:
    kind = fields.get("type")
    errors = grouping.validate_config(kind, fields.get("config"))
    errors += grouping.validate_services(kind, fields.get("services"))
    if errors:
        raise invalid_input(*errors)
    acct = account()
    service_ids = [s["id"] for s in fields["services"]]
    for service_id in service_ids:
        if service_id not in acct.services:
            raise invalid_input(f"Service {service_id} not found")
        owner = next(
            (
                g
                for g in acct.grouping_settings.values()
                if service_id in g["service_ids"] and g["id"] != setting_id
            ),
            None,
        )
        if owner is not None:
            raise invalid_input(
                f"Service {service_id} already belongs to alert grouping setting {owner['id']}"
            )
    _require_grouping_ability(kind)
    return {
        "type": kind,
        "config": grouping.normalised_config(str(kind), fields.get("config")),
        "service_ids": service_ids,
        "name": fields.get("name"),
        "description": fields.get("description"),
    }


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"i:{index}".encode()).decode()


def _uncursor(raw: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(raw.encode()).decode().removeprefix("i:"))
    except ValueError:
        raise invalid_input("Invalid cursor") from None


@operations.get("/alert_grouping_settings")
def list_grouping_settings() -> Any:
    _require_grouping_ability(None)
    acct = account()
    wanted = set(list_arg("service_ids"))
    records = [
        g for g in acct.grouping_settings.values() if not wanted or wanted & set(g["service_ids"])
    ]
    limit = min(max(int_arg("limit", 20), 1), 100)
    after, before = request.args.get("after"), request.args.get("before")
    if after:
        start = _uncursor(after)
    elif before:
        start = max(0, _uncursor(before) - limit)
    else:
        start = 0
    page = records[start : start + limit]
    end = start + len(page)
    return jsonify(
        {
            "alert_grouping_settings": [render.grouping_setting(links(), acct, g) for g in page],
            "after": _cursor(end) if end < len(records) else None,
            "before": _cursor(start) if start > 0 else None,
            "limit": limit,
            "total": len(records) if request.args.get("total", "").lower() == "true" else None,
        }
    )


@operations.post("/alert_grouping_settings")
def create_grouping_setting() -> Any:
    acct = account()
    fields = _validated_setting(wrapped("alert_grouping_setting"), None)
    stamp = now_iso()
    record = {"id": acct.ids.object_id(), **fields, "created_at": stamp, "updated_at": stamp}
    acct.grouping_settings[record["id"]] = record
    acct.created[record["id"]] = time.monotonic()
    return jsonify({"alert_grouping_setting": render.grouping_setting(links(), acct, record)}), 201


@operations.get("/alert_grouping_settings/<id>")
def get_grouping_setting(id: str) -> Any:
    record = get_or_404(account().grouping_settings, id, "Alert grouping setting")
    return jsonify({"alert_grouping_setting": render.grouping_setting(links(), account(), record)})


@operations.put("/alert_grouping_settings/<id>")
def update_grouping_setting(id: str) -> Any:
    acct = account()
    record = get_or_404(acct.grouping_settings, id, "Alert grouping setting")
    incoming = wrapped("alert_grouping_setting")
    merged = {
        "type": record["type"],
        "config": record["config"],
        "services": [{"id": s} for s in record["service_ids"]],
        "name": record["name"],
        "description": record["description"],
        **incoming,
    }
    record.update(_validated_setting(merged, id), updated_at=now_iso())
    return jsonify({"alert_grouping_setting": render.grouping_setting(links(), acct, record)})


@operations.delete("/alert_grouping_settings/<id>")
def delete_grouping_setting(id: str) -> Any:
    get_or_404(account().grouping_settings, id, "Alert grouping setting")
    del account().grouping_settings[id]
    return Response(status=204)


# --------------------------------------------------------------- dependencies
@operations.get("/service_dependencies/technical_services/<id>")
def service_dependencies(id: str) -> Any:
    get_or_404(account().services, id, "Service")
    return jsonify({"relationships": [render.dependency(d) for d in account().dependencies_of(id)]})


def _require_visible_ends() -> None:
    """A service created a moment ago is not yet known to dependency writes either (PagerDuty
    answered disassociate inconsistently right after a create): 404 while it is hidden."""
    relationships = body().get("relationships")
    for rel in relationships if isinstance(relationships, list) else []:
        for role in ("supporting_service", "dependent_service"):
            ref = rel.get(role) if isinstance(rel, dict) else None
            ref_id = ref.get("id") if isinstance(ref, dict) else None
            if isinstance(ref_id, str) and not visible(ref_id):
                raise not_found(f"Service {ref_id} not found")


@operations.post("/service_dependencies/associate")
def associate() -> Any:
    _require_visible_ends()
    rels = account().associate(body().get("relationships"), state().max_dependencies_per_service)
    return jsonify({"relationships": [render.dependency(d) for d in rels]})


@operations.post("/service_dependencies/disassociate")
def disassociate() -> Any:
    _require_visible_ends()
    rels = account().disassociate(body().get("relationships"))
    return jsonify({"relationships": [render.dependency(d) for d in rels]})


# ------------------------------------------------------------------ incidents
@operations.get("/incidents")
def list_incidents() -> Any:
    acct = account()
    service_ids, statuses = set(list_arg("service_ids")), set(list_arg("statuses"))
    urgencies = set(list_arg("urgencies"))
    records = [
        i
        for i in acct.incidents.values()
        if (not service_ids or i["service_id"] in service_ids)
        and (not statuses or i["status"] in statuses)
        and (not urgencies or i["urgency"] in urgencies)
        and request.args.get("incident_key", i["incident_key"]) == i["incident_key"]
    ]
    page = paginate("incidents", records)
    page["incidents"] = [render.incident(links(), acct, i) for i in page["incidents"]]
    return jsonify(page)


@operations.post("/incidents")
def create_incident() -> Any:
    acct = account()
    requester = request.headers.get("From", "")
    if not any(u["email"].casefold() == requester.casefold() for u in acct.users.values()):
        raise PagerDutyErrorResponse(
            400,
            ErrorCode.REQUESTER_REQUIRED,
            ["The From header must be the email address of a valid user"],
        )
    fields = wrapped("incident")
    title = fields.get("title")
    if not isinstance(title, str) or not title:
        raise invalid_input("Title can't be blank")
    service_ref = fields.get("service")
    service_id = service_ref.get("id") if isinstance(service_ref, dict) else None
    if not isinstance(service_id, str) or service_id not in acct.services:
        raise invalid_input("Service not found")
    urgency = fields.get("urgency", "high")
    if urgency not in ("high", "low"):
        raise invalid_input("Urgency must be high or low")
    key = fields.get("incident_key")
    if key and any(
        i["incident_key"] == key and i["status"] != "resolved" for i in acct.incidents.values()
    ):
        raise invalid_input("Open incident with matching dedup key already exists on this service")
    record = acct.create_incident(service_id, title, urgency, key)
    return jsonify({"incident": render.incident(links(), acct, record)}), 201


# ---------------------------------------------------------- on-calls, changes
@operations.get("/oncalls")
def list_oncalls() -> Any:
    acct = account()
    policy_ids, user_ids = set(list_arg("escalation_policy_ids")), set(list_arg("user_ids"))
    records = [
        o
        for o in acct.oncalls
        if (not policy_ids or o["escalation_policy_id"] in policy_ids)
        and (not user_ids or o["user_id"] in user_ids)
    ]
    page = paginate("oncalls", records)
    page["oncalls"] = [render.oncall(links(), acct, o, include()) for o in page["oncalls"]]
    return jsonify(page)


@operations.get("/services/<id>/change_events")
def service_change_events(id: str) -> Any:
    acct = account()
    get_or_404(acct.services, id, "Service")
    since, until = request.args.get("since"), request.args.get("until")
    records = [
        c
        for c in acct.change_events
        if id in c["service_ids"]
        and (not since or c["timestamp"] >= since)
        and (not until or c["timestamp"] < until)
    ]
    page = paginate("change_events", records)
    page["change_events"] = [render.change_event(links(), acct, c) for c in page["change_events"]]
    return jsonify(page)


# ------------------------------------------------------- standards, analytics
@operations.get("/standards/scores/<resource_type>/<id>")
def standards_scores(resource_type: str, id: str) -> Any:
    if resource_type != "technical_services":
        raise invalid_input("resource_type must be technical_services")
    record = get_or_404(account().services, id, "Service")
    return jsonify(render.standards_score(account(), record))


@operations.post("/analytics/metrics/incidents/services")
def incident_metrics_by_service() -> Any:
    acct = account()
    query = body()
    filters = query.get("filters") or {}
    if not isinstance(filters, dict):
        raise invalid_input("filters must be an object")
    wanted = filters.get("service_ids") or list(acct.services)
    unknown = [s for s in wanted if s not in acct.services]
    if unknown:
        raise not_found(*(f"Service {s} not found" for s in unknown))
    data = [render.service_metrics(acct, acct.services[s]) for s in wanted]
    result: dict[str, Any] = {
        "data": data,
        "filters": filters,
        "time_zone": query.get("time_zone", "Etc/UTC"),
        "order": query.get("order", "desc"),
        "order_by": query.get("order_by", "total_incident_count"),
    }
    if query.get("aggregate_unit"):
        result["aggregate_unit"] = query["aggregate_unit"]
    return jsonify(result)
