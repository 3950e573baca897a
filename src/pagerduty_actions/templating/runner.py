"""Run a Backstage template's steps here, in order, as the Backstage scaffolder would.

The runner is a client of the registry like HTTP is: our actions run in-process through
``Registry.run`` (same validation, idempotency, audit), including those a template reaches
through the Backstage proxy with ``http:backstage:request``, whose result comes back wrapped
as that action would return it (``{code, headers, body}``). Backstage built-ins that only
touch files run on a local workspace; anything else only Backstage can run, so a dry run
records it as skipped with its rendered input and a real run stops there with a clear error.

Before any step: the template is linted (errors stop the run) and the values are checked
against the parameter schemas. A failing step stops the run; later steps do not run and
the report names the step and the reason. Nothing is retried.

In a dry run each step of ours records its rendered input and its plan; in a real run, what
it made (see run_effects: git is real even when PagerDuty is the sandbox, so a sandbox
service id is not pushed to a hosted repository unless ``allow_real_git``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from pagerduty_actions.errors import ActionError
from pagerduty_actions.json_validators import Draft7
from pagerduty_actions.registry import Caller, Registry, RunResult
from pagerduty_actions.services import Services
from pagerduty_actions.template_engine.engine import TemplateRenderer
from pagerduty_actions.template_engine.errors import TemplateError
from pagerduty_actions.template_engine.jsvalues import is_undefined
from pagerduty_actions.templating.builtin_schemas import BUILTIN_INPUT_SCHEMAS
from pagerduty_actions.templating.builtins import BUILTINS, BuiltinContext, BuiltinError
from pagerduty_actions.templating.known_actions import (
    DEFAULT_PROXY_NAME,
    HTTP_BACKSTAGE_REQUEST,
    ProxyRoute,
    proxy_route,
)
from pagerduty_actions.templating.preflight import action_schemas, preflight
from pagerduty_actions.templating.run_effects import (
    SandboxDeliveryRefused,
    check_delivery,
    effects_of,
)
from pagerduty_actions.templating.run_report import (
    COMPLETED,
    FAILED,
    NOT_RUN,
    SKIPPED,
    RunReport,
    Scrubber,
    StepResult,
)
from pagerduty_actions.templating.template import TemplateDocument, format_path
from pagerduty_actions.validation import describe_errors

Progress = Callable[[StepResult], None]


class StepFailure(Exception):
    """A step cannot complete; the message is what the template author reads."""


class _Skip(Exception):
    """The step is recorded as skipped (dry run of an action only Backstage runs)."""


class TemplateRunner:
    """Runs templates against one registry and one set of services (the sandbox, or real)."""

    def __init__(
        self,
        registry: Registry,
        services: Services,
        *,
        proxy_name: str = DEFAULT_PROXY_NAME,
        renderer: TemplateRenderer | None = None,
        caller: Caller | None = None,
        allow_real_git: bool = False,
    ) -> None:
        self._registry = registry
        self._services = services
        self._proxy = proxy_name
        self._renderer = renderer or TemplateRenderer()
        self._caller = caller or Caller("template-runner")
        self._actions = action_schemas(registry)
        #: Push sandbox service ids to hosted git repositories anyway (``--allow-real-git``).
        self._allow_real_git = allow_real_git

    def run(
        self,
        document: TemplateDocument,
        values: Mapping[str, Any],
        *,
        workspace: Path,
        dry_run: bool = False,
        secrets: Mapping[str, Any] | None = None,
        user: Mapping[str, Any] | None = None,
        task_id: str | None = None,
        on_progress: Progress | None = None,
    ) -> RunReport:
        """Lint, check values, run every step in order; raises ``InputError`` before step 1."""
        parameters = preflight(
            document, values, self._actions, proxy_name=self._proxy, renderer=self._renderer
        )
        workspace.mkdir(parents=True, exist_ok=True)
        run = _Run(
            self,
            document,
            workspace,
            dry_run,
            Scrubber((secrets or {}).values()),
            task_id or uuid.uuid4().hex,
            on_progress,
        )
        run.context = {
            "parameters": parameters,
            "steps": {},
            "secrets": dict(secrets or {}),
            "user": dict(user or {}),
        }
        return run.execute()


class _Run:
    """The state of one run: context, report, and where it is."""

    def __init__(
        self,
        runner: TemplateRunner,
        document: TemplateDocument,
        workspace: Path,
        dry_run: bool,
        scrub: Scrubber,
        task_id: str,
        on_progress: Progress | None,
    ) -> None:
        self.runner = runner
        self.doc = document
        self.dry_run = dry_run
        self.scrub = scrub
        self.task_id = task_id
        self.on_progress = on_progress
        self.context: dict[str, Any] = {}
        self.report = RunReport(
            template=document.name,
            dry_run=dry_run,
            sandbox=runner._services.sandbox_mode,
            workspace=workspace,
        )
        self.builtin_ctx = BuiltinContext(
            workspace=workspace,
            template_dir=document.base_dir,
            renderer=runner._renderer,
            log=lambda message: None,
            dry_run=dry_run,
        )

    def execute(self) -> RunReport:
        for step in self.doc.steps:
            if self.report.error is not None:
                self._record(_result(step, NOT_RUN))
                continue
            self._step(step)
        if self.report.error is None:
            self._render_output()
        return self.report

    # -- steps --------------------------------------------------------------------------

    def _step(self, step: dict[str, Any]) -> None:
        result = _result(step, COMPLETED)
        started = time.monotonic()
        renderer = self.runner._renderer
        try:
            if "if" in step and not renderer.render_condition(step["if"], self.context):
                result.status, result.reason = SKIPPED, "if: is false"
            elif "each" in step:
                result.output = self._each(step, result)
            else:
                result.output = self._invoke(step, self.context, result)
        except _Skip as skip:
            result.status, result.reason = SKIPPED, str(skip)
        except (TemplateError, ActionError, BuiltinError, StepFailure) as exc:
            result.status = FAILED
            result.reason = self.scrub.text(_message(exc))
            self.report.failed_step = result.id or f"#{self.doc.steps.index(step)}"
            self.report.error = (
                f"step {self.report.failed_step} ({result.action}) failed: {result.reason}"
            )
        result.seconds = time.monotonic() - started
        if isinstance(step.get("id"), str):
            self.context["steps"][step["id"]] = {"output": result.output}
        self._record(result)

    def _each(self, step: dict[str, Any], result: StepResult) -> dict[str, Any]:
        items = self.runner._renderer.each_items(step["each"], self.context)
        collected: dict[str, list[Any]] = {}
        for item in items:
            output = self._invoke(step, {**self.context, "each": item}, result)
            for key, value in output.items():
                collected.setdefault(key, []).append(value)
        return dict(collected)

    def _invoke(
        self, step: dict[str, Any], context: Mapping[str, Any], result: StepResult
    ) -> dict[str, Any]:
        rendered = self.runner._renderer.render_value(step.get("input", {}), context)
        params: dict[str, Any] = {} if is_undefined(rendered) else rendered
        if not isinstance(params, dict):
            raise StepFailure("the input must render to an object")
        action = result.action
        # One idempotency key per step (and per each: item) of this task, as Backstage's
        # native actions get: a re-run with the same task id replays instead of repeating.
        item = context.get("each")
        suffix = f"{result.id}[{item['key']}]" if isinstance(item, dict) else str(result.id)
        many = "each" in context
        if action in self.runner._actions:
            return self._our_action(
                action, params, result, key_suffix=suffix, step_input=params, many=many
            ).output
        if action in BUILTINS:
            return self._builtin(action, params, result)
        if action == HTTP_BACKSTAGE_REQUEST:
            route = proxy_route(str(params.get("path", "")), self.runner._proxy)
            if route is not None:
                return self._proxy_request(route, params, result, suffix, many)
        return self._backstage_only(action, params, result)

    def _our_action(
        self,
        action: str,
        params: dict[str, Any],
        result: StepResult,
        *,
        key_suffix: str,
        step_input: dict[str, Any],
        many: bool,
        dry_run: bool = False,
        key: str | None = None,
    ) -> RunResult:
        dry = self.dry_run or dry_run
        spec = self.runner._registry.get(action)
        services = self.runner._services
        integrations = services.config.section("integrations")
        if dry:
            _note(result, "input", self.scrub.value(step_input), many)
        if dry and not spec.supports_dry_run:
            raise _Skip(f"{action} has no dry run")
        if not dry and not self.runner._allow_real_git:
            try:
                check_delivery(
                    action, params, sandbox=services.sandbox_mode, integrations=integrations
                )
            except SandboxDeliveryRefused as exc:
                raise StepFailure(str(exc)) from None
        outcome = self.runner._registry.run(
            action,
            params,
            services=self.runner._services,
            dry_run=dry,
            caller=self.runner._caller,
            idempotency_key=None if dry else (key or f"template:{self.task_id}:{key_suffix}"),
        )
        result.dry_run = dry
        self.report.sandbox = self.report.sandbox or outcome.sandbox
        for line in outcome.log:
            self._log(result, line.get("message", ""), line.get("level", "info"))
        if isinstance(outcome.output, dict) and outcome.output.get("sandbox"):
            self.report.sandbox = True
        if dry:
            _note(result, "plan", self._plan_of(outcome.output), many)
        else:
            self.report.effects += effects_of(
                action, params, outcome.output, step_id=result.id,
                sandbox=outcome.sandbox or services.sandbox_mode, integrations=integrations,
            )  # fmt: skip
        return outcome

    def _plan_of(self, output: dict[str, Any]) -> Any:
        """The action's ``plan``, else its whole dry-run output; never an integration key."""
        plan = output.get("plan", output)
        return self.scrub.value(_without_keys(plan))

    def _proxy_request(
        self,
        route: ProxyRoute,
        params: dict[str, Any],
        result: StepResult,
        suffix: str,
        many: bool,
    ) -> dict[str, Any]:
        action = route.action_id
        method = str(params.get("method", "")).upper()
        if method != "POST":
            raise StepFailure(
                f"{method or 'no method'} {params.get('path')} does not run an action; use POST"
            )
        headers = {str(k).lower(): v for k, v in (params.get("headers") or {}).items()}
        body = params.get("body")
        if not isinstance(body, dict):
            raise StepFailure(f"{action}: the body must be an object of the action's inputs")
        if "json" not in str(headers.get("content-type", "")).lower():
            raise StepFailure(
                f"{action}: the request has no 'content-type: application/json' header, so "
                "Backstage would not send the body as JSON (our API answers 415)"
            )
        key = headers.get("idempotency-key")
        outcome = self._our_action(
            action, body, result, key_suffix=suffix, step_input=params, many=many,
            dry_run=route.dry_run, key=str(key) if key else None,
        )  # fmt: skip
        return {
            "code": 200,
            "headers": {"content-type": "application/json"},
            "body": outcome.body(),
        }

    def _builtin(self, action: str, params: dict[str, Any], result: StepResult) -> dict[str, Any]:
        details = describe_errors(cast(Any, Draft7(BUILTIN_INPUT_SCHEMAS[action])), params)
        if details:
            summary = "; ".join(f"{d['path']}: {d['message']}" for d in details[:3])
            raise StepFailure(f"invalid input for {action}: {summary}")
        self.builtin_ctx.log = lambda message: self._log(result, message)
        return BUILTINS[action](self.builtin_ctx, params)

    def _backstage_only(
        self, action: str, params: dict[str, Any], result: StepResult
    ) -> dict[str, Any]:
        if self.dry_run:
            result.input = self.scrub.value(params)
            raise _Skip("runs only in Backstage; input recorded")
        raise StepFailure(
            f"{action} runs only in Backstage; use --dry-run to see its input, or run the "
            "template in Backstage"
        )

    # -- output and bookkeeping ---------------------------------------------------------

    def _render_output(self) -> None:
        output = self.doc.spec.get("output")
        if not isinstance(output, dict):
            return
        renderer = self.runner._renderer
        try:
            rendered: dict[str, Any] = {}
            for key, value in output.items():
                if key in ("links", "text") and isinstance(value, list):
                    value = self._shown_items(value)
                item = renderer.render_value(value, self.context)
                if not is_undefined(item):
                    rendered[key] = item
        except TemplateError as exc:
            where = format_path(("spec", "output", *exc.path))
            self.report.failed_step = "output"
            self.report.error = (
                f"the template output does not render at {where}: {self.scrub.text(_message(exc))}"
            )
            return
        self.report.output = self.scrub.value(rendered)

    def _shown_items(self, items: list[Any]) -> list[Any]:
        """Output links and texts whose ``if:`` holds, without the ``if`` key (as Backstage)."""
        shown: list[Any] = []
        for item in items:
            if isinstance(item, dict) and "if" in item:
                if not self.runner._renderer.render_condition(item["if"], self.context):
                    continue
                item = {key: value for key, value in item.items() if key != "if"}
            shown.append(item)
        return shown

    def _log(self, result: StepResult, message: str, level: str = "info") -> None:
        text = self.scrub.text(str(message))
        self.report.log.append({"stepId": result.id, "level": level, "message": text})
        result.log.append({"level": level, "message": text})

    def _record(self, result: StepResult) -> None:
        self.report.steps.append(result)
        if result.status == FAILED and result.reason:
            self._log(result, result.reason, "error")
        if self.on_progress is not None:
            self.on_progress(result)


def _result(step: dict[str, Any], status: str) -> StepResult:
    step_id = step.get("id") if isinstance(step.get("id"), str) else None
    action = step.get("action") if isinstance(step.get("action"), str) else "?"
    name = step.get("name") if isinstance(step.get("name"), str) else (step_id or action)
    return StepResult(id=step_id, name=str(name), action=str(action), status=status)


def _note(result: StepResult, name: str, value: Any, many: bool) -> None:
    """Set a step's ``input``/``plan``; a step with ``each:`` gets one per item, in a list."""
    if not many:
        setattr(result, name, value)
        return
    items = getattr(result, name)
    setattr(result, name, [*(items or []), value])


_SECRET_KEYS = frozenset({"integrationKey", "integration_key"})


def _without_keys(value: Any) -> Any:
    """``value`` with every integration key masked, at any depth (the plan leaves us)."""
    if isinstance(value, dict):
        return {
            key: ("***" if key in _SECRET_KEYS and item else _without_keys(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_keys(item) for item in value]
    return value


def _message(exc: Exception) -> str:
    if isinstance(exc, ActionError):
        return exc.message
    return str(exc)
