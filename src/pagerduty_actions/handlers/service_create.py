"""``pagerduty:service:create``: a PagerDuty service with its Backstage integration and alert
grouping, created whole or not at all.

Where PagerDuty's own plugin logs and carries on, this fails the step: an unknown policy, an
account without the grouping ability or a name already taken are input errors before any
write; a failure after the service exists rolls back what this run created, reads the delete
back, and says what is left if that fails too. ``ifExists: reuse`` and the Idempotency-Key
make a retried step safe:

* one create-or-adopt per service name at a time (``name_lock``), and a create race lost to
  someone else anyway becomes a reuse;
* each write is noted on the key's record (``ctx.progress``) before the next one, so a retry
  after a crash resumes the interrupted run: it finishes the missing pieces and answers as
  the first run would have, or rolls back;
* PagerDuty answers 404 for a moment about what was just created, on writes too: those 404s
  are retried for ``FRESH_404_SECONDS``.

A dry run is this same code on a :class:`WriteRecorder`: the lookups are real, each write is
listed in ``plan`` instead of sent, so the plan is what a real run sends (a test compares the
two against the sandbox's request log).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NotRequired, Required, TypedDict

from .. import pagerduty as pd
from ..config import Config
from ..context import ActionContext
from ..errors import ActionError, ConflictError, InputError
from ..pagerduty.resources import abilities, alert_grouping, integrations, services
from ..pagerduty.write_recorder import PagerDutyApi, WriteRecorder
from ..store import Database
from . import lookups
from .errors import map_pagerduty_error, not_in_account
from .grouping import (
    MAX_SERVICES_PER_SETTING,
    GroupingRequest,
    joined_setting_body,
    new_setting_body,
    parse_grouping,
)
from .name_lock import service_name_lock
from .rollback import Rollback, confirmed_delete, failed_after_rollback

# How long a 404 about an object this run has just made is retried, on writes as on reads:
# PagerDuty lags a moment (up to seconds) behind its creates. The client's attempt limit
# (5) bounds it too.
FRESH_404_SECONDS = 8.0

ACTION_ID = "pagerduty:service:create"
# A real run's first statement is taking the service name's lease (a database write, before
# any PagerDuty write: only the input's names are looked up first), which answers an
# unreachable database as the registry's ping does, so the registry skips that ping (one
# round trip of every create). See ``service_name_lock``.
DATABASE_FIRST = True


class GroupingByType(TypedDict, total=False):
    """``alertGrouping`` as a new Alert Grouping Setting of ``type``."""

    type: Required[Literal["time", "intelligent", "content_based", "content_based_intelligent"]]
    config: dict[str, Any]
    name: str
    required: bool


class GroupingBySetting(TypedDict):
    """``alertGrouping`` joining an existing setting; ``required: false`` makes a service
    without grouping rather than fail on an account without the ability."""

    settingId: str
    required: NotRequired[bool]


class AutoPause(TypedDict):
    enabled: bool
    timeout: NotRequired[Literal[120, 180, 300, 600, 900] | None]


class EventsIntegration(TypedDict):
    """An ``integrations`` item: PagerDuty's Events API v2."""

    type: Literal["events_api_v2"]
    name: NotRequired[str]


class VendorIntegration(TypedDict):
    """An ``integrations`` item: a vendor's integration, the vendor given by id or name."""

    vendor: str
    name: NotRequired[str]


class ServiceCreateInput(TypedDict, total=False):
    """``schemas/actions/service_create.input.json`` (a test keeps the two in step)."""

    name: Required[str]
    description: str
    account: str
    escalationPolicyId: str
    escalationPolicyName: str
    alertGrouping: (
        Literal["intelligent", "time", "content_based"] | GroupingByType | GroupingBySetting
    )
    autoPauseNotifications: AutoPause
    acknowledgementTimeout: int | None
    autoResolveTimeout: int | None
    urgency: Literal["high", "low", "severity_based"]
    teams: list[str]
    integrations: list[EventsIntegration | VendorIntegration]
    ifExists: Literal["fail", "reuse"]
    alertCreation: str


