"""Per-render budgets that keep a hostile template from using unbounded time or memory.

Backstage runs Nunjucks in an isolate with a 128 MB heap; we run in-process, so every path
that can grow a value (string building, ranges, loops, output) checks a budget instead. The
budget lives in a context variable so one compiled template is safe to share across threads.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pagerduty_actions.template_engine.errors import TemplateSecurityError

MAX_SOURCE_CHARS = 100_000
MAX_STRING_CHARS = 1_000_000
MAX_OUTPUT_CHARS = 1_000_000
MAX_RANGE_ITEMS = 10_000
MAX_LOOP_ITERATIONS = 10_000
#: Levels of one syntax tree (operators, filters, brackets, tags); every walk recurses per level.
MAX_NESTING = 100


@dataclass
class RenderBudget:
    """What one render has used so far, and whether undefined values are errors."""

    strict: bool = False
    loop_iterations: int = 0
    #: The value of a whole-expression string, handed back by the capture filter.
    captured: Any = field(default=None)

    def count_iteration(self) -> None:
        self.loop_iterations += 1
        if self.loop_iterations > MAX_LOOP_ITERATIONS:
            raise TemplateSecurityError(
                f"loops ran more than {MAX_LOOP_ITERATIONS} iterations in one template"
            )


_current: contextvars.ContextVar[RenderBudget | None] = contextvars.ContextVar(
    "pagerduty_actions_template_budget", default=None
)


@contextmanager
def render_budget(*, strict: bool) -> Iterator[RenderBudget]:
    budget = RenderBudget(strict=strict)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def current_budget() -> RenderBudget:
    budget = _current.get()
    return budget if budget is not None else RenderBudget()


def check_length(size: int, what: str = "string") -> None:
    """Refuse, before building it, a string or list longer than the cap."""
    if size > MAX_STRING_CHARS:
        raise TemplateSecurityError(f"{what} would exceed {MAX_STRING_CHARS} characters")


def checked(text: str) -> str:
    check_length(len(text))
    return text
