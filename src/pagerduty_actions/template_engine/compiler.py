"""Make Jinja2 compile `${{ }}` expressions with Nunjucks semantics, and refuse the unsafe.

Jinja2 parses almost the same expression language as Nunjucks but generates Python
operations: Python truthiness in ``if``/``and``/``or``, ``str()`` in ``~``, Python ``==``.
The code generator below routes those through ``environment.js_*`` so Backstage templates
give Backstage's results. Before compiling, the parsed tree is checked (unknown filters,
``__`` names, tags that could loop or recurse without bound) and adjusted for Nunjucks
syntax (``{a: 1}`` has a string key, ``null`` is a literal).
"""

from __future__ import annotations

from typing import Any, cast

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.visitor import NodeTransformer

from pagerduty_actions.template_engine.errors import (
    TemplateSecurityError,
    TemplateSyntaxError,
    UnknownFilterError,
)

TRUTHY_FILTER = "@truthy"
LOOP_FILTER = "@loop"
CAPTURE_FILTER = "@capture"

_REFUSED_TAGS: dict[type[nodes.Node], str] = {
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.FilterBlock: "filter",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from",
    nodes.Extends: "extends",
    nodes.Block: "block",
    nodes.With: "with",
    nodes.Scope: "scope",
    nodes.ScopedEvalContextModifier: "autoescape",
    nodes.EvalContextModifier: "autoescape",
    nodes.ExprStmt: "do",
}


class NunjucksCodeGenerator(CodeGenerator):
    """Jinja2's code generator with JavaScript operators and no compile-time folding."""

    def _output_child_to_const(self, node: nodes.Expr, frame: Frame, finalize: Any) -> str:
        if isinstance(node, nodes.TemplateData):
            return str(super()._output_child_to_const(node, frame, finalize))
        # Python would fold `1 == '1'` to False; JavaScript says true. Evaluate at runtime.
        raise nodes.Impossible()

    def _short_circuit(self, name: str, node: nodes.BinExpr, frame: Frame) -> None:
        self.write(f"environment.{name}(")
        self.visit(node.left, frame)
        self.write(", lambda: ")
        self.visit(node.right, frame)
        self.write(")")

    def visit_And(self, node: nodes.BinExpr, frame: Frame) -> None:
        self._short_circuit("js_and", node, frame)

    def visit_Or(self, node: nodes.BinExpr, frame: Frame) -> None:
        self._short_circuit("js_or", node, frame)

    def visit_Not(self, node: nodes.UnaryExpr, frame: Frame) -> None:
        self.write("(not environment.js_truthy(")
        self.visit(node.node, frame)
        self.write("))")

    def visit_CondExpr(self, node: nodes.CondExpr, frame: Frame) -> None:
        frame = frame.soft()
        self.write("(")
        self.visit(node.expr1, frame)
        self.write(" if environment.js_truthy(")
        self.visit(node.test, frame)
        self.write(") else ")
        if node.expr2 is None:
            # Nunjucks compiles `a if b` to `b ? a : ""`.
            self.write('""')
        else:
            self.visit(node.expr2, frame)
        self.write(")")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.js_concat(")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write(")")

    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        # JavaScript evaluates `a < b < c` as `(a < b) < c`.
        self.write("environment.js_compare(")
        self.visit(node.expr, frame)
        for operand in node.ops:
            self.write(f", {operand.op!r}, ")
            self.visit(operand.expr, frame)
        self.write(")")


class _NunjucksSyntax(NodeTransformer):
    """Rewrite the tree where Nunjucks reads the same text differently from Jinja2."""

    def visit_Pair(self, node: nodes.Pair) -> nodes.Node:
        self.generic_visit(node)
        if isinstance(node.key, nodes.Name):
            node.key = nodes.Const(node.key.name, lineno=node.key.lineno)
        return node

    def visit_Name(self, node: nodes.Name) -> nodes.Node:
        if node.ctx == "load" and node.name == "null":
            return nodes.Const(None, lineno=node.lineno)
        return node

    def visit_If(self, node: nodes.If) -> nodes.Node:
        self.generic_visit(node)
        node.test = _wrap(node.test, TRUTHY_FILTER)
        for branch in node.elif_:
            branch.test = _wrap(branch.test, TRUTHY_FILTER)
        return node

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        pairs = isinstance(node.target, nodes.Tuple) and len(node.target.items) == 2
        node.iter = _wrap(node.iter, LOOP_FILTER, [nodes.Const(pairs)])
        if node.test is not None:
            node.test = _wrap(node.test, TRUTHY_FILTER)
        return node


def _wrap(expr: nodes.Node, name: str, args: list[nodes.Expr] | None = None) -> nodes.Filter:
    target = cast(nodes.Expr, expr)
    return nodes.Filter(target, name, args or [], [], None, None, lineno=expr.lineno)


def capture_single_expression(tree: nodes.Template) -> None:
    """Make the one expression of a whole-expression string hand back its value, not text."""
    output = tree.body[0]
    assert isinstance(output, nodes.Output)
    output.nodes[0] = _wrap(output.nodes[0], CAPTURE_FILTER)


def check_tree(tree: nodes.Template, filters: Any, tests: Any) -> None:
    """Refuse what the sandbox does not allow, before any code is generated."""
    for node in tree.find_all(nodes.Node):
        tag = _REFUSED_TAGS.get(type(node))
        if tag is not None:
            raise TemplateSecurityError(f"the '{tag}' tag is not allowed in template values")
        if isinstance(node, nodes.For) and node.recursive:
            raise TemplateSecurityError("recursive loops are not allowed in template values")
        if isinstance(node, nodes.Filter) and node.name not in filters:
            raise UnknownFilterError(node.name)
        if isinstance(node, nodes.Test) and node.name not in tests:
            raise TemplateSyntaxError(f"unknown test '{node.name}'")
        if isinstance(node, nodes.Getattr) and node.attr.startswith("__"):
            raise TemplateSecurityError(f"access to '{node.attr}' is not allowed in templates")
        if (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
            and node.arg.value.startswith("__")
        ):
            raise TemplateSecurityError(f"access to '{node.arg.value}' is not allowed in templates")


#: Deeper trees are compiled to find out whether Python takes the code generated for them.
PARSE_ONLY_DEPTH = 30


def compiles_once_checked(tree: nodes.Template) -> bool:
    """Whether compiling a tree ``check_tree`` passed can only succeed, so a check (lint)
    may stop at parsing: true for text and expressions alone (no ``{% %}`` tag: loops and
    blocks are where Jinja2's code generator and Python refuse things), nested at most
    ``PARSE_ONLY_DEPTH`` levels (Python refuses deeply nested generated code), where no call,
    filter or test names a keyword argument twice (Jinja2 passes ``f(a=1, a=2)`` on to
    Python, which refuses it). Anything else is compiled to find out."""
    if not all(isinstance(node, nodes.Output) for node in tree.body):
        return False
    pending: list[tuple[nodes.Node, int]] = [(tree, 0)]
    while pending:
        node, depth = pending.pop()
        if depth > PARSE_ONLY_DEPTH:
            return False
        if isinstance(node, nodes.Call | nodes.Filter | nodes.Test):
            keys = [keyword.key for keyword in node.kwargs]
            if len(keys) != len(set(keys)):
                return False
        pending.extend((child, depth + 1) for child in node.iter_child_nodes())
    return True


def adapt_tree(tree: nodes.Template) -> nodes.Template:
    result = _NunjucksSyntax().visit(tree)
    assert isinstance(result, nodes.Template)
    return result
