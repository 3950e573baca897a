"""``/v2/sync``, ``/v2/settings`` and ``/v2/mappings``: the dependency sync's HTTP side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, g, jsonify

from .. import pagerduty as pd
from ..catalog import InvalidEntityRefError, normalise_ref, parse_entity_ref
from ..catalog.backstage_api import BackstageCatalogClient
from ..catalog.files import load_catalog_files
from ..errors import InputError, NotAllowedError, NotFoundError
from ..pagerduty.resources import services as pd_services
from ..redaction import QUOTE_LIMIT, clip
from ..services import Services
from ..store.settings import MappingStore, SettingsStore
from ..suggestions import similar
from ..sync import service as sync_service
from ..sync.engine import STRATEGY_SETTING
from ..sync.errors import as_action_error
from ..sync.mappings_view import current_mappings
from ..sync.model import STRATEGIES
from ..sync.service import SYNC_ACTION
from .actions import read_json_object
from .state import app_state

bp = Blueprint("sync", __name__)
SETTINGS: dict[str, tuple[str, ...]] = {STRATEGY_SETTING: STRATEGIES}


@bp.before_request
def _may_sync() -> None:
    """Every route here starts, steers or shows the dependency sync, so a token limited by
    ``auth.tokens[].actions`` needs the sync action, as it would to run the action itself."""
    caller = g.get("caller")
    if caller is not None and not caller.may_run(SYNC_ACTION):
        raise NotAllowedError(
            f"token {caller.name!r} may not use the dependency sync: add {SYNC_ACTION!r} to "
            "its auth.tokens[].actions"
        )


def _services() -> Services:
    return app_state().services


def _caller() -> str:
    caller = g.get("caller")
    return caller.name if caller else "anonymous"


@bp.post("/v2/sync")
def start_sync() -> tuple[Response, int]:
    """The sync service's ``start`` (which validates, refuses and maps errors), then HTTP:
    the run goes on in the background and the answer is 202 with where to follow it."""
    run = sync_service.start(app_state().services, read_json_object(), started_by=_caller())
    run.start_in_background()
    response = jsonify({"runId": run.id, "status": "running", "href": f"/v2/sync/runs/{run.id}"})
    response.headers["Location"] = f"/v2/sync/runs/{run.id}"
    return response, 202


@bp.get("/v2/sync/runs")
def list_runs() -> Response:
    return jsonify(sync_service.recent_runs(_services()))


@bp.get("/v2/sync/runs/<run_id>")
def get_run(run_id: str) -> Response:
    run = sync_service.get_run(_services(), run_id)
    if run is None:
        raise NotFoundError(f"no sync run {run_id!r}")
    return jsonify(run)


def _setting_id(setting_id: str) -> tuple[str, ...]:
    if setting_id not in SETTINGS:
        raise NotFoundError(f"no setting {setting_id!r}; known settings: {', '.join(SETTINGS)}")
    return SETTINGS[setting_id]


@bp.get("/v2/settings/<setting_id>")
def get_setting(setting_id: str) -> Response:
    _setting_id(setting_id)
    services = _services()
    stored = SettingsStore(services.db).get(setting_id)
    default = services.config.section("sync")["strategy"]
    return jsonify(
        {
            "id": setting_id,
            "value": stored if stored is not None else default,
            "stored": stored is not None,
        }
    )


@bp.put("/v2/settings/<setting_id>")
def put_setting(setting_id: str) -> Response:
    allowed = _setting_id(setting_id)
    body = read_json_object()
    value = body.get("value")
    if value not in allowed:
        raise InputError(
            f"value must be one of {', '.join(allowed)}",
            details=[{"path": "$.value", "message": f"{value!r} is not one of {list(allowed)}"}],
        )
    SettingsStore(_services().db).put(setting_id, value, by=_caller())
    return jsonify({"id": setting_id, "value": value, "stored": True})


def _entity_ref(text: str) -> str:
    try:
        return normalise_ref(text)
    except InvalidEntityRefError as exc:
        raise InputError(str(exc)) from None


@bp.get("/v2/mappings")
def list_mappings() -> Response:
    try:
        return jsonify(current_mappings(_services()))
    except Exception as exc:  # the catalog (API or files) or PagerDuty failing: say which
        error = as_action_error(exc)
        if error is None:
            raise
        raise error from None


@bp.put("/v2/mappings/<path:entity_ref>")
def put_mapping(entity_ref: str) -> Response:
    ref = _entity_ref(entity_ref)
    body = read_json_object()
    unknown = set(body) - {"serviceId", "account"}
    if unknown or "serviceId" not in body:
        raise InputError('send {"serviceId": "P..." or null, "account": optional}')
    service_id: Any = body["serviceId"]
    if service_id is not None and (
        not isinstance(service_id, str) or not service_id.isalnum() or len(service_id) > 50
    ):
        raise InputError(
            "serviceId must be a PagerDuty service id (at most 50 letters and digits) or null",
            details=[{"path": "$.serviceId", "message": "must be a PagerDuty service id or null"}],
        )
    account = _mapping_account(body.get("account"))
    _check_mapping_target(_services(), ref, service_id, account)
    MappingStore(_services().db).put(ref, service_id, account, by=_caller())
    return jsonify({"entityRef": ref, "serviceId": service_id, "source": "override"})


def _check_mapping_target(
    services: Services, ref: str, service_id: str | None, account: str | None
) -> None:
    """Refuse an override naming an entity the catalog does not have or a service the account
    does not have: a typo would sit in the table claiming nothing (or a stranger's service)
    until some run's report. The cost is one catalog
    lookup (one entity by name from the catalog API, or the configured catalog files read as
    a sync reads them), then, for an entity found, one service read from PagerDuty."""
    problems: list[dict[str, str]] = []
    try:
        config = services.config
        files, backstage = config.section("catalog").get("files"), config.section("backstage")
        if files:
            known = {e.ref for e in load_catalog_files(list(files), Path.cwd(), problems=[])}
            if ref not in known:
                kind_namespace, _, name = ref.rpartition("/")  # compare names, not prefixes
                alike = {
                    k.rpartition("/")[2]: k for k in known if k.rpartition("/")[0] == kind_namespace
                }
                close = [alike[n] for n in similar(name, alike)]
                hint = f"; did you mean {' or '.join(close)}?" if close else ""
                problems.append(
                    {"path": "$.entityRef", "message": f"{ref} is not in catalog.files{hint}"}
                )
        elif backstage.get("baseUrl"):
            one = parse_entity_ref(ref)
            wanted = f"kind={one.kind},metadata.namespace={one.namespace},metadata.name={one.name}"
            with BackstageCatalogClient(str(backstage["baseUrl"]), backstage.get("token")) as api:
                found = api.iter_entities([wanted], fields=("kind",), page_size=1)
                if next(found, None) is None:
                    problems.append(
                        {"path": "$.entityRef", "message": f"{ref} is not in the Backstage catalog"}
                    )
        else:
            problems.append(
                {
                    "path": "$.entityRef",
                    "message": f"cannot check that {ref} is in the catalog: no catalog is "
                    "configured (set catalog.files or backstage.baseUrl)",
                }
            )
        if service_id is not None and not problems:  # no PagerDuty read for a refused entity
            client = services.pagerduty_client(account)
            try:
                pd_services.get(client, service_id)
            except pd.ObjectNotFoundError:
                problems.append(
                    {
                        "path": "$.serviceId",
                        "message": f"PagerDuty service {service_id} does not exist in account "
                        f"{client.account.id!r}",
                    }
                )
    except Exception as exc:  # the catalog (API or files) or PagerDuty failing: say which
        error = as_action_error(exc)
        if error is None:
            raise
        raise error from None
    if problems:
        summary = "; ".join(f"{d['path']}: {d['message']}" for d in problems)
        raise InputError(f"mapping not stored: {summary}", details=problems)


_JSON_TYPES = {"dict": "an object", "list": "an array", "bool": "a boolean"}


def _mapping_account(value: Any) -> str | None:
    """A mapping's ``account``: absent or null (the default account) or a configured id."""
    if value is None:
        return None
    known = _services().pagerduty.accounts.ids
    if isinstance(value, str) and value in known:
        return value
    listed = ", ".join(sorted(known)) or "none configured"
    sent = (
        clip(repr(value), QUOTE_LIMIT)
        if isinstance(value, str)
        else _JSON_TYPES.get(type(value).__name__, "a number")
    )
    problem = f"must be the id of a configured PagerDuty account ({listed}) or null, not {sent}"
    raise InputError(f"$.account: {problem}", details=[{"path": "$.account", "message": problem}])


@bp.delete("/v2/mappings/<path:entity_ref>")
def delete_mapping(entity_ref: str) -> tuple[str, int]:
    ref = _entity_ref(entity_ref)
    if not MappingStore(_services().db).delete(ref):
        raise NotFoundError(f"no stored mapping for {ref}")
    return "", 204
