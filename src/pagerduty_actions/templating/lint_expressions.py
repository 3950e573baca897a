"""Lint the `${{ }}` expressions of a template: syntax, sandbox rules and what they refer to.

Every string under a step's ``input``, ``if`` and ``each``, and under ``spec.output``, is
checked by the same engine that will render it (so lint and run agree on syntax, filters
and what the sandbox refuses; parsed and checked, compiled only where compiling could
refuse more), then its references, read from the same tree, are checked against the template:
``steps.X`` must be an earlier step (any step, in ``output``), ``parameters.X`` a property
some parameter page declares, ``each`` only inside a step that has ``each:``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pagerduty_actions.template_engine.engine import TemplateRenderer
from pagerduty_actions.template_engine.errors import (
    TemplateError,
    TemplateSecurityError,
    UnknownFilterError,
)
from pagerduty_actions.template_engine.expressions import (
    tree_guarded_step_keys,
    tree_references,
)
from pagerduty_actions.templating.findings import ERROR, WARNING
from pagerduty_actions.templating.template import (
    TemplateDocument,
    YamlPath,
    parameter_names,
)

AddFinding = Callable[..., None]
_MARKERS = ("${{", "{%", "{#")
#: Names a Backstage template context provides, and Nunjucks names that are not context.
_CONTEXT_ROOTS = frozenset({"parameters", "steps", "secrets", "user", "each", "context"})
_HARMLESS_NAMES = frozenset({"undefined", "range", "loop", "cycler", "joiner", "none", "null"})


class ExpressionChecker:
    """Checks every expression of one template, reporting through ``add``."""

    def __init__(
        self, document: TemplateDocument, renderer: TemplateRenderer, add: AddFinding
    ) -> None:
        self._doc = document
        self._renderer = renderer
        self._add = add
        self._step_ids = [
            s.get("id") if isinstance(s.get("id"), str) else None for s in document.steps
        ]
        self._parameters = parameter_names(document.parameter_pages)
        self._reads: dict[str, TemplateError | tuple[set[tuple[str, str]], set[str]]] = {}

    def check_all(self) -> None:
        for index, step in enumerate(self._doc.steps):
            base: YamlPath = ("spec", "steps", index)
            place = _Place(index, "each" in step, step.get("if"))
            for key in ("input", "if", "each"):
                if key in step:
                    for path, text in _strings(step[key], (*base, key)):
                        self._check(text, path, place)
        output = self._doc.spec.get("output")
        if isinstance(output, dict):
            for key, value in output.items():
                items = value if key in ("links", "text") and isinstance(value, list) else [value]
                for position, item in enumerate(items):
                    guard = item.get("if") if isinstance(item, dict) else None
                    where: YamlPath = ("spec", "output", key)
                    if items is value:
                        where = (*where, position)
                    for path, text in _strings(item, where):
                        self._check(text, path, _Place(None, False, guard))

    def _check(self, text: str, path: YamlPath, place: _Place) -> None:
        read = self._reads.get(text)
        if read is None:
            read = self._reads[text] = self._read(text)
        if isinstance(read, TemplateError):
            self._add_error(read, text, path)
            return
        refs, guarded = read
        for root, key in sorted(refs):
            where = _Where(path, text, reference=(root, key))
            self._check_reference(root, key, where, place, key in guarded)

    def _read(self, text: str) -> TemplateError | tuple[set[tuple[str, str]], set[str]]:
        """What a string reads and which step reads handle undefined, from the one tree
        the engine checked; or the error that says why it does not pass. The same string
        is read once per lint, wherever it is."""
        try:
            tree = self._renderer.checked_tree(text)
        except TemplateError as exc:
            return exc
        return tree_references(tree), tree_guarded_step_keys(tree)

    def _add_error(self, exc: TemplateError, text: str, path: YamlPath) -> None:
        if isinstance(exc, UnknownFilterError):
            hint = _filter_hint(exc.filter, self._renderer)
            where = _Where(path, text, _filter_offset(text, exc.filter, exc.position))
            self._add("unknown-filter", ERROR, f"{_said(exc)}; {hint}", where.path, at=where.at)
        elif isinstance(exc, TemplateSecurityError):
            where = _Where(path, text, exc.position or 0)
            self._add(
                "unsafe-expression",
                ERROR,
                f"refused by the sandbox: {_said(exc)}",
                where.path,
                at=where.at,
            )
        else:
            where = _Where(path, text, exc.position or 0)
            self._add(
                "expression-syntax", ERROR, f"does not parse: {_said(exc)}", where.path, at=where.at
            )

    def _check_reference(
        self, root: str, key: str, where: _Where, place: _Place, guarded: bool = False
    ) -> None:
        if root == "steps" and key:
            self._check_step_reference(key, where, place, guarded)
        elif root == "parameters" and key and key not in self._parameters:
            hint = _suggest(key, self._parameters)
            self._add(
                "unknown-parameter",
                ERROR,
                f"parameters.{key} is not declared in any parameter page{hint}",
                where.path,
                at=where.at,
            )
        elif root == "each" and not place.in_loop:
            self._add(
                "each-outside-loop",
                ERROR,
                "`each` is only defined in a step that has an `each:` key",
                where.path,
                at=where.at,
            )
        elif root not in _CONTEXT_ROOTS and root not in _HARMLESS_NAMES:
            hint = _suggest(root, _CONTEXT_ROOTS)
            self._add(
                "unknown-variable",
                WARNING,
                f"`{root}` is not in a template's context (parameters, steps, secrets, user, "
                f"each), so it is always undefined{hint}",
                where.path,
                at=where.at,
            )

    def _check_step_reference(self, key: str, where: _Where, place: _Place, guarded: bool) -> None:
        if key not in self._step_ids:
            known = [i for i in self._step_ids if i]
            hint = _suggest(key, known)
            self._add(
                "unknown-step",
                ERROR,
                f"steps.{key} names no step of this template{hint}",
                where.path,
                at=where.at,
            )
            return
        position = self._step_ids.index(key)
        step_index = place.step_index
        if step_index is None or position < step_index:
            if not guarded:
                self._check_guard(key, position, where, place)
            return
        if position == step_index:
            self._add(
                "step-order",
                ERROR,
                f"step '{key}' refers to its own output",
                where.path,
                at=where.at,
            )
        elif position > step_index:
            self._add(
                "step-order",
                ERROR,
                f"steps.{key} runs after this step, so its output is not there yet",
                where.path,
                at=where.at,
            )

    def _check_guard(self, key: str, position: int, where: _Where, place: _Place) -> None:
        """A reference to a step that has ``if:`` is undefined whenever that step is skipped."""
        guard = self._doc.steps[position].get("if")
        if guard is None or guard is True or guard == place.guard:
            return
        self._add(
            "conditional-step",
            WARNING,
            f"step '{key}' is skipped when its if: is false, and steps.{key} is then "
            "undefined here; give this the same if:",
            where.path,
            at=where.at,
        )


@dataclass(frozen=True)
class _Where:
    """A reference's string, its YAML path and the offset of the reference in it; for a
    ``reference`` (root, key) the offset is searched for only when a finding asks for it."""

    path: YamlPath
    text: str
    offset: int = 0
    reference: tuple[str, str] | None = None

    @property
    def at(self) -> tuple[str, int]:
        if self.reference is not None:
            return self.text, _reference_offset(self.text, *self.reference)
        return self.text, self.offset


@dataclass(frozen=True)
class _Place:
    """Where an expression is: which step (None in output), inside each:, under which if:."""

    step_index: int | None
    in_loop: bool
    guard: Any


def _strings(value: Any, path: YamlPath) -> Iterator[tuple[YamlPath, str]]:
    """Every string holding template syntax in a value tree, with its path."""
    if isinstance(value, str):
        if any(marker in value for marker in _MARKERS):
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _said(exc: TemplateError) -> str:
    """The error and its expression, without the engine's "at offset N" (a finding gives the
    file's line and column instead)."""
    return f"{exc.message} in `{exc.expression}`" if exc.expression is not None else exc.message


def _filter_offset(text: str, name: str, start: int | None) -> int:
    """Where ``| name`` is in ``text`` (from the expression's start), else the expression."""
    found = re.compile(r"\|\s*(" + re.escape(name) + r")\b").search(text, start or 0)
    return found.start(1) if found else start or 0


def _reference_offset(text: str, root: str, key: str) -> int:
    """Where ``root.key`` (or ``root['key']``, or ``root`` alone) is first read in ``text``."""
    pattern = rf"(?<![\w.$]){re.escape(root)}\b"
    if key:
        pattern += rf"\s*(?:\.\s*{re.escape(key)}\b|\[\s*['\"]{re.escape(key)}['\"])"
    found = re.search(pattern, text)
    return found.start() if found else 0


def _suggest(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _filter_hint(name: str, renderer: TemplateRenderer) -> str:
    close = difflib.get_close_matches(name, sorted(renderer.filter_names), n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return (
        "Backstage knows the Nunjucks filters and parseRepoUrl, parseEntityRef, pick, projectSlug"
    )
