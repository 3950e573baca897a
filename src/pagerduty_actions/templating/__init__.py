"""Backstage-compatible `${{ }}` rendering for template lint, dry-run and the template runner.

Use ``TemplateRenderer`` to render step inputs, ``if:`` and ``each:``; use
``find_expressions``/``references`` to check a template without running it. Every error is
a ``TemplateError``.
"""

from pagerduty_actions.templating.engine import TemplateRenderer, backstage_truthy
from pagerduty_actions.templating.errors import (
    TemplateError,
    TemplateRenderError,
    TemplateSecurityError,
    TemplateSyntaxError,
    UndefinedValueError,
    UnknownFilterError,
)
from pagerduty_actions.templating.expressions import (
    find_expressions,
    references,
    string_references,
)
from pagerduty_actions.templating.jsvalues import UNDEFINED, is_undefined

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
