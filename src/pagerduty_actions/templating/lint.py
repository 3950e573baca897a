"""``template lint``: everything that can be known about a template before any step runs.

Backstage checks nothing until a step fails half-way through a real run. We read the
template as its scaffolder would and report, each with YAML path and line: the document is
a v1beta3 Template (Backstage's JSON Schema), names and parameter schemas are valid, every
expression parses and passes the sandbox, every ``steps.X`` names an earlier step and every
``parameters.X`` a declared parameter, step ids are unique, every action is known, and the
inputs of our own actions validate as far as their values are known before the run.
Errors fail the build (exit 1); warnings and notes do not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pagerduty_actions.template_engine.engine import TemplateRenderer
from pagerduty_actions.templating.findings import ERROR, WARNING, Finding, LintReport
from pagerduty_actions.templating.known_actions import DEFAULT_PROXY_NAME
from pagerduty_actions.templating.lint_expressions import ExpressionChecker
from pagerduty_actions.templating.lint_steps import StepChecker
from pagerduty_actions.templating.quick_schema import surely_a_draft7_schema
from pagerduty_actions.templating.template import (
    TemplateDocument,
    TemplateLoadError,
    YamlPath,
    format_path,
    load_template,
    parse_template,
    schema_problems,
)

#: Backstage's entity name rule: 1-63 characters, alphanumerics joined by ``-``, ``_``, ``.``.
_ENTITY_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_ENVELOPE_KEYS = ("apiVersion", "kind")


def lint_file(
    path: str | Path,
    actions: Mapping[str, dict[str, Any]] | None = None,
    *,
    proxy_name: str = DEFAULT_PROXY_NAME,
) -> LintReport:
    """Lint a template file; a file that cannot be read or parsed is one finding."""
    try:
        document = load_template(path)
    except TemplateLoadError as exc:
        return _load_failure(str(path), exc)
    return lint_document(document, actions, proxy_name=proxy_name)


def lint_text(
    text: str,
    actions: Mapping[str, dict[str, Any]] | None = None,
    *,
    source: str = "<template>",
    base_dir: Path | None = None,
    proxy_name: str = DEFAULT_PROXY_NAME,
) -> LintReport:
    try:
        document = parse_template(text, source=source, base_dir=base_dir)
    except TemplateLoadError as exc:
        return _load_failure(source, exc)
    return lint_document(document, actions, proxy_name=proxy_name)


def lint_document(
    document: TemplateDocument,
    actions: Mapping[str, dict[str, Any]] | None = None,
    *,
    proxy_name: str = DEFAULT_PROXY_NAME,
    renderer: TemplateRenderer | None = None,
) -> LintReport:
    """Every finding for a parsed template. ``actions`` maps our action ids to input schemas."""
    report = LintReport(document.source)

    def add(
        code: str,
        severity: str,
        message: str,
        path: YamlPath = (),
        *,
        at: tuple[str, int] | None = None,
    ) -> None:
        """``at`` is (the string at ``path``, an offset in it): the finding then points at
        that character in the file, not at the key holding the string."""
        line, column = document.position_of(path)
        if at is not None:
            line, column = document.position_in_value(path, *at) or (line, column)
        report.findings.append(Finding(code, severity, message, format_path(path), line, column))

    if not _check_envelope(document, add):
        return report
    _check_schema(document, add)
    _check_name(document, add)
    _check_parameter_schemas(document, add)
    expressions = ExpressionChecker(document, renderer or TemplateRenderer(), add)
    expressions.check_all()
    StepChecker(document, dict(actions or {}), proxy_name, add).check_all()
    return report


def _load_failure(source: str, exc: TemplateLoadError) -> LintReport:
    code = "yaml-invalid" if exc.yaml_problem else "not-a-template"
    finding = Finding(code, ERROR, exc.message, "$", exc.line, exc.column)
    return LintReport(source, [finding])


def _check_envelope(document: TemplateDocument, add: Any) -> bool:
    """apiVersion and kind: without them nothing else is worth reporting."""
    data = document.data
    kind, api_version = data.get("kind"), data.get("apiVersion")
    if kind != "Template":
        what = f"kind {kind!r}" if kind is not None else "no kind"
        add(
            "not-a-template",
            ERROR,
            f"this is not a Backstage Template ({what}); expected kind: Template",
            ("kind",) if "kind" in data else (),
        )
        return False
    if api_version != "scaffolder.backstage.io/v1beta3":
        add(
            "not-a-template",
            ERROR,
            f"apiVersion {api_version!r} is not supported; this tool reads "
            "scaffolder.backstage.io/v1beta3 templates (v1beta2 used another expression syntax)",
            ("apiVersion",) if "apiVersion" in data else (),
        )
    return True


def _check_schema(document: TemplateDocument, add: Any) -> None:
    for path, message in schema_problems(document.data):
        if path and path[0] in _ENVELOPE_KEYS:
            continue  # reported by _check_envelope in plainer words
        add("schema", ERROR, f"breaks the Template v1beta3 schema: {message}", path)


def _check_name(document: TemplateDocument, add: Any) -> None:
    metadata = document.data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if isinstance(name, str) and (len(name) > 63 or not _ENTITY_NAME.match(name)):
        add(
            "invalid-name",
            ERROR,
            f"metadata.name {name!r} is not a valid entity name: 1-63 letters, digits and "
            "'-', '_', '.' between them (Backstage refuses to register it)",
            ("metadata", "name"),
        )


def _check_parameter_schemas(document: TemplateDocument, add: Any) -> None:
    parameters = document.spec.get("parameters")
    pages = parameters if isinstance(parameters, list) else [parameters]
    for index, page in enumerate(pages):
        if not isinstance(page, dict):
            continue
        path: YamlPath = (
            ("spec", "parameters", index)
            if isinstance(parameters, list)
            else (
                "spec",
                "parameters",
            )
        )
        if not surely_a_draft7_schema(page):
            _check_page_with_jsonschema(page, path, add)
        required = page.get("required")
        properties = page.get("properties") if isinstance(page.get("properties"), dict) else {}
        if isinstance(required, list) and isinstance(properties, dict):
            for name in required:
                if isinstance(name, str) and name not in properties:
                    add(
                        "parameter-schema",
                        WARNING,
                        f"'{name}' is required but this page declares no such property; "
                        "the form cannot ask for it",
                        (*path, "required"),
                    )


def _check_page_with_jsonschema(page: dict[str, Any], path: YamlPath, add: Any) -> None:
    """jsonschema's own check of a page ``quick_schema`` could not call valid."""
    from jsonschema import Draft7Validator, SchemaError  # here only: it costs half a lint

    try:
        Draft7Validator.check_schema(page)
    except SchemaError as exc:
        add(
            "parameter-schema",
            ERROR,
            f"not a valid JSON Schema: {exc.message}",
            (*path, *exc.absolute_path),
        )