@dataclass(frozen=True)
class IntegrationSpec:
    """One integration to make: ``body`` is PagerDuty's, minus the service reference."""

    name: str
    kind: str  # "backstage", "events_api_v2" or "vendor"
    body: dict[str, Any]
    vendor_id: str | None = None

    def matches(self, existing: dict[str, Any]) -> bool:
        vendor = (existing.get("vendor") or {}).get("id")
        if self.vendor_id:
            return bool(vendor == self.vendor_id)
        return str(existing.get("type", "")).startswith("events_api_v2_inbound_integration")


BACKSTAGE = IntegrationSpec(
    name="Backstage",
    kind="backstage",
    body={
        "name": "Backstage",
        "vendor": {"id": integrations.BACKSTAGE_VENDOR_ID, "type": "vendor_reference"},
    },
    vendor_id=integrations.BACKSTAGE_VENDOR_ID,
)


@dataclass
class Prepared:
    """Everything resolved and checked before the first write."""

    name: str
    account: str
    policy: dict[str, Any]
    service_body: dict[str, Any]
    grouping: GroupingRequest | None
    shared_setting: dict[str, Any] | None
    integrations: list[IntegrationSpec]
    if_exists: str = "fail"
    warnings: list[str] = field(default_factory=list)


def run(
    ctx: ActionContext,
    payload: ServiceCreateInput,
    *,
    pagerduty: pd.ClientPool,
    db: Database,
    config: Config,
) -> dict[str, Any]:
    client = pagerduty.get(payload.get("account"))
    prepared = _prepare(ctx, client, payload)
    if ctx.dry_run:
        return _dry_run(ctx, WriteRecorder(client), prepared)
    with service_name_lock(db, config, prepared.account, prepared.name):
        resumed = _resume(ctx, client, prepared)
        if resumed is not None:
            return resumed
        return _create_or_reuse(ctx, client, prepared)


def _create_or_reuse(ctx: ActionContext, api: PagerDutyApi, prepared: Prepared) -> dict[str, Any]:
    """The run itself, for real (``api`` is the client) or dry (a recorder)."""
    existing = services.find_by_name(api, prepared.name)
    if existing is not None:
        return _reuse(ctx, api, prepared, existing)
    return _create(ctx, api, prepared)


def _dry_run(ctx: ActionContext, recorder: WriteRecorder, prepared: Prepared) -> dict[str, Any]:
    """What a real run would send, in ``plan``, and what is known before any write: the ids
    PagerDuty would give are null (a shared setting's id is known, so it is shown), and
    nothing is created. Its progress notes go nowhere: a dry run has no idempotency record."""
    output = _create_or_reuse(ctx, recorder, prepared)
    for key in ("serviceId", "alertGroupingSettingId"):
        if recorder.is_placeholder(output[key]):
            output[key] = None
    return {**output, "created": False, "plan": recorder.plan()}


# --------------------------------------------------------------------------- preparation


def _prepare(
    ctx: ActionContext, client: pd.PagerDutyClient, payload: ServiceCreateInput
) -> Prepared:
    if "alertCreation" in payload:
        ctx.warn(
            "alertCreation is deprecated and ignored: PagerDuty services always create alerts "
            "and incidents"
        )
    policy = lookups.escalation_policy(
        client,
        policy_id=payload.get("escalationPolicyId"),
        name=payload.get("escalationPolicyName"),
    )
    _check_teams(policy, payload.get("teams") or [])
    grouping = parse_grouping(payload.get("alertGrouping"))
    shared = None
    if grouping is not None and grouping.setting_id:
        shared = _shared_setting(client, grouping.setting_id)
        grouping = GroupingRequest(
            type=shared.get("type"), setting_id=grouping.setting_id, required=grouping.required
        )
    grouping = _check_ability(ctx, client, grouping)
    specs = [BACKSTAGE, *_integration_specs(client, payload.get("integrations") or [])]
    name = payload["name"]
    return Prepared(
        name=name,
        account=client.account.id,
        policy=policy,
        service_body=_service_body(payload, policy),
        grouping=grouping,
        shared_setting=shared if grouping is not None else None,
        integrations=specs,
        if_exists=payload.get("ifExists", "fail"),
    )


