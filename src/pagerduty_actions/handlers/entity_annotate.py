"""``pagerduty:entity:annotate``: write ``pagerduty.com/*`` annotations into a component's own
``catalog-info.yaml``, as a reviewed pull request (default) or a direct commit.

PagerDuty's plugin keeps mappings in its own table and patches entities in memory; we change
the file a person owns instead, touching only the annotation lines. The integration key is a
secret, so by default only the service id (and the account, when not the default) is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Required, TypedDict

from ruamel.yaml import YAML

from .. import pagerduty as pd
from ..catalog import (
    AmbiguousEntityError,
    CatalogError,
    EntityNotFoundError,
    InvalidEntityRefError,
    annotation_keys,
    backstage_api,
    parse_entity_ref,
    select_entity,
    set_annotations,
)
from ..catalog.annotation_keys import ACCOUNT, INTEGRATION_KEY, SERVICE_ID
from ..config import Config
from ..context import ActionContext
from ..errors import InputError
from ..pagerduty.resources import integrations, services
from ..paths import data_dir
from ..scm import DeliveryRequest, DeliveryResult, EditOutcome, deliver, parse_repo_url
from ..sync.sources import integration_key_index
from ..template_engine import TemplateError, TemplateRenderer, TemplateSyntaxError
from .errors import not_in_account

ACTION_ID = "pagerduty:entity:annotate"


class Annotations(TypedDict, total=False):
    serviceId: str | None
    integrationKey: bool | str
    account: str
    remove: bool
    other: dict[str, str]


class CommitAuthor(TypedDict):
    name: str
    email: str


class EntityAnnotateInput(TypedDict, total=False):
    """``schemas/actions/entity_annotate.input.json`` (a test keeps the two in step)."""

    repoUrl: Required[str]
    catalogPath: str
    branch: str
    entityRef: str
    account: str
    annotations: Required[Annotations]
    replace: bool
    delivery: Literal["pull-request", "commit"]
    title: str
    body: str
    draft: bool
    commitMessage: str
    author: CommitAuthor
    refreshCatalog: bool


MASK = "********"
PLANNED_SERVICE_ID = "<id of the service to be created>"
_KEY_SHAPE = re.compile(r"^[A-Za-z0-9]{20,64}\Z")
_ENTITY_ERRORS = (AmbiguousEntityError, EntityNotFoundError, InvalidEntityRefError)
#: The body is the caller's code: the template engine's sandbox and budgets (output size, loop
#: iterations, string growth) bound what it may cost, dry runs included.
_BODY_RENDERER = TemplateRenderer(jinja_style=True)


def run(
    ctx: ActionContext,
    payload: EntityAnnotateInput,
    *,
    config: Config,
    pagerduty: pd.ClientPool,
    work_dir: Path,
) -> dict[str, Any]:
    integrations_config = config.section("integrations")
    location = parse_repo_url(payload["repoUrl"], integrations_config)
    removing = bool(payload["annotations"].get("remove"))
    to_set, service_url = ({}, None) if removing else _annotations_to_set(ctx, payload, pagerduty)
    catalog_path = payload.get("catalogPath", "catalog-info.yaml")
    edit = _AnnotationEdit(
        entity_ref=payload.get("entityRef"),
        to_set=to_set,
        removing=removing,
        replace=bool(payload.get("replace")),
        catalog_path=catalog_path,
    )
    entity_hint = _entity_hint(payload.get("entityRef"), location.repo)
    title = payload.get("title") or (
        f"Remove PagerDuty annotations from {entity_hint}" if removing
        else f"Connect {entity_hint} to PagerDuty"
    )  # fmt: skip
    mode = payload.get("delivery", "pull-request")
    request = DeliveryRequest(
        location,
        {catalog_path: edit},
        integrations_config,
        commit_message=payload.get("commitMessage") or title,
        mode=mode,
        branch=payload.get("branch"),
        branch_name=f"annotate-{_slug(entity_hint)}",
        branch_update="stack",  # runs at once for one entity keep each other's edits
        title=title,
        body=_body(payload, to_set, removing, service_url, ctx.initiator, catalog_path),
        draft=bool(payload.get("draft", False)),
        author=payload.get("author"),
        dry_run=ctx.dry_run,
        work_dir=work_dir,
    )
    delivered = deliver(request)
    entity_ref = delivered.reports.get(catalog_path) or entity_hint
    _log_outcome(ctx, delivered, entity_ref, mode)
    refreshed = False
    if payload.get("refreshCatalog") and delivered.changed and not ctx.dry_run and mode == "commit":
        refreshed = _refresh(ctx, config, entity_ref)
    return {
        "changed": delivered.changed,
        "commitSha": delivered.commit_sha,
        "branch": delivered.branch,
        "pullRequestUrl": delivered.pull_request_url,
        "pullRequestNumber": delivered.pull_request_number,
        "diff": delivered.diff,
        "entityRef": entity_ref,
        "annotations": {k: (MASK if k == INTEGRATION_KEY else v) for k, v in to_set.items()},
        "serviceUrl": service_url,
        "refreshed": refreshed,
        "warnings": list(ctx.warnings),
    }


@dataclass(frozen=True)
class _AnnotationEdit:
    """This run's change to the catalog file, as a function of the file's text (delivery runs
    it again on a fresh copy after a lost push race). It reports the entity it changed, and
    masks in its diff every integration key: the one written and the one replaced or removed.
    """

    entity_ref: str | None
    to_set: dict[str, str]
    removing: bool
    replace: bool
    catalog_path: str

    def __call__(self, text: str) -> EditOutcome[str]:
        try:
            current = _pagerduty_annotations(text, self.entity_ref)
        except _ENTITY_ERRORS as exc:  # about entityRef, not the file: say so
            raise _entity_error(exc) from None
        if not self.replace:
            _refuse_replacing(current, self.to_set, self.catalog_path)
        secrets = [v for k, v in self.to_set.items() if k == INTEGRATION_KEY]
        old_key = current.get(INTEGRATION_KEY)
        if isinstance(old_key, str) and old_key:
            secrets.append(old_key)  # a key being replaced or removed shows in the diff too
        remove = list(current) if self.removing else []
        result = set_annotations(text, self.entity_ref, self.to_set, remove, path=self.catalog_path)
        return EditOutcome(
            result.text, result.changed, _mask(result.diff, secrets), result.entity_ref
        )


def _annotations_to_set(
    ctx: ActionContext, payload: EntityAnnotateInput, pagerduty: pd.ClientPool
) -> tuple[dict[str, str], str | None]:
    """Resolve what to write: the service id (given, or found from a key), the account when
    it is not the default, the integration key only when asked, and any other keys."""
    wanted = payload["annotations"]
    client = pagerduty.get(payload.get("account"))
    service_id = wanted.get("serviceId")
    key = wanted.get("integrationKey")
    if isinstance(key, str) and not _KEY_SHAPE.match(key):
        # Checked here rather than by a schema pattern, whose message would echo the secret.
        raise InputError(
            "annotations.integrationKey must be 20 to 64 letters and digits, as PagerDuty "
            "issues them (the value is not shown: it is a secret); or true to look it up",
            details=[{"path": "$.annotations.integrationKey", "message": "not a key"}],
        )
    if service_id is None and "serviceId" in wanted and not isinstance(key, str):
        _check_unknown_service_id(ctx)
        return {SERVICE_ID: PLANNED_SERVICE_ID, **(wanted.get("other") or {})}, None
    if service_id is None and isinstance(key, str):
        service_id = integration_key_index(client).get(key)
        if service_id is None:
            raise InputError(
                "no PagerDuty service in this account owns the given integration key",
                details=[{"path": "$.annotations.integrationKey", "message": "unknown key"}],
            )
    out: dict[str, str] = {}
    service_url = None
    if service_id is not None:
        try:
            service = services.get(client, service_id, retry_404_for=3.0)
        except pd.ObjectNotFoundError:
            raise not_in_account(
                f"PagerDuty service {service_id}", client.account.id, "$.annotations.serviceId"
            ) from None
        out[SERVICE_ID] = service_id
        service_url = service.get("html_url")
    if key is True:
        found = integrations.find_backstage(client, str(service_id)) if service_id else None
        if not found or not found.get("integration_key"):
            raise InputError(
                f"service {service_id} has no Backstage integration to take the key from; "
                "create one (pagerduty:service:create with ifExists: reuse) or pass the key",
                details=[
                    {"path": "$.annotations.integrationKey", "message": "no Backstage integration"}
                ],
            )
        out[INTEGRATION_KEY] = str(found["integration_key"])
    elif isinstance(key, str):
        out[INTEGRATION_KEY] = key
    account = wanted.get("account") or (None if client.account.is_default else client.account.id)
    if account:
        out[ACCOUNT] = account
    out.update(wanted.get("other") or {})
    return out, service_url


def _check_unknown_service_id(ctx: ActionContext) -> None:
    """``serviceId: null``: a template passed the output of an earlier step that gave none.

    In a dry run that is expected (the earlier step only planned to create the service), so
    the plan shows a placeholder; in a real run it is an input error.
    """
    if ctx.dry_run:
        ctx.warn(
            "dry run: annotations.serviceId is null (an earlier step would create the service); "
            f"the diff shows {PLANNED_SERVICE_ID!r} in its place"
        )
        return
    raise InputError(
        "annotations.serviceId is null: the step meant to give the service id gave none; "
        "pass the id of an existing PagerDuty service or check the step that creates it",
        details=[{"path": "$.annotations.serviceId", "message": "null"}],
    )


def _refuse_replacing(current: dict[str, Any], to_set: dict[str, str], catalog_path: str) -> None:
    """A file already connecting the entity to another service is not silently re-pointed:
    a wrong id from a template would move its incidents card and dependencies to a stranger's
    service. ``replace: true`` says it is meant; the same id is a no-op as before."""
    old, new = current.get(SERVICE_ID), to_set.get(SERVICE_ID)
    if old is None or new is None or str(old) == new:
        return
    message = (
        f"{catalog_path} already has {SERVICE_ID}: {old}; this run would replace it with "
        f"{new}. Pass replace: true to point the entity at {new}, or give the service id "
        "already there"
    )
    raise InputError(
        message,
        details=[
            {
                "path": "$.annotations.serviceId",
                "message": f"the file has {old}; replace: true replaces it",
            }
        ],
    )


def _pagerduty_annotations(text: str, entity_ref: str | None) -> dict[str, Any]:
    """The entity's current ``pagerduty.com/*`` annotations: the keys ``remove: true`` drops,
    and the integration key already in the file, which must be masked in the diff."""
    info = select_entity(text, entity_ref)
    documents = list(YAML(typ="safe", pure=True).load_all(text))
    document = documents[info.document_index] or {}
    annotations = (document.get("metadata") or {}).get("annotations") or {}
    if not isinstance(annotations, dict):
        return {}  # set_annotations reports the unsupported shape
    return annotation_keys.pagerduty_annotations(annotations)


def _entity_error(exc: CatalogError) -> InputError:
    return InputError(exc.message, details=[{"path": "$.entityRef", "message": exc.message}])


def _body(
    payload: EntityAnnotateInput,
    to_set: dict[str, str],
    removing: bool,
    service_url: str | None,
    initiator: str | None,
    catalog_path: str,
) -> str:
    source = payload.get("body")
    if source is None:
        source = (data_dir("templates") / "pull-requests" / "annotate.md.j2").read_text(
            encoding="utf-8"
        )
    variables = {
        "entityRef": payload.get("entityRef") or f"the component in {catalog_path}",
        "catalogPath": catalog_path,
        "annotations": {k: (MASK if k == INTEGRATION_KEY else v) for k, v in to_set.items()},
        "removed": [f"every {annotation_keys.PREFIX}* annotation"] if removing else [],
        "serviceUrl": service_url,
        "initiator": initiator,
    }
    try:
        return _BODY_RENDERER.render_text(source, variables)
    except TemplateError as exc:  # the caller's body: a syntax error or a budget it exceeds
        problem = (
            "is not a valid Jinja2 template"
            if isinstance(exc, TemplateSyntaxError)
            else "cannot be rendered"
        )
        raise InputError(
            f"body {problem}: {exc}", details=[{"path": "$.body", "message": str(exc)}]
        ) from None


def _log_outcome(
    ctx: ActionContext, delivered: DeliveryResult[str], entity_ref: str, mode: str
) -> None:
    if not delivered.changed:
        ctx.log(f"{entity_ref} already has these annotations: nothing to commit")
    elif ctx.dry_run:
        ctx.log(f"dry run: {entity_ref} would change ({mode}); nothing pushed")
    elif delivered.pull_request_url:
        ctx.log(f"pull request for {entity_ref}: {delivered.pull_request_url}")
    else:
        ctx.log(f"committed {delivered.commit_sha} to {delivered.branch} for {entity_ref}")
    if delivered.superseded:
        ctx.warn(
            f"a later run rebuilt {delivered.branch} on a newer {delivered.base_branch} after "
            f"this one pushed: commit {delivered.commit_sha} is no longer on it, and the pull "
            "request now shows that run's change"
        )


def _refresh(ctx: ActionContext, config: Config, entity_ref: str) -> bool:
    backstage = config.section("backstage")
    if not backstage.get("baseUrl"):
        ctx.warn(
            "refreshCatalog: backstage.baseUrl is not configured; "
            "the catalog refreshes on its own cycle"
        )
        return False
    try:
        backstage_api.refresh_entity(str(backstage["baseUrl"]), backstage.get("token"), entity_ref)
    except backstage_api.CatalogApiError as exc:
        ctx.warn(f"refreshCatalog: Backstage did not accept the refresh: {exc}")
        return False
    ctx.log(f"asked Backstage to refresh {entity_ref}")
    return True


def _entity_hint(entity_ref: str | None, repo: str) -> str:
    """What the default branch name and title call the entity: its normalised ref, so that
    ``checkout-api``, ``component:checkout-api`` and ``Component:default/checkout-api`` give
    one branch (and so one pull request, updated on a re-run) instead of one per spelling.

    The short form is the bare name for a component in the default namespace (the common case,
    and what the title reads best with), else ``kind:namespace/name``; all lower-cased, as
    Backstage compares refs case-insensitively. Without ``entityRef`` the repository name
    stands in: the entity is only known once the file is read, after the branch is chosen.
    """
    if entity_ref is None:
        return repo
    try:
        ref = parse_entity_ref(entity_ref)
    except InvalidEntityRefError as exc:  # refused before anything is cloned
        raise _entity_error(exc) from None
    return ref.compact()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "entity"


def _mask(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text
