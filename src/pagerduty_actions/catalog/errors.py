"""Errors of the catalog adapter: why a catalog file or an entity ref could not be used.

They form one small hierarchy under :class:`CatalogError` so a handler can map all of them to an
input error at once (nothing was changed when one is raised), or tell them apart when it wants
to. Every message says what to fix. Messages name entities, keys, lines and columns, never
annotation values: a value may be an integration key, and messages end up in logs and in the
error body a caller sees.
"""

from __future__ import annotations

from collections.abc import Sequence


class CatalogError(Exception):
    """Base of every catalog error; ``message`` is the text shown to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CatalogYamlError(CatalogError):
    """The catalog file is not valid YAML; ``line`` and ``column`` are 1-based."""

    def __init__(self, problem: str, line: int | None, column: int | None) -> None:
        self.problem = problem
        self.line = line
        self.column = column
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(
            f"the catalog file is not valid YAML{where}: {problem}. "
            "Fix the YAML there (a YAML linter shows the same spot) and try again."
        )


class CatalogBudgetError(CatalogError):
    """Valid YAML that stands for more than we walk: aliases expanding beyond the budget, an
    alias to a node holding it, or nesting too deep (``yaml_budget``).

    ``problem`` says which and how to fix it; ``line`` and ``column`` (1-based) say where.
    """

    def __init__(self, problem: str, line: int, column: int) -> None:
        self.problem = problem
        self.line = line
        self.column = column
        super().__init__(f"cannot use the catalog file at line {line}, column {column}: {problem}")


class EntityNotFoundError(CatalogError):
    """No entity of the file matches the ref; ``present`` lists the refs the file holds."""

    def __init__(self, wanted: str | None, present: Sequence[str]) -> None:
        self.wanted = wanted
        self.present = list(present)
        if not self.present:
            text = (
                "the catalog file holds no entity (no document with kind and metadata.name); "
                "point the action at a catalog-info.yaml that describes the component"
            )
        else:
            text = (
                f"no entity '{wanted}' in the catalog file; it holds "
                f"{', '.join(self.present)}. Use one of these refs"
            )
        super().__init__(text)


class AmbiguousEntityError(CatalogError):
    """Several entities match (or no ref was given for a multi-entity file)."""

    def __init__(self, wanted: str | None, candidates: Sequence[str]) -> None:
        self.wanted = wanted
        self.candidates = list(candidates)
        what = f"'{wanted}' matches" if wanted else "no entity ref was given and the file holds"
        super().__init__(
            f"{what} several entities: {', '.join(self.candidates)}. "
            "Pass the full ref (kind:namespace/name) of the one to edit"
        )


class InvalidEntityRefError(CatalogError):
    """An entity ref could not be parsed; ``text`` is what was given."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(
            f"invalid entity ref {text!r}: {reason}. Expected [kind:][namespace/]name, "
            "e.g. component:default/checkout, or an object {kind, namespace, name}"
        )


class UnsupportedStructureError(CatalogError):
    """The file is valid YAML but shaped so that a safe minimal edit is not possible."""

    def __init__(self, problem: str, fix: str) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"cannot edit the catalog file: {problem}. {fix}")


class InvalidEditError(CatalogError):
    """The requested edit itself is contradictory or malformed (e.g. set and remove one key)."""
