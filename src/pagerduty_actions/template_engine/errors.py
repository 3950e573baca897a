"""Errors of the `${{ }}` engine, one hierarchy so callers catch ``TemplateError`` only.

A template author sees these through lint, dry-run and the template runner; each carries the
expression and, where known, its character offset in the string, so the caller can point at
the exact spot and add the step id. Messages never contain rendered values: a value may hold
a secret, the expression text is the author's own.
"""

from __future__ import annotations

from typing import Any


class TemplateError(Exception):
    """Base of every error the engine raises: nothing else escapes a render."""

    kind = "TemplateError"

    def __init__(
        self,
        message: str,
        *,
        expression: str | None = None,
        position: int | None = None,
        path: tuple[str | int, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression
        self.position = position
        self.path = path

    def with_path(self, path: tuple[str | int, ...]) -> TemplateError:
        """Record where in the rendered value tree the error happened (set once, innermost)."""
        if not self.path:
            self.path = path
        return self

    def details(self) -> dict[str, Any]:
        """Structured fields for an error body (Backstage ``details`` entry)."""
        out: dict[str, Any] = {"name": self.kind, "message": self.message}
        if self.expression is not None:
            out["expression"] = self.expression
        if self.position is not None:
            out["position"] = self.position
        if self.path:
            out["path"] = list(self.path)
        return out

    def __str__(self) -> str:
        where = f" at offset {self.position}" if self.position is not None else ""
        expr = f" in `{self.expression}`" if self.expression is not None else ""
        return f"{self.message}{expr}{where}"


class TemplateSyntaxError(TemplateError):
    """The text inside `${{ }}` (or a `{% %}` tag) does not parse."""

    kind = "TemplateSyntaxError"


class UnknownFilterError(TemplateSyntaxError):
    """A filter Backstage does not know either; ``filter`` names it."""

    kind = "UnknownFilterError"

    def __init__(self, filter_name: str, **kwargs: Any) -> None:
        super().__init__(f"unknown filter '{filter_name}'", **kwargs)
        self.filter = filter_name

    def details(self) -> dict[str, Any]:
        out = super().details()
        out["filter"] = self.filter
        return out


class TemplateSecurityError(TemplateError):
    """The template tried something the sandbox refuses (internals, unbounded work)."""

    kind = "TemplateSecurityError"


class TemplateRenderError(TemplateError):
    """Evaluation failed: calling something that is not a function, a filter's bad input."""

    kind = "TemplateRenderError"


class UndefinedValueError(TemplateError):
    """Strict mode only (lint): an expression resolved to undefined."""

    kind = "UndefinedValueError"
