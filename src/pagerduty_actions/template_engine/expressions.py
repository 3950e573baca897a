"""Find the `${{ }}` expressions in a template value and what each one refers to.

The linter checks a template without running it: every ``steps.X`` must name an earlier
step, every ``parameters.X`` a declared parameter. It needs each expression's place in the
value tree and the names it reads, taken from Jinja2's syntax tree rather than by regex so
``steps['id-with-dash'].output`` and ``parameters.a if parameters.b`` are both understood.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, nodes
from jinja2 import TemplateSyntaxError as JinjaSyntaxError

from pagerduty_actions.template_engine.errors import (
    TemplateError,
    TemplateSecurityError,
    TemplateSyntaxError,
)
from pagerduty_actions.template_engine.limits import MAX_NESTING

VARIABLE_START = "${{"
VARIABLE_END = "}}"

Path = tuple[str | int, ...]
Reference = tuple[str, str]

_OPENERS = {"(": ")", "[": "]", "{": "}"}
_NOT_CONTEXT = frozenset({"range", "loop"})


@dataclass(frozen=True)
class ExpressionSpan:
    """One `${{ … }}` in a string: where it starts and ends, and the expression inside."""

    start: int
    end: int
    expression: str
    terminated: bool


def iter_spans(text: str) -> Iterator[ExpressionSpan]:
    """Every `${{ … }}` in ``text``, skipping `}}` inside quotes and brackets like the lexer."""
    index = text.find(VARIABLE_START)
    while index != -1:
        cursor = index + len(VARIABLE_START)
        depth: list[str] = []
        quote: str | None = None
        end = -1
        while cursor < len(text):
            char = text[cursor]
            if quote is not None:
                if char == "\\":
                    cursor += 1
                elif char == quote:
                    quote = None
            elif char in "'\"":
                quote = char
            elif char in _OPENERS:
                depth.append(_OPENERS[char])
            elif depth and char == depth[-1]:
                depth.pop()
            elif not depth and text.startswith(VARIABLE_END, cursor):
                end = cursor + len(VARIABLE_END)
                break
            cursor += 1
        inner_end = end - len(VARIABLE_END) if end != -1 else len(text)
        inner = text[index + len(VARIABLE_START) : inner_end]
        if inner.startswith(("-", "+")):
            inner = inner[1:]
        if end != -1 and inner.endswith(("-", "+")):
            inner = inner[:-1]
        yield ExpressionSpan(index, end if end != -1 else len(text), inner.strip(), end != -1)
        if end == -1:
            return
        index = text.find(VARIABLE_START, end)


def find_expressions(value: Any, path: Path = ()) -> list[tuple[Path, str]]:
    """``(path, expression)`` for every `${{ }}` in a dict/list tree, in document order."""
    found: list[tuple[Path, str]] = []
    if isinstance(value, str):
        found.extend((path, span.expression) for span in iter_spans(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            found.extend(find_expressions(item, (*path, str(key))))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found.extend(find_expressions(item, (*path, index)))
    return found


# Only used to parse (never to render), so escaping settings do not matter.
_PARSER = Environment(
    variable_start_string=VARIABLE_START, variable_end_string=VARIABLE_END, autoescape=True
)


def parse_tree(environment: Environment, text: str) -> nodes.Template:
    """Jinja2's syntax tree of ``text``, refused when nested deeper than ``MAX_NESTING``.

    Jinja2 builds ``1 + 1 + …`` and ``x | f | f | …`` without recursion, but everything
    that walks the tree afterwards (our checks, its compiler, Python's) recurses once or more
    per level, so a long chain would end in a RecursionError deep inside them. The depth is
    measured here without recursion, before anything else walks the tree.
    """
    try:
        tree = environment.parse(text)
    except JinjaSyntaxError as exc:
        raise TemplateSyntaxError(exc.message or "invalid template syntax") from exc
    except RecursionError as exc:  # brackets nested thousands deep recurse in the parser
        raise TemplateSecurityError(_TOO_DEEP) from exc
    pending: list[tuple[nodes.Node, int]] = [(tree, 0)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_NESTING:
            raise TemplateSecurityError(_TOO_DEEP)
        pending.extend((child, depth + 1) for child in node.iter_child_nodes())
    return tree


_TOO_DEEP = (
    f"the expression nests more than {MAX_NESTING} levels deep (a chain of that many "
    "operators or filters, or brackets); split it, e.g. with {% set %}"
)


def references(expression: str) -> set[Reference]:
    """What an expression reads: ``('parameters', name)``, ``('steps', id)``, ``('each', '')``.

    The second element is the first key below the root (``''`` when the whole root is used
    or the key is computed at run time). Names the expression binds itself are left out.
    """
    try:
        tree = parse_tree(_PARSER, f"{VARIABLE_START} {expression} {VARIABLE_END}")
    except TemplateError as exc:
        exc.expression = expression
        raise
    return tree_references(tree)


def string_references(text: str) -> set[Reference]:
    """``references`` for a whole template string, blocks (``{% for %}``) included."""
    return tree_references(parse_tree(_PARSER, text))


def tree_references(tree: nodes.Template) -> set[Reference]:
    # Names the template binds itself ({% set %}, loop targets) are not context reads.
    bound = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    loaded = {n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"}
    free = loaded - bound - _NOT_CONTEXT
    found: set[Reference] = set()
    keyed: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        root = node.node if isinstance(node, nodes.Getattr | nodes.Getitem) else None
        if not (isinstance(root, nodes.Name) and root.name in free):
            continue
        key = ""
        if isinstance(node, nodes.Getattr):
            key = node.attr
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str | int)
        ):
            key = str(node.arg.value)
        found.add((root.name, key))
        keyed.add(id(root))
    for name_node in tree.find_all(nodes.Name):
        if name_node.ctx == "load" and name_node.name in free and id(name_node) not in keyed:
            found.add((name_node.name, ""))
    return found


_UNDEFINED_SAFE_FILTERS = frozenset({"default", "d"})
_UNDEFINED_SAFE_TESTS = frozenset({"defined", "undefined", "none"})


def guarded_step_keys(text: str) -> set[str]:
    """Step ids that ``text`` reads only where an undefined value is handled on purpose:
    inside ``a or b``, ``a if c else b``, ``| default(...)`` or an ``is defined`` test.

    ``steps.new.output.id or steps.old.output.id`` is how a template picks whichever of two
    conditional steps ran; such a read is not a mistake, so lint does not warn about it.
    """
    return tree_guarded_step_keys(parse_tree(_PARSER, text))


def tree_guarded_step_keys(tree: nodes.Template) -> set[str]:
    """:func:`guarded_step_keys` of a parsed string."""
    guards: list[nodes.Node] = [*tree.find_all((nodes.Or, nodes.CondExpr))]
    guards += [f for f in tree.find_all(nodes.Filter) if f.name in _UNDEFINED_SAFE_FILTERS]
    guards += [t for t in tree.find_all(nodes.Test) if t.name in _UNDEFINED_SAFE_TESTS]
    inside = {id(n) for guard in guards for n in guard.find_all((nodes.Getattr, nodes.Getitem))}
    reads: dict[str, bool] = {}
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if not isinstance(node, nodes.Getattr | nodes.Getitem):
            continue
        root = node.node
        if not (isinstance(root, nodes.Name) and root.name == "steps"):
            continue
        if isinstance(node, nodes.Getattr):
            key = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            key = node.arg.value
        else:
            continue
        reads[key] = reads.get(key, True) and id(node) in inside
    return {key for key, guarded in reads.items() if guarded}
