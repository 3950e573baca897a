"""The catalogue of lint checks: every finding code, its severity and what it catches.

One list so the documentation (docs/templates.md is generated from it) and the linter
cannot drift: a test fails when a check reports a code that is not listed here.
"""

from __future__ import annotations

LINT_CHECKS: dict[str, tuple[str, str]] = {
    "yaml-invalid": (
        "error",
        "The file is not valid YAML, or YAML too costly to read: aliases standing for more "
        "than 10,000 nodes, nesting deeper than 100 levels (with the line of the problem).",
    ),
    "not-a-template": (
        "error",
        "The document is not a `scaffolder.backstage.io/v1beta3` `Template` (another kind, "
        "an old apiVersion, a list, several documents).",
    ),
    "schema": (
        "error",
        "The document breaks Backstage's Template v1beta3 JSON Schema (missing `spec.type`, "
        "a step without `action`, an unknown top-level key, a wrong type).",
    ),
    "invalid-name": ("error", "`metadata.name` is not a valid entity name."),
    "parameter-schema": (
        "error",
        "A parameter page is not a valid JSON Schema (error), or requires a property it does "
        "not declare (warning).",
    ),
    "expression-syntax": ("error", "A `${{ }}` expression or `{% %}` block does not parse."),
    "unknown-filter": ("error", "A filter neither Backstage nor Nunjucks has (with a suggestion)."),
    "unsafe-expression": (
        "error",
        "The sandbox refuses the expression (`__class__`, `__globals__` and other internals).",
    ),
    "unknown-step": ("error", "`steps.X` names no step of the template."),
    "step-order": ("error", "`steps.X` names the step itself or a later step."),
    "conditional-step": (
        "warning",
        "A value uses a step that has `if:` without the same `if:`, so it is undefined "
        "whenever that step is skipped (reads that handle that, with `or`, `if … else`, "
        "`| default` or `is defined`, are fine).",
    ),
    "unknown-parameter": ("error", "`parameters.X` is declared by no parameter page."),
    "unknown-variable": (
        "warning",
        "An expression reads a name that is not in a template's context (typo of `parameters`).",
    ),
    "optional-parameter": (
        "warning",
        "An action's required input is one parameter that is optional and has no default: "
        "left empty in the form, the key is dropped and the step fails.",
    ),
    "each-outside-loop": ("error", "`each` is used in a step without `each:`."),
    "step-each": ("error", "`each:` is neither a list, an object nor an expression."),
    "duplicate-step-id": ("error", "Two steps share an id."),
    "missing-step-id": ("warning", "A step has no id, so nothing can use its output."),
    "unknown-action": (
        "error",
        "A `pagerduty:*` action we do not have (error); any other action unknown to Backstage "
        "and us (warning).",
    ),
    "backstage-only": (
        "info",
        "The step runs only in Backstage (publish, catalog:register, other proxy paths): "
        "skipped in a dry run, a stop in a run here.",
    ),
    "action-input": (
        "error",
        "A step's input breaks the action's input schema, as far as it is known before the "
        "run (literals, key names, required keys); our actions and the built-ins we run.",
    ),
    "builtin-input": ("warning", "A built-in input this runner does not support is set."),
    "proxy-route": (
        "error",
        "An `http:backstage:request` to our proxy that cannot run an action: not "
        "`/v2/actions/<id>`, an unknown id, not POST, or no JSON content type.",
    ),
    "skeleton-path": (
        "error",
        "A `fetch:template`/`fetch:plain` skeleton outside the template's folder or missing "
        "(remote URLs are noted: only Backstage fetches them).",
    ),
}