def _service_body(payload: ServiceCreateInput, policy: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": payload["name"],
        "escalation_policy": {"id": policy["id"], "type": "escalation_policy_reference"},
    }
    if payload.get("description"):
        body["description"] = payload["description"]
    if "acknowledgementTimeout" in payload:
        body["acknowledgement_timeout"] = payload["acknowledgementTimeout"]
    if "autoResolveTimeout" in payload:
        body["auto_resolve_timeout"] = payload["autoResolveTimeout"]
    if payload.get("urgency"):
        body["incident_urgency_rule"] = {"type": "constant", "urgency": payload["urgency"]}
    pause = payload.get("autoPauseNotifications")
    if pause is not None:
        params: dict[str, Any] = {"enabled": pause["enabled"]}
        if pause.get("timeout") is not None:
            params["timeout"] = pause["timeout"]
        body["auto_pause_notifications_parameters"] = params
    return body


def _check_teams(policy: dict[str, Any], wanted: list[str]) -> None:
    """PagerDuty derives a service's teams from its escalation policy: check, don't pretend."""
    have = {str(t.get("id")) for t in policy.get("teams") or []}
    missing = [t for t in wanted if t not in have]
    if missing:
        raise InputError(
            f"PagerDuty takes a service's teams from its escalation policy, and policy "
            f"{policy['id']} ({policy.get('name')}) is not on team(s) {', '.join(missing)} "
            f"(it is on: {', '.join(sorted(have)) or 'no team'}); choose a policy of those teams",
            details=[{"path": "$.teams", "message": f"not on the policy: {', '.join(missing)}"}],
        )


def _shared_setting(client: pd.PagerDutyClient, setting_id: str) -> dict[str, Any]:
    try:
        setting = alert_grouping.get(client, setting_id)
    except pd.ObjectNotFoundError:
        raise not_in_account(
            f"PagerDuty alert grouping setting {setting_id}",
            client.account.id,
            "$.alertGrouping.settingId",
        ) from None
    members = setting.get("services") or []
    if setting.get("type") == "content_based_intelligent":
        raise InputError(
            f"alert grouping setting {setting_id} is content_based_intelligent, which PagerDuty "
            "allows for one service only; create a new setting instead",
            details=[{"path": "$.alertGrouping.settingId", "message": "single-service type"}],
        )
    if len(members) >= MAX_SERVICES_PER_SETTING:
        raise InputError(
            f"alert grouping setting {setting_id} already has {len(members)} services, "
            f"PagerDuty's limit is {MAX_SERVICES_PER_SETTING}",
            details=[{"path": "$.alertGrouping.settingId", "message": "setting is full"}],
        )
    return setting


def _check_ability(
    ctx: ActionContext, client: pd.PagerDutyClient, grouping: GroupingRequest | None
) -> GroupingRequest | None:
    """Lacking the ability is an error, or with ``required: false`` a warning: never silent."""
    if grouping is None or grouping.ability is None:
        return grouping
    if abilities.has(client, grouping.ability):
        return grouping
    message = (
        f"PagerDuty account {client.account.id!r} lacks the ability {grouping.ability!r} "
        f"needed for {grouping.type} alert grouping (a plan feature)"
    )
    if grouping.required:
        raise InputError(
            f"{message}; set alertGrouping.required: false to create the service without it",
            details=[{"path": "$.alertGrouping", "message": "account lacks the ability"}],
        )
    ctx.warn(f"{message}: the service gets no alert grouping")
    return None


def _integration_specs(
    client: pd.PagerDutyClient, wanted: list[EventsIntegration | VendorIntegration]
) -> list[IntegrationSpec]:
    specs: list[IntegrationSpec] = []
    for index, item in enumerate(wanted):
        if "type" in item:
            name = item.get("name", "Events API v2")
            specs.append(
                IntegrationSpec(
                    name,
                    "events_api_v2",
                    {"type": "events_api_v2_inbound_integration", "name": name},
                )
            )
            continue
        vendor = lookups.vendor(client, item["vendor"], f"$.integrations[{index}].vendor")
        name = item.get("name") or str(vendor.get("name"))
        specs.append(
            IntegrationSpec(
                name,
                "vendor",
                {"name": name, "vendor": {"id": vendor["id"], "type": "vendor_reference"}},
                vendor_id=str(vendor["id"]),
            )
        )
    return specs


