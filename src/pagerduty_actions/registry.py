"""The action registry: the one way to run an action.

Built from a Python list of handler modules (``handlers.HANDLERS``); each module binds itself
to its action by ``ACTION_ID``, and its manifest (``actions/<name>.yaml``) and schemas
(``schemas/actions/<name>.input.json|.output.json``) are found by the module's own name, so
no string names a function and one name leads to every part of an action.
HTTP, the CLI, the template runner and the Backstage module all come through ``Registry.run``,
so validation, permissions, idempotency, the audit trail and logging are the same everywhere.
A missing manifest or schema, a manifest without a module or an id that does not match stops
start-up with a clear message, rather than failing on the first request that needs it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import inspect
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from io import StringIO
from pathlib import Path
from types import ModuleType
from typing import Any

from ruamel.yaml import YAML

from .action_manifests import (
    RegistryError,
    actions_folder,
    load_schema,
    read_manifest,
    schemas_folder,
)
from .context import ActionContext, RunProgress
from .errors import (
    ActionError,
    ConflictError,
    InputError,
    InternalError,
    NotAllowedError,
    NotFoundError,
    ServiceUnavailableError,
)
from .redaction import QUOTE_LIMIT, clip
from .schema_checks import quick_is_valid
from .services import Services
from .store import DatabaseUnavailable, IdempotencyStore
from .store.audit import AuditLog
from .store.encryption import StoredDataUnreadable
from .store.heartbeat import Heartbeat
from .store.idempotency import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    IdempotencyLeaseLost,
    Reservation,
)
from .sync import service as sync_service
from .validation import (
    check_action_input,
    describe_errors,
    input_validator,
    output_validator,
)

# ``run(ctx, payload, **services)``: the services are the keyword-only parameters it names.
Handler = Callable[..., dict[str, Any]]
ErrorMapper = Callable[[BaseException], ActionError | None]
_LOG = logging.getLogger("pagerduty_actions.registry")
# What a handler may be given: it names one as a keyword-only parameter of its ``run``, and
# the registry makes it from this process's Services for each run. Handlers never see
# Services itself, so each one's needs are in its signature.
PROVIDERS: dict[str, Callable[[Services], object]] = {
    "config": lambda services: services.config,
    "db": lambda services: services.db,
    "pagerduty": lambda services: services.pagerduty,
    "work_dir": lambda services: services.work_dir(),
    # the one sync operation (sync/service.py), bound to these services
    "start_sync": lambda services: partial(sync_service.start, services),
}


@dataclass(frozen=True)
class ActionSpec:
    id: str
    name: str
    description: str
    handler: Handler
    needs: tuple[str, ...]
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    supports_dry_run: bool
    examples: list[dict[str, Any]]
    manifest_path: Path
    # The handler's first statement of a real run is a database write that answers an
    # unreachable database with the run's own 503 ("...; the action was not run"), before any
    # PagerDuty write: the run's separate ping is then a round trip that proves nothing more
    # (a handler module says so with ``DATABASE_FIRST = True``).
    database_first: bool = False

    def describe(self) -> dict[str, Any]:
        """Backstage's action list entry: ``{id, description, examples, schema}``."""
        return {
            "id": self.id,
            "description": self.description,
            "examples": [
                {"description": e["description"], "example": _yaml_text(e["steps"])}
                for e in self.examples
            ],
            "schema": {"input": self.input_schema, "output": self.output_schema},
            "supportsDryRun": self.supports_dry_run,
        }


@dataclass
class RunResult:
    output: dict[str, Any]
    log: list[dict[str, str]]
    dry_run: bool
    sandbox: bool = False
    replayed: bool = False

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"output": self.output, "log": self.log, "dryRun": self.dry_run}
        if self.sandbox:
            body["sandbox"] = True
        return body


@dataclass(frozen=True)
class Caller:
    """Who is calling (a configured token's name) and what it may run."""

    name: str
    allowed_actions: tuple[str, ...] | None = None

    def may_run(self, action_id: str) -> bool:
        if self.allowed_actions is None:
            return True
        return any(fnmatch.fnmatchcase(action_id, p) for p in self.allowed_actions)


def _yaml_text(value: Any) -> str:
    stream = StringIO()
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.dump(value, stream)
    return stream.getvalue()


def action_name(module: ModuleType) -> str:
    """The one name of an action: its handler module's own name (``service_create``)."""
    return module.__name__.rpartition(".")[2]


