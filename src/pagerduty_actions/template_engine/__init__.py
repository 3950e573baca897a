"""Backstage-compatible `${{ }}` rendering: the expression language of software templates.

Pure (no I/O, no registry), with every budget of ``limits``, so it sits below the layers that
use it: ``templating`` (template lint, dry-run and runner) and the annotate handler, which
renders the pull-request body with it. Use ``TemplateRenderer`` to render step inputs,
``if:`` and ``each:``; use ``find_expressions``/``references`` to check a template without
running it. Every error is a ``TemplateError``.
"""

from pagerduty_actions.template_engine.engine import TemplateRenderer, backstage_truthy
from pagerduty_actions.template_engine.errors import (
    TemplateError,
    TemplateRenderError,
    TemplateSecurityError,
    TemplateSyntaxError,
    UndefinedValueError,
    UnknownFilterError,
)
from pagerduty_actions.template_engine.expressions import (
    find_expressions,
    references,
    string_references,
)
from pagerduty_actions.template_engine.jsvalues import UNDEFINED, is_undefined

__all__ = [
    "UNDEFINED",
    "TemplateError",
    "TemplateRenderError",
    "TemplateRenderer",
    "TemplateSecurityError",
    "TemplateSyntaxError",
    "UndefinedValueError",
    "UnknownFilterError",
    "backstage_truthy",
    "find_expressions",
    "is_undefined",
    "references",
    "string_references",
]
