"""What must hold before a template's first step: no lint errors, values that fit the form.

Backstage's form refuses values that break a parameter page before a task starts, and our
lint finds what would fail later; the runner, ``template run`` and ``POST /v2/dry-run`` all
check both here first, so a bad template or bad values never half-run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from pagerduty_actions.errors import InputError
from pagerduty_actions.json_validators import Draft7
from pagerduty_actions.registry import Registry
from pagerduty_actions.template_engine.engine import TemplateRenderer
from pagerduty_actions.templating.known_actions import DEFAULT_PROXY_NAME
from pagerduty_actions.templating.lint import lint_document
from pagerduty_actions.templating.template import (
    TemplateDocument,
    merged_parameter_schema,
    parameter_defaults,
)
from pagerduty_actions.validation import describe_errors


def action_schemas(registry: Registry) -> dict[str, dict[str, Any]]:
    """Our action ids and input schemas, as lint wants them."""
    return {spec.id: spec.input_schema for spec in registry.specs()}


def prepare_values(document: TemplateDocument, values: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values with defaults filled in, refused unless every parameter page holds."""
    if not isinstance(values, Mapping):
        raise InputError("the values must be a mapping of parameter names to values")
    pages = document.parameter_pages
    prepared = {**parameter_defaults(pages), **dict(values)}
    validator = Draft7(merged_parameter_schema(pages))
    details = describe_errors(cast(Any, validator), prepared)
    if details:
        summary = "; ".join(f"{d['path']}: {d['message']}" for d in details[:5])
        raise InputError(
            f"the values do not match the template's parameters: {summary}", details=details
        )
    return prepared


def preflight(
    document: TemplateDocument,
    values: Mapping[str, Any],
    actions: Mapping[str, dict[str, Any]],
    *,
    proxy_name: str = DEFAULT_PROXY_NAME,
    renderer: TemplateRenderer | None = None,
) -> dict[str, Any]:
    """What must hold before step 1: no lint errors, values that fit the parameters.

    Returns the values with defaults filled in; raises ``InputError`` listing the problems.
    """
    report = lint_document(document, actions, proxy_name=proxy_name, renderer=renderer)
    if report.errors:
        details = [f.as_dict() for f in report.sorted() if f.severity == "error"]
        first = details[0]
        raise InputError(
            f"the template has {len(details)} lint error(s), first at {first['path']}: "
            f"{first['message']}",
            details=details,
        )
    return prepare_values(document, values)