# --------------------------------------------------------------------------- writes


def _create(ctx: ActionContext, api: PagerDutyApi, prepared: Prepared) -> dict[str, Any]:
    ctx.progress.note(step="creating the service", name=prepared.name)
    try:
        service = services.create(api, prepared.service_body)
    except pd.AlreadyExistsError:
        # Another request (another tool, or one of ours without the name lease) made it first.
        ctx.progress.forget()
        existing = _eventually(lambda: services.find_by_name(api, prepared.name))
        if existing is None:
            raise
        ctx.log(f"another request created service {existing.get('id')} first; taking it over")
        return _reuse(ctx, api, prepared, existing)
    except pd.PagerDutyError as exc:
        if exc.status is not None and exc.status < 500:
            ctx.progress.forget()  # answered: nothing was made; otherwise a retry looks first
        raise
    service_id, url = str(service["id"]), str(service.get("html_url", ""))
    ctx.progress.note(serviceId=service_id, serviceUrl=url)
    _wrote(ctx, f"created PagerDuty service {service_id} ({url})")
    return _complete(ctx, api, prepared, service, present=None)


def _resume(
    ctx: ActionContext, client: pd.PagerDutyClient, prepared: Prepared
) -> dict[str, Any] | None:
    """Finish what an interrupted run with this Idempotency-Key had started, if anything.

    The record names the service once its POST was answered; before that, a service of the
    name with the asked policy is the one the interrupted POST made (the name lease kept our
    other requests out). A recorded service that is gone means there is nothing to resume.
    """
    recorded = ctx.progress.recorded
    if not recorded:
        return None
    service: dict[str, Any] | None = None
    if recorded.get("serviceId"):
        with contextlib.suppress(pd.ObjectNotFoundError):
            service = services.get(
                client,
                str(recorded["serviceId"]),
                include=["integrations"],
                retry_404_for=FRESH_404_SECONDS,
            )
    else:
        found = services.find_by_name(client, prepared.name)
        policy = ((found or {}).get("escalation_policy") or {}).get("id")
        if found is not None and policy == prepared.policy["id"]:
            service = services.get(client, str(found["id"]), include=["integrations"])
    if service is None:
        ctx.progress.forget()
        return None
    service_id, url = str(service["id"]), str(service.get("html_url", ""))
    ctx.progress.note(serviceId=service_id, serviceUrl=url)
    ctx.log(
        f"resuming an interrupted run of this request (same Idempotency-Key): service "
        f"{service_id} ({url}) was created by it"
    )
    return _complete(ctx, client, prepared, service, present=service.get("integrations") or [])


