"""Lint a template's steps: ids, actions, action inputs, proxy routes and skeleton paths.

A step can fail in Backstage for reasons visible in the file: two steps with one id (the
second's output hides the first's), an action no Backstage has, an input our action's
schema refuses, an ``http:backstage:request`` to our proxy that names no action of ours or
sends no JSON content type (our API answers 415), a skeleton folder that does not exist or
lies outside the template's folder. Each is reported here with its path.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pagerduty_actions.templating.builtin_schemas import BUILTIN_INPUT_SCHEMAS, UNSUPPORTED_INPUTS
from pagerduty_actions.templating.findings import ERROR, INFO, WARNING
from pagerduty_actions.templating.input_check import (
    known_input_problems,
    parameter_reference,
    parameter_values,
)
from pagerduty_actions.templating.known_actions import (
    BACKSTAGE_ONLY_ACTIONS,
    HTTP_BACKSTAGE_REQUEST,
    RUNNER_BUILTINS,
    is_our_proxy_path,
    proxy_route,
)
from pagerduty_actions.templating.safe_paths import UnsafeTemplatePathError, safe_child
from pagerduty_actions.templating.template import (
    TemplateDocument,
    YamlPath,
    parameter_defaults,
    required_parameters,
)

AddFinding = Callable[..., None]
_MARKERS = ("${{", "{%")


def _templated(value: Any) -> bool:
    return isinstance(value, str) and any(m in value for m in _MARKERS)


class StepChecker:
    """Checks each step of one template, reporting through ``add``."""

    def __init__(
        self,
        document: TemplateDocument,
        actions: dict[str, dict[str, Any]],
        proxy_name: str,
        add: AddFinding,
    ) -> None:
        self._doc = document
        self._actions = actions
        self._proxy = proxy_name
        self._add = add
        properties: dict[str, Any] = {}
        for page in document.parameter_pages:
            declared = page.get("properties")
            if isinstance(declared, dict):
                for name, prop in declared.items():
                    properties.setdefault(name, prop)
        self._known = parameter_values(properties)
        self._optional = {
            name
            for name in properties
            if name not in required_parameters(document.parameter_pages)
            and name not in parameter_defaults(document.parameter_pages)
        }

    def check_all(self) -> None:
        seen: dict[str, int] = {}
        for index, step in enumerate(self._doc.steps):
            path: YamlPath = ("spec", "steps", index)
            self._check_id(step, index, path, seen)
            action = step.get("action")
            if isinstance(action, str):
                self._check_action(action, step, path)
            each = step.get("each")
            if "each" in step and not (_templated(each) or isinstance(each, list | dict)):
                self._add(
                    "step-each",
                    ERROR,
                    "each: must be a list, an object or an expression",
                    (*path, "each"),
                )

    def _check_id(
        self, step: dict[str, Any], index: int, path: YamlPath, seen: dict[str, int]
    ) -> None:
        step_id = step.get("id")
        if step_id is None:
            self._add(
                "missing-step-id",
                WARNING,
                "this step has no id, so no later step or output can use its output",
                path,
            )
            return
        if not isinstance(step_id, str):
            return
        if step_id in seen:
            self._add(
                "duplicate-step-id",
                ERROR,
                f"step id '{step_id}' is already used by spec.steps[{seen[step_id]}]; "
                "steps.<id> would only reach one of them",
                (*path, "id"),
            )
        else:
            seen[step_id] = index

    def _check_action(self, action: str, step: dict[str, Any], path: YamlPath) -> None:
        raw_input = step.get("input", {})
        if action in self._actions:
            self._check_input(action, self._actions[action], raw_input, (*path, "input"))
        elif action in RUNNER_BUILTINS:
            self._check_builtin(action, raw_input, (*path, "input"))
        elif action == HTTP_BACKSTAGE_REQUEST:
            self._check_proxy_step(raw_input if isinstance(raw_input, dict) else {}, path)
        elif action in BACKSTAGE_ONLY_ACTIONS:
            self._add(
                "backstage-only",
                INFO,
                f"{action} runs only in Backstage: a dry run records it as skipped, "
                "a run here stops at it",
                (*path, "action"),
            )
        elif action.startswith("pagerduty:"):
            hint = _suggest(action, self._actions)
            self._add(
                "unknown-action",
                ERROR,
                f"no action {action!r} in pagerduty-actions{hint}",
                (*path, "action"),
            )
        else:
            known = [*self._actions, *RUNNER_BUILTINS, *BACKSTAGE_ONLY_ACTIONS]
            hint = _suggest(action, known)
            self._add(
                "unknown-action",
                WARNING,
                f"{action!r} is neither ours nor a Backstage built-in; it runs only in a "
                f"Backstage that has it installed{hint}",
                (*path, "action"),
            )

    def _check_input(
        self,
        action: str,
        schema: dict[str, Any],
        raw_input: Any,
        path: YamlPath,
        *,
        draft7: bool = False,
    ) -> None:
        problems = known_input_problems(schema, raw_input, draft7=draft7, known=self._known)
        for where, message in problems:
            self._add("action-input", ERROR, f"input for {action}: {message}", (*path, *where))
        if not isinstance(raw_input, dict):
            return
        for key in schema.get("required", []):
            name = parameter_reference(raw_input.get(key))
            if name in self._optional:
                self._add(
                    "optional-parameter",
                    WARNING,
                    f"{action} requires '{key}', but parameters.{name} is optional with no "
                    "default: left empty, the key is dropped and the step fails",
                    (*path, key),
                )

    def _check_builtin(self, action: str, raw_input: Any, path: YamlPath) -> None:
        self._check_input(action, BUILTIN_INPUT_SCHEMAS[action], raw_input, path, draft7=True)
        if not isinstance(raw_input, dict):
            return
        for key in sorted(UNSUPPORTED_INPUTS.get(action, frozenset())):
            if raw_input.get(key):
                self._add(
                    "builtin-input",
                    WARNING,
                    f"{action} input '{key}' is not supported by this runner; "
                    "the dry run and run here will refuse the step",
                    (*path, key),
                )
        url = raw_input.get("url")
        if action in ("fetch:template", "fetch:plain") and isinstance(url, str):
            self._check_skeleton(url, (*path, "url"))

    def _check_skeleton(self, url: str, path: YamlPath) -> None:
        if _templated(url):
            return
        if "://" in url:
            self._add(
                "skeleton-path",
                INFO,
                f"{url!r} is fetched from a remote location; only Backstage can fetch it, "
                "the runner here reads local skeletons",
                path,
            )
            return
        root = self._doc.base_dir or Path("/nonexistent-template-folder")
        try:
            target = safe_child(root, url, what="skeleton path")
        except UnsafeTemplatePathError as exc:
            self._add(
                "skeleton-path",
                ERROR,
                f"{exc}; skeletons must be inside the template's folder",
                path,
            )
            return
        if self._doc.base_dir is not None and not target.exists():
            self._add(
                "skeleton-path",
                ERROR,
                f"the skeleton {url!r} does not exist next to the template",
                path,
            )

    def _check_proxy_step(self, raw_input: dict[str, Any], path: YamlPath) -> None:
        request_path = raw_input.get("path")
        if not isinstance(request_path, str) or _templated(request_path):
            return
        if not is_our_proxy_path(request_path, self._proxy):
            self._add(
                "backstage-only",
                INFO,
                f"{HTTP_BACKSTAGE_REQUEST} to {request_path!r} runs only in Backstage "
                f"(only /proxy/{self._proxy}/v2/actions/<id> is routed here)",
                (*path, "input", "path"),
            )
            return
        route = proxy_route(request_path, self._proxy)
        if route is None:
            self._add(
                "proxy-route",
                ERROR,
                f"{request_path!r} goes to pagerduty-actions but is not /proxy/{self._proxy}"
                "/v2/actions/<action id>, the only path that runs an action",
                (*path, "input", "path"),
            )
            return
        if route.action_id not in self._actions:
            self._add(
                "proxy-route",
                ERROR,
                f"{request_path!r} names no action of ours"
                + _suggest(route.action_id, self._actions),
                (*path, "input", "path"),
            )
            return
        self._check_proxy_request(raw_input, path)
        body = raw_input.get("body")
        if isinstance(body, dict):
            schema = self._actions[route.action_id]
            self._check_input(route.action_id, schema, body, (*path, "input", "body"))

    def _check_proxy_request(self, raw_input: dict[str, Any], path: YamlPath) -> None:
        method = raw_input.get("method")
        if isinstance(method, str) and not _templated(method) and method.upper() != "POST":
            self._add(
                "proxy-route",
                ERROR,
                f"method {method!r} does not run an action; use POST",
                (*path, "input", "method"),
            )
        headers = raw_input.get("headers")
        content_type = None
        if isinstance(headers, dict):
            content_type = next(
                (v for k, v in headers.items() if str(k).lower() == "content-type"), None
            )
        if not isinstance(raw_input.get("body"), str) and not (
            isinstance(content_type, str) and "json" in content_type.lower()
        ):
            self._add(
                "proxy-route",
                ERROR,
                "without headers: {content-type: application/json} http:backstage:request "
                "does not send the body as JSON and the action answers 415",
                (*path, "input", "headers") if headers is not None else (*path, "input"),
            )


def _suggest(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.7)
    return f"; did you mean '{close[0]}'?" if close else ""