def _bound_handler(module: ModuleType) -> tuple[str, Handler]:
    """The id a handler module binds itself to (``ACTION_ID``) and its ``run``."""
    action_id, run = getattr(module, "ACTION_ID", None), getattr(module, "run", None)
    if not isinstance(action_id, str) or not action_id:
        raise RegistryError(
            f"handler module {module.__name__} has no ACTION_ID: set ACTION_ID = "
            "'<the id of its manifest>' at module level"
        )
    if not callable(run):
        raise RegistryError(f"handler module {module.__name__} has no run function")
    return action_id, run


def _needs(module: ModuleType, run: Handler) -> tuple[str, ...]:
    """The services ``run`` asks for: its keyword-only parameters, each named after a
    provider; ``run(ctx, payload, *, pagerduty, db)`` is given the client pool and database."""
    params = list(inspect.signature(run).parameters.values())
    positional = [p for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    if len(positional) != 2:
        raise RegistryError(
            f"{module.__name__}.run must take (ctx, payload) and then, keyword-only, the "
            f"services it needs (known: {', '.join(sorted(PROVIDERS))})"
        )
    needs = tuple(p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY)
    unknown = [n for n in needs if n not in PROVIDERS]
    if unknown:
        raise RegistryError(
            f"{module.__name__}.run asks for {', '.join(map(repr, unknown))}, which no service "
            f"provides; known: {', '.join(sorted(PROVIDERS))}"
        )
    return needs


def load_action(module: ModuleType, actions_dir: Path, schemas_dir: Path) -> ActionSpec:
    """One action from its handler module and the files named after it:
    ``<actions_dir>/<name>.yaml`` and ``<schemas_dir>/<name>.input.json|.output.json``."""
    action_id, run = _bound_handler(module)
    name = action_name(module)
    path = actions_dir / f"{name}.yaml"
    if not path.is_file():
        raise RegistryError(
            f"handler module {module.__name__} ({action_id}) has no manifest: "
            f"write {path} (named after the module)"
        )
    raw = read_manifest(path)
    if raw["id"] != action_id:
        raise RegistryError(
            f"{path}: id {raw['id']!r} is not the ACTION_ID {action_id!r} of its handler "
            f"module {module.__name__}; a manifest and its module name the same action"
        )
    return ActionSpec(
        id=action_id,
        name=name,
        description=str(raw["description"]).strip(),
        handler=run,
        needs=_needs(module, run),
        input_schema=load_schema(schemas_dir / f"{name}.input.json", path),
        output_schema=load_schema(schemas_dir / f"{name}.output.json", path),
        supports_dry_run=bool(raw.get("supportsDryRun", False)),
        examples=list(raw.get("examples") or []),
        manifest_path=path,
        database_first=bool(getattr(module, "DATABASE_FIRST", False)),
    )


def _unclaimed_manifests(actions_dir: Path, names: set[str]) -> list[Path]:
    return [p for p in sorted(actions_dir.glob("*.yaml")) if p.stem not in names]


def request_hash(action_id: str, payload: Mapping[str, Any]) -> str:
    canonical = json.dumps({"action": action_id, "input": payload}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Registry:
    def __init__(
        self, specs: Iterable[ActionSpec], error_mappers: Iterable[ErrorMapper] | None = None
    ):
        self._specs: dict[str, ActionSpec] = {}
        for spec in specs:
            if spec.id in self._specs:
                other = self._specs[spec.id].manifest_path
                raise RegistryError(f"{spec.manifest_path}: action id {spec.id!r} also in {other}")
            self._specs[spec.id] = spec
        self._validators = {
            s.id: (input_validator(s.input_schema), output_validator(s.output_schema))
            for s in self._specs.values()
        }
        if error_mappers is None:
            from .handlers.errors import ERROR_MAPPERS

            error_mappers = ERROR_MAPPERS
        self.error_mappers = list(error_mappers)

    @classmethod
    def load(
        cls,
        handlers: Iterable[ModuleType] | None = None,
        actions_dir: Path | None = None,
        schemas_dir: Path | None = None,
        error_mappers: Iterable[ErrorMapper] | None = None,
    ) -> Registry:
        """The registry of ``handlers`` (default: ``handlers.HANDLERS``, the one list of our
        actions), each with the manifest and schemas named after its module."""
        if handlers is None:
            from .handlers import HANDLERS

            handlers = HANDLERS
        actions_dir = actions_folder(actions_dir)
        schemas_dir = schemas_folder(schemas_dir)
        modules = list(handlers)
        names = [action_name(m) for m in modules]
        orphans = _unclaimed_manifests(actions_dir, set(names))
        if orphans:
            raise RegistryError(
                f"{orphans[0]}: no handler module named {orphans[0].stem!r} is listed; add "
                "it to HANDLERS (pagerduty_actions/handlers/__init__.py) or remove the file"
            )
        return cls((load_action(m, actions_dir, schemas_dir) for m in modules), error_mappers)

    def specs(self) -> list[ActionSpec]:
        return sorted(self._specs.values(), key=lambda s: s.id)

    def get(self, action_id: str) -> ActionSpec:
        spec = self._specs.get(action_id)
        if spec is None:
            known = ", ".join(sorted(self._specs)) or "none"
            quoted = clip(repr(action_id), QUOTE_LIMIT)
            raise NotFoundError(f"no action {quoted}; known actions: {known}")
        return spec

    def validate_input(self, action_id: str, payload: Any) -> None:
        check_action_input(self._validators[action_id][0], action_id, payload)

    def run(
        self,
        action_id: str,
        payload: Any,
        *,
        services: Services,
        dry_run: bool = False,
        caller: Caller | None = None,
        initiator: str | None = None,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> RunResult:
        """Validate, authorise, deduplicate, run the handler, validate its output, audit.

        A request refused before it runs (not allowed, no dry run, invalid input) touches no
        database and leaves no audit row: it is not a run, and the access and run log lines
        record it. Everything past those checks is audited, whatever its outcome.
        """
        caller = caller or Caller("anonymous")
        spec = self.get(action_id)
        if not caller.may_run(action_id):
            raise NotAllowedError(
                f"caller {caller.name!r} may not run {action_id}; "
                "add it to this token's 'actions' list in auth.tokens"
            )
        if dry_run and not spec.supports_dry_run:
            raise InputError(f"{action_id} does not support dry run")
        self.validate_input(action_id, payload)
        started, t0 = datetime.now(UTC), time.monotonic()
        outcome, error_name = "error", None
        try:
            if dry_run or idempotency_key or not spec.database_first:
                _require_db(services)  # else the handler's first write is the check
            result = self._run_once(
                spec, payload, services, dry_run, caller, initiator, idempotency_key, request_id
            )
            outcome = "replayed" if result.replayed else "success"
            return result
        except ActionError as exc:
            error_name = exc.name
            raise
        finally:
            self._audit(
                services, spec.id, caller, initiator, dry_run, outcome, error_name,
                idempotency_key, started, int((time.monotonic() - t0) * 1000),
            )  # fmt: skip

    def _run_once(
        self,
        spec: ActionSpec,
        payload: dict[str, Any],
        services: Services,
        dry_run: bool,
        caller: Caller,
        initiator: str | None,
        idempotency_key: str | None,
        request_id: str | None,
    ) -> RunResult:
        store = _idempotency_store(services) if (idempotency_key and not dry_run) else None
        reservation = None
        if store is not None and idempotency_key:
            try:
                reservation = store.reserve(
                    caller.name, idempotency_key, spec.id, request_hash(spec.id, payload)
                )
            except IdempotencyKeyReused as exc:
                raise ConflictError(
                    f"{exc}; use a new Idempotency-Key for a different request"
                ) from None
            except IdempotencyInProgress as exc:
                # Answered at once: a duplicate never holds a worker thread while it waits.
                raise ConflictError(str(exc), retryable=True, retry_after=exc.retry_after) from None
            except DatabaseUnavailable as exc:
                raise ServiceUnavailableError(str(exc)) from None
            except StoredDataUnreadable as exc:
                # Running again could make a second service: refuse until the key is back.
                raise ServiceUnavailableError(
                    f"{exc}; the action was not run again", retryable=False
                ) from None
            if reservation.response is not None:
                stored = reservation.response
                return RunResult(
                    stored["output"], stored["log"], stored["dryRun"],
                    sandbox=bool(stored.get("sandbox")), replayed=True,
                )  # fmt: skip
        ctx = ActionContext(
            action_id=spec.id,
            dry_run=dry_run,
            caller=caller.name,
            initiator=initiator,
            request_id=request_id,
            progress=_progress(store, reservation),
        )
        try:
            if store is not None and reservation is not None:
                with _heartbeat(store, reservation):
                    output = self._call_handler(spec, ctx, payload, services)
            else:
                output = self._call_handler(spec, ctx, payload, services)
        except BaseException:
            if store is not None and reservation is not None:
                _quietly(lambda: store.release(reservation))
            raise
        result = RunResult(output, ctx.log_lines, dry_run, sandbox=services.sandbox_mode)
        if store is not None and reservation is not None:
            try:
                store.complete(reservation, result.body())
            except DatabaseUnavailable:
                _LOG.error("could not store the response for key %r", idempotency_key)
        return result

    def _call_handler(
        self, spec: ActionSpec, ctx: ActionContext, payload: dict[str, Any], services: Services
    ) -> dict[str, Any]:
        try:
            given = {name: PROVIDERS[name](services) for name in spec.needs}
            output = spec.handler(ctx, payload, **given)
        except ActionError:
            raise
        except Exception as exc:
            mapped = self._map_error(exc)
            if mapped is not None:
                raise mapped from exc
            _LOG.exception("action %s failed with an unexpected error", spec.id)
            raise InternalError(
                f"{spec.id} failed unexpectedly; the server log has the details "
                f"(request id {ctx.request_id or 'n/a'})"
            ) from exc
        if services.sandbox_mode and isinstance(output, dict):
            output = {**output, "sandbox": True}
        if quick_is_valid(self._validators[spec.id][1], output):
            return output  # the common case: no error to word, so no walk
        problems = describe_errors(self._validators[spec.id][1], output)
        if problems:
            _LOG.error("action %s returned output that breaks its schema: %s", spec.id, problems)
            raise InternalError(
                f"{spec.id} produced output that does not match its schema (a bug); "
                f"the server log has the details (request id {ctx.request_id or 'n/a'})"
            )
        return output

    def _map_error(self, exc: BaseException) -> ActionError | None:
        for mapper in self.error_mappers:
            mapped = mapper(exc)
            if mapped is not None:
                return mapped
        if isinstance(exc, DatabaseUnavailable):
            return ServiceUnavailableError(str(exc))
        if isinstance(exc, IdempotencyLeaseLost):
            return ConflictError(str(exc), retryable=True, retry_after=1)
        return None

    def _audit(
        self,
        services: Services,
        action_id: str,
        caller: Caller,
        initiator: str | None,
        dry_run: bool,
        outcome: str,
        error_name: str | None,
        idempotency_key: str | None,
        started: datetime,
        duration_ms: int,
    ) -> None:
        _quietly(
            lambda: AuditLog(services.db).record(
                action_id=action_id,
                caller=caller.name,
                initiator=initiator,
                dry_run=dry_run,
                outcome=outcome,
                error_name=error_name,
                idempotency_key=idempotency_key,
                started_at=started,
                duration_ms=duration_ms,
            )
        )


def _require_db(services: Services) -> None:
    try:
        services.db.ping()
    except DatabaseUnavailable as exc:
        raise ServiceUnavailableError(f"{exc}; the action was not run") from None


def _idempotency_store(services: Services) -> IdempotencyStore:
    section = services.config.section("idempotency")
    return IdempotencyStore(
        services.db,
        cipher=services.cipher,
        retention_hours=float(section["retentionHours"]),
        lease_seconds=float(section["leaseSeconds"]),
        wait_seconds=float(section["waitSeconds"]),
        retry_after_seconds=float(section["retryAfterSeconds"]),
    )


def _progress(store: IdempotencyStore | None, reservation: Reservation | None) -> RunProgress:
    """The run's progress record: on the key's row when there is one, else nowhere."""
    if store is None or reservation is None:
        return RunProgress()
    return RunProgress(
        reservation.progress, lambda progress: store.save_progress(reservation, progress)
    )


def _heartbeat(store: IdempotencyStore, reservation: Reservation) -> Heartbeat:
    """Renews the key's lease while the handler runs, so a short lease never lapses under a
    live run and a crashed one is taken over soon."""
    return Heartbeat(
        lambda: store.renew(reservation),
        store.lease_seconds / 3,
        f"Idempotency-Key {reservation.key!r}",
    )


def _quietly(call: Callable[[], object]) -> None:
    try:
        call()
    except Exception:
        _LOG.warning("bookkeeping failed", exc_info=True)