def _complete(
    ctx: ActionContext,
    api: PagerDutyApi,
    prepared: Prepared,
    service: dict[str, Any],
    *,
    present: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """Integrations and grouping for a service this request created, rolled back as a whole
    on failure. ``present``: the integrations it has when resuming (None: brand new)."""
    service_id, url = str(service["id"]), str(service.get("html_url", ""))
    rollback = Rollback()
    rollback.add(
        f"service {service_id} ({url})",
        _deleted_for_sure(services.delete, services.exists, api, service_id),
    )
    step = "creating the Backstage integration"
    kind: str | None = None
    try:
        made: list[dict[str, Any]] = []
        made_now: list[str] = []
        noted = list(ctx.progress.recorded.get("integrationIds") or [])
        for spec in prepared.integrations:
            step = f"creating the {spec.name} integration"
            output, new = _integration(ctx, api, service_id, spec, present or [], ours=True)
            if output is None:  # a dry run's new integration: only planned
                continue
            made.append(output)
            if new:
                made_now.append(str(output["id"]))
                ctx.progress.note(integrationIds=noted + made_now)
        step = "setting up alert grouping"
        if present is None:
            setting_id = _apply_grouping(ctx, api, prepared, service_id, rollback)
        else:
            setting_id, kind = _reuse_grouping(ctx, api, prepared, service_id, rollback)
    except (ActionError, pd.PagerDutyError) as exc:
        failure = exc if isinstance(exc, ActionError) else map_pagerduty_error(exc)
        assert failure is not None
        error = failed_after_rollback(failure, step, rollback)
        if not rollback.left_behind:
            with contextlib.suppress(Exception):  # a stale record only costs a retry a read
                ctx.progress.forget()
        raise error from exc
    _wrote(ctx, f"created {len(made_now)} integration(s) on {service_id}")
    return _output(
        ctx, prepared, service=service, integrations=made, setting_id=setting_id, created=True,
        grouping_type=kind,
    )  # fmt: skip


def _eventually(find: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
    """``find()`` until it finds something, for up to ``FRESH_404_SECONDS``: what another
    request has just made may not be listed yet."""
    deadline = time.monotonic() + FRESH_404_SECONDS
    pause = 0.25
    while True:
        found = find()
        if found is not None or time.monotonic() + pause > deadline:
            return found
        time.sleep(pause)
        pause *= 2


def _wrote(ctx: ActionContext, message: str) -> None:
    """Log a write that was made; a dry run's writes are listed in its plan instead."""
    if not ctx.dry_run:
        ctx.log(message)


def _deleted_for_sure(
    delete: Callable[..., bool], exists: Callable[..., bool], api: PagerDutyApi, object_id: str
) -> Callable[[], None]:
    """The undo of an object this run created: its resource's ``delete``, riding out
    PagerDuty's lag, then ``exists`` until a read no longer finds it."""
    return confirmed_delete(
        lambda: delete(api, object_id, retry_404_for=FRESH_404_SECONDS),
        lambda: exists(api, object_id),
        settle_seconds=FRESH_404_SECONDS,
    )


def _integration(
    ctx: ActionContext,
    api: PagerDutyApi,
    service_id: str,
    spec: IntegrationSpec,
    present: list[dict[str, Any]],
    *,
    ours: bool,
) -> tuple[dict[str, Any] | None, bool]:
    """``spec``'s integration on the service as output, and whether it was made now: the one
    ``present`` (``created`` when this request made it: ``ours``), else a new one. A dry run
    gives None for a new one: it only planned it, there is no key to read."""
    found = next((i for i in present if spec.matches(i)), None)
    if found is not None:
        return _integration_output(spec, _with_key(api, service_id, found), ours), False
    created = integrations.create(api, service_id, spec.body, retry_404_for=FRESH_404_SECONDS)
    if ctx.dry_run:
        return None, True
    return _integration_output(spec, _with_key(api, service_id, created), True), True


def _with_key(api: PagerDutyApi, service_id: str, found: dict[str, Any]) -> dict[str, Any]:
    """The integration with its key, read back when a listing left it out (never stored)."""
    if found.get("integration_key"):
        return found
    return integrations.get(api, service_id, str(found["id"]), retry_404_for=FRESH_404_SECONDS)


def _integration_output(
    spec: IntegrationSpec, found: dict[str, Any], was_created: bool
) -> dict[str, Any]:
    return {
        "id": found.get("id"),
        "name": str(found.get("name") or spec.name),
        "type": spec.kind,
        "vendor": spec.vendor_id,
        "integrationKey": found.get("integration_key"),
        "created": was_created,
    }


def _apply_grouping(
    ctx: ActionContext,
    api: PagerDutyApi,
    prepared: Prepared,
    service_id: str,
    rollback: Rollback,
) -> str | None:
    grouping = prepared.grouping
    if grouping is None:
        return None
    if prepared.shared_setting is not None:
        setting = prepared.shared_setting
        setting_id = str(setting["id"])
        members = [s["id"] for s in setting.get("services") or [] if s["id"] != service_id]
        original = {"services": alert_grouping.service_refs(members)}
        ctx.progress.note(step="joining the alert grouping setting", settingId=setting_id)
        alert_grouping.update(api, setting_id, joined_setting_body(setting, service_id))
        rollback.add(
            f"membership of {service_id} in alert grouping setting {setting_id}",
            lambda: alert_grouping.update(
                api, setting_id, {**joined_setting_body(setting, service_id), **original}
            ),
        )
        _wrote(ctx, f"added {service_id} to alert grouping setting {setting_id}")
        return setting_id
    ctx.progress.note(step="creating the alert grouping setting")
    created = alert_grouping.create(
        api,
        new_setting_body(grouping, service_id, prepared.name),
        retry_404_for=FRESH_404_SECONDS,
    )
    setting_id = str(created["id"])
    ctx.progress.note(settingId=setting_id)
    rollback.add(
        f"alert grouping setting {setting_id}",
        _deleted_for_sure(alert_grouping.delete, alert_grouping.exists, api, setting_id),
    )
    _wrote(ctx, f"created {grouping.type} alert grouping setting {setting_id}")
    return setting_id


# --------------------------------------------------------------------------- reuse


def _reuse(
    ctx: ActionContext, api: PagerDutyApi, prepared: Prepared, existing: dict[str, Any]
) -> dict[str, Any]:
    service_id, url = str(existing["id"]), str(existing.get("html_url", ""))
    if prepared.if_exists != "reuse":
        raise ConflictError(
            f"a PagerDuty service named {prepared.name!r} already exists ({service_id}, {url}); "
            "set ifExists: reuse to adopt it"
        )
    have_policy = (existing.get("escalation_policy") or {}).get("id")
    if have_policy != prepared.policy["id"]:
        raise ConflictError(
            f"service {prepared.name!r} ({service_id}) exists with escalation policy "
            f"{have_policy}, not {prepared.policy['id']} as asked; not reusing it"
        )
    ctx.log(f"reusing existing PagerDuty service {service_id} ({url})")
    present = integrations.list_for_service(api, service_id)
    outputs = []
    for spec in prepared.integrations:
        output, new = _integration(ctx, api, service_id, spec, present, ours=False)
        if output is not None:  # None: a dry run's new integration, only planned
            outputs.append(output)
        if new:
            _wrote(ctx, f"created the missing {spec.name} integration on {service_id}")
    setting_id, kind = _reuse_grouping(ctx, api, prepared, service_id, Rollback())
    return _output(
        ctx, prepared, service=existing, integrations=outputs, setting_id=setting_id,
        created=False, grouping_type=kind,
    )  # fmt: skip


def _reuse_grouping(
    ctx: ActionContext,
    api: PagerDutyApi,
    prepared: Prepared,
    service_id: str,
    rollback: Rollback,
) -> tuple[str | None, str | None]:
    """The service's grouping setting (id, type): the one it has, or the one now made."""
    current = next(iter(alert_grouping.list_settings(api, service_ids=[service_id])), None)
    wanted = prepared.grouping
    if current is not None:
        if wanted is not None and (
            (wanted.setting_id and wanted.setting_id != current.get("id"))
            or (wanted.type and wanted.type != current.get("type"))
        ):
            ctx.warn(
                f"service {service_id} already has alert grouping setting {current.get('id')} "
                f"({current.get('type')}); left as it is"
            )
        return str(current["id"]), current.get("type")
    if wanted is None:
        return None, None
    return _apply_grouping(ctx, api, prepared, service_id, rollback), wanted.type


# --------------------------------------------------------------------------- output


def _output(
    ctx: ActionContext,
    prepared: Prepared,
    *,
    service: dict[str, Any] | None = None,
    integrations: list[dict[str, Any]] | None = None,
    setting_id: str | None = None,
    created: bool = False,
    grouping_type: str | None = None,
) -> dict[str, Any]:
    made = integrations or []
    backstage = next((i for i in made if i["type"] == "backstage"), None)
    grouping = prepared.grouping
    output: dict[str, Any] = {
        "serviceId": service.get("id") if service else None,
        "serviceUrl": service.get("html_url") if service else None,
        "integrationKey": backstage["integrationKey"] if backstage else None,
        "account": prepared.account,
        "escalationPolicyId": str(prepared.policy["id"]),
        "alertGroupingSettingId": setting_id,
        "alertGrouping": grouping_type or (grouping.type if grouping is not None else None),
        "created": created,
        "warnings": list(ctx.warnings),
        "integrations": made,
    }
    return output
