"""Render Backstage template values (`${{ }}`) exactly as the Backstage scaffolder does.

Template authors compose our actions in ``scaffolder.backstage.io/v1beta3`` templates and
test them in Backstage, which renders with Nunjucks. We render the same templates for lint,
dry-run and the template runner with Jinja2's sandbox, adjusted so the results match:

* a string that is one whole expression keeps the value's JSON type
  (``${{ parameters.count }}`` is ``3``, not ``"3"``);
* a value that renders to undefined (or text that renders to ``""``) drops its key, as
  Backstage's ``JSON.parse`` reviver does; in a list the item becomes ``null``;
* text mixing literal parts and expressions renders to a string with JavaScript's
  conversions (``true``, ``1`` for ``1.0``, ``''`` for null);
* filters, operators, tests and truthiness are Nunjucks', not Jinja2's.

The sandbox is stricter than Python's: no Python attribute is ever reachable, and every way
to grow a value or loop is capped (see ``limits``).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateSyntaxError as JinjaSyntaxError
from jinja2 import nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from pagerduty_actions.template_engine import compiler
from pagerduty_actions.template_engine.errors import (
    TemplateError,
    TemplateRenderError,
    TemplateSecurityError,
    TemplateSyntaxError,
    UndefinedValueError,
)
from pagerduty_actions.template_engine.expressions import (
    VARIABLE_END,
    VARIABLE_START,
    Path,
    iter_spans,
    parse_tree,
)
from pagerduty_actions.template_engine.filters import build_filters
from pagerduty_actions.template_engine.jsmethods import member
from pagerduty_actions.template_engine.jsvalues import (
    UNDEFINED,
    JsFunction,
    JsUndefined,
    binary_op,
    compare,
    concat,
    is_undefined,
    output_string,
    to_json_data,
    to_number,
    truthy,
    unary_op,
)
from pagerduty_actions.template_engine.limits import (
    MAX_OUTPUT_CHARS,
    MAX_RANGE_ITEMS,
    MAX_SOURCE_CHARS,
    current_budget,
    render_budget,
)
from pagerduty_actions.template_engine.nunjucks_tests import NUNJUCKS_TESTS

_CACHE_SIZE = 2048


def backstage_truthy(value: Any) -> bool:
    """Backstage's ``isTruthy`` for ``if:``: JavaScript truthiness, and ``[]`` is false."""
    if isinstance(value, list | tuple):
        return len(value) > 0
    return truthy(value)


def _js_range(start: Any = UNDEFINED, stop: Any = UNDEFINED, step: Any = UNDEFINED) -> list[Any]:
    """Nunjucks' ``range(start, stop, step)``, refused beyond ``MAX_RANGE_ITEMS`` items."""
    if is_undefined(stop):
        begin, end, stride = 0.0, to_number(start), 1.0
    else:
        begin, end = to_number(start), to_number(stop)
        stride = to_number(step) if truthy(step) else 1.0
    if any(math.isnan(x) for x in (begin, end, stride)) or stride == 0:
        return []
    count = math.ceil((end - begin) / stride) if math.isfinite(end - begin) else math.inf
    if count > MAX_RANGE_ITEMS:
        raise TemplateSecurityError(f"range() is limited to {MAX_RANGE_ITEMS} items")
    values = (begin + i * stride for i in range(max(int(count), 0)))
    return [int(v) if v == int(v) else v for v in values]


@pass_context
def _truthy_filter(_context: Context, value: Any) -> bool:
    return truthy(value)


@pass_context
def _loop_filter(_context: Context, value: Any, pairs: bool = False) -> Iterator[Any]:
    budget = current_budget()
    if isinstance(value, dict):
        items: list[Any] = list(value.items()) if pairs else list(value.keys())
    elif isinstance(value, list | tuple | str):
        items = list(value)
    else:
        items = []
    for item in items:
        budget.count_iteration()
        yield item


@pass_context
def _capture_filter(_context: Context, value: Any) -> str:
    current_budget().captured = value
    return ""


class NunjucksEnvironment(SandboxedEnvironment):
    """A Jinja2 sandbox whose operators, lookups and calls behave like Nunjucks'."""

    code_generator_class = compiler.NunjucksCodeGenerator
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"+", "-"})

    variable_start = VARIABLE_START

    def __init__(self, filters: Mapping[str, Callable[..., Any]]) -> None:
        super().__init__(
            variable_start_string=self.variable_start,
            variable_end_string=VARIABLE_END,
            autoescape=False,
            undefined=JsUndefined,
            finalize=_finalize,
            keep_trailing_newline=True,
            optimized=False,
            cache_size=0,
        )
        self.filters = dict(filters)
        self.filters.update(
            {
                compiler.TRUTHY_FILTER: _truthy_filter,
                compiler.LOOP_FILTER: _loop_filter,
                compiler.CAPTURE_FILTER: _capture_filter,
            }
        )
        self.tests = dict(NUNJUCKS_TESTS)
        self.globals = {"range": JsFunction("range", _js_range)}

    def getattr(self, obj: Any, attribute: str) -> Any:
        return member(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        return member(obj, argument)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if is_undefined(__obj) or __obj is None:
            raise TemplateRenderError("unable to call a value which is undefined or null")
        if not isinstance(__obj, JsFunction):
            raise TemplateRenderError("unable to call a value which is not a function")
        kwargs.pop("_loop_vars", None)
        kwargs.pop("_block_vars", None)
        if kwargs:
            raise TemplateRenderError(f"{__obj.name}() takes no keyword arguments")
        return __obj(*args)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        return binary_op(operator, left, right)

    def call_unop(self, context: Context, operator: str, arg: Any) -> Any:
        return unary_op(operator, arg)

    @staticmethod
    def js_truthy(value: Any) -> bool:
        return truthy(value)

    @staticmethod
    def js_and(left: Any, right: Callable[[], Any]) -> Any:
        return right() if truthy(left) else left

    @staticmethod
    def js_or(left: Any, right: Callable[[], Any]) -> Any:
        return left if truthy(left) else right()

    @staticmethod
    def js_concat(*parts: Any) -> str:
        return concat(*parts)

    @staticmethod
    def js_compare(first: Any, *rest: Any) -> Any:
        value = first
        for index in range(0, len(rest), 2):
            value = compare(rest[index], value, rest[index + 1])
        return value


class JinjaStyleEnvironment(NunjucksEnvironment):
    """The same sandbox, filters and budgets for a text written as a Jinja2 template.

    The annotate action's pull-request body predates the engine and is written with Jinja2's
    ``{{ }}`` (no ``$``), iterating objects with ``.items()``; those three object methods are
    kept (where the object has no key of that name), everything else is the engine's language.
    """

    variable_start = "{{"

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict) and attribute in _DICT_VIEWS and attribute not in obj:
            view = _DICT_VIEWS[attribute]
            return JsFunction(attribute, lambda: view(obj))
        return member(obj, attribute)


_DICT_VIEWS: dict[str, Callable[[dict[str, Any]], list[Any]]] = {
    "items": lambda obj: [[key, value] for key, value in obj.items()],
    "keys": lambda obj: list(obj.keys()),
    "values": lambda obj: list(obj.values()),
}


def _finalize(value: Any) -> str:
    if is_undefined(value) and current_budget().strict:
        name = getattr(value, "_undefined_name", None)
        suffix = f" ('{name}')" if isinstance(name, str) else ""
        raise UndefinedValueError(f"the expression is undefined{suffix}")
    return output_string(value)


@dataclass(frozen=True)
class _Compiled:
    template: Any
    #: "typed": one whole expression, its value is kept; "json": one whole expression
    #: spanning lines, or one block tag (Backstage's one-line rewrite misses them, and the
    #: rendered text is JSON-parsed); "text": anything else.
    mode: str
    expression: str | None


class TemplateRenderer:
    """Backstage-compatible renderer for template values; one instance serves many renders.

    ``integrations`` maps SCM hosts to their Backstage integration type (``github``,
    ``gitlab``, ``bitbucket``, ``bitbucketServer``, ``azure``, ``gitea``, ``gerrit``) for
    ``parseRepoUrl``/``projectSlug``; by default the hosts Backstage knows without config.
    ``jinja_style`` reads ``{{ }}`` instead of ``${{ }}`` (see ``JinjaStyleEnvironment``).
    """

    def __init__(
        self, integrations: Mapping[str, str] | None = None, *, jinja_style: bool = False
    ) -> None:
        environment = JinjaStyleEnvironment if jinja_style else NunjucksEnvironment
        self._env = environment(build_filters(integrations))
        self._markers = (self._env.variable_start, "{%", "{#")
        self._compile = functools.lru_cache(maxsize=_CACHE_SIZE)(self._compile_uncached)

    def __repr__(self) -> str:
        return "TemplateRenderer()"

    @property
    def filter_names(self) -> frozenset[str]:
        return frozenset(name for name in self._env.filters if not name.startswith("@"))

    # -- public API -------------------------------------------------------------------

    def render_value(self, value: Any, context: Mapping[str, Any], *, strict: bool = False) -> Any:
        """Render every string in a JSON tree; ``UNDEFINED`` if the whole value is dropped."""
        return self._render(value, context, strict, ())

    def render_string(self, text: str, context: Mapping[str, Any], *, strict: bool = False) -> Any:
        """Render one string value (typed when it is a whole expression)."""
        return self._render(text, context, strict, ())

    def render_condition(self, value: Any, context: Mapping[str, Any]) -> bool:
        """A step's ``if:``: ``false`` skips; a string is rendered and tested for truth.

        As in Backstage, any other literal (``true``, ``0``, ``null``) lets the step run,
        and a string rendering to ``[]``, ``""``, ``0``, ``null`` or undefined skips it.
        """
        if value is False:
            return False
        if isinstance(value, str):
            return backstage_truthy(self.render_value(value, context))
        return True

    def each_items(self, value: Any, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        """A step's ``each:`` as Backstage iterates it: ``[{key, value}]``.

        Arrays give string keys ``"0"``, ``"1"``...; objects their keys. A value that
        renders to nothing (undefined, null, ``""``, ``0``, ``false``) is an error.
        """
        resolved = self.render_value(value, context)
        if not truthy(resolved):
            raise TemplateRenderError("each: the value cannot be resolved to a value")
        if isinstance(resolved, dict):
            return [{"key": key, "value": item} for key, item in resolved.items()]
        if isinstance(resolved, list | str):
            return [{"key": str(index), "value": item} for index, item in enumerate(resolved)]
        return []

    def check(self, text: str) -> None:
        """Check a string without rendering it (lint): syntax, filters, sandbox rules."""
        self.checked_tree(text)

    def checked_tree(self, text: str) -> nodes.Template:
        """The syntax tree of ``text`` as written, once it passed every check compiling it
        makes; raises what compiling it raises, the same error at the same place.

        Compiling generates Python code for the tree and has Python compile it, which costs a
        lint most of its expression work; where that can refuse nothing the parse and its
        checks let through (``compiler.compiles_once_checked``), it is skipped."""
        try:
            tree = self._parsed(text)
            if not compiler.compiles_once_checked(tree):
                self._compile(text, False)
        except TemplateError as exc:
            if exc.expression is None:
                self._locate_compile_error(exc, text)
            raise
        return tree

    def render_text(self, text: str, context: Mapping[str, Any]) -> str:
        """Render a whole text to a string, as Nunjucks' ``renderString`` does.

        For skeleton files and file names (``fetch:template``): no typed values, no JSON
        parsing, ``""`` stays ``""``; the same sandbox, filters and budgets as values.
        """
        if not any(marker in text for marker in self._markers):
            return text
        try:
            compiled = self._compile_located(text, as_text=True)
            with render_budget(strict=False):
                return self._run(compiled, context)
        except TemplateError as exc:
            exc.message = _scrub(exc.message, context)
            raise

    # -- internals ----------------------------------------------------------------------

    def _render(self, value: Any, context: Mapping[str, Any], strict: bool, path: Path) -> Any:
        if isinstance(value, str):
            try:
                return self._render_text(value, context, strict)
            except TemplateError as exc:
                exc.message = _scrub(exc.message, context)
                raise exc.with_path(path) from None
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                rendered = self._render(item, context, strict, (*path, str(key)))
                if not is_undefined(rendered):
                    out[key] = rendered
            return out
        if isinstance(value, list | tuple):
            items = [
                self._render(item, context, strict, (*path, i)) for i, item in enumerate(value)
            ]
            return [None if is_undefined(item) else item for item in items]
        return value

    def _render_text(self, text: str, context: Mapping[str, Any], strict: bool) -> Any:
        if not any(marker in text for marker in self._markers):
            return UNDEFINED if text == "" else text
        compiled = self._compile_located(text)
        with render_budget(strict=strict) as budget:
            budget.captured = UNDEFINED
            try:
                rendered = self._run(compiled, context)
            except TemplateError as exc:
                if exc.expression is None:
                    self._locate_runtime_error(exc, text, context, strict)
                raise
            if compiled.mode == "typed":
                captured = budget.captured
                if is_undefined(captured):
                    if strict:
                        raise UndefinedValueError(
                            "the expression is undefined",
                            expression=compiled.expression,
                            position=0,
                        )
                    return UNDEFINED
                return to_json_data(captured)
        if rendered == "":
            return UNDEFINED
        return _parse_json_text(rendered) if compiled.mode == "json" else rendered

    def _run(self, compiled: _Compiled, context: Mapping[str, Any]) -> str:
        parts: list[str] = []
        size = 0
        try:
            for chunk in compiled.template.generate(dict(context)):
                size += len(chunk)
                if size > MAX_OUTPUT_CHARS:
                    raise TemplateSecurityError(
                        f"the rendered text would exceed {MAX_OUTPUT_CHARS} characters"
                    )
                parts.append(chunk)
        except TemplateError:
            raise
        except SecurityError as exc:
            raise TemplateSecurityError("the sandbox refused an operation") from exc
        except RecursionError as exc:
            raise TemplateSecurityError("the expression nests too deeply") from exc
        except MemoryError as exc:
            raise TemplateSecurityError("the expression needs too much memory") from exc
        except JinjaTemplateError as exc:
            from pagerduty_actions.redaction import redact  # an error path: lint never needs it

            raise TemplateRenderError(f"evaluation failed: {redact(exc.message or '')}") from exc
        except Exception as exc:  # a filter given bad input, a JavaScript TypeError
            raise TemplateRenderError(f"evaluation failed ({type(exc).__name__})") from exc
        return "".join(parts)

    def _compile_located(self, text: str, *, as_text: bool = False) -> _Compiled:
        try:
            return self._compile(text, as_text)
        except TemplateError as exc:
            if exc.expression is None:
                self._locate_compile_error(exc, text)
            raise

    def _parsed(self, text: str) -> nodes.Template:
        """The checked syntax tree of ``text``: its size, syntax, nesting, tags, filters,
        tests and names (``compiler.check_tree``)."""
        if len(text) > MAX_SOURCE_CHARS:
            raise TemplateSecurityError(
                f"template strings are limited to {MAX_SOURCE_CHARS} characters"
            )
        tree = parse_tree(self._env, text)
        compiler.check_tree(tree, self._env.filters, self._env.tests)
        return tree

    def _compile_uncached(self, text: str, as_text: bool = False) -> _Compiled:
        tree = compiler.adapt_tree(self._parsed(text))
        spans = list(iter_spans(text))
        mode = "text" if as_text else _mode(tree, text, spans)
        if mode == "typed":
            compiler.capture_single_expression(tree)
        try:
            template = self._env.from_string(tree)
        except JinjaSyntaxError as exc:
            raise TemplateSyntaxError(exc.message or "invalid template syntax") from exc
        except (RecursionError, MemoryError) as exc:
            raise TemplateSecurityError("the expression nests too deeply") from exc
        except SyntaxError as exc:
            raise TemplateSecurityError("the expression is too complex to compile") from exc
        expression = spans[0].expression if mode != "text" and spans else None
        return _Compiled(template, mode, expression)

    def _locate_compile_error(self, exc: TemplateError, text: str) -> None:
        for span in iter_spans(text):
            piece = text[span.start : span.end]
            if piece == text:
                break
            try:
                self._compile(piece)
            except TemplateError:
                exc.expression, exc.position = span.expression, span.start
                return
        spans = list(iter_spans(text))
        if len(spans) == 1:
            exc.expression, exc.position = spans[0].expression, spans[0].start

    def _locate_runtime_error(
        self, exc: TemplateError, text: str, context: Mapping[str, Any], strict: bool
    ) -> None:
        spans = list(iter_spans(text))
        if len(spans) == 1:
            exc.expression, exc.position = spans[0].expression, spans[0].start
            return
        for span in spans:
            piece = text[span.start : span.end]
            try:
                with render_budget(strict=strict):
                    self._run(self._compile(piece), context)
            except TemplateError:
                exc.expression, exc.position = span.expression, span.start
                return


def _mode(tree: nodes.Template, text: str, spans: list[Any]) -> str:
    """Backstage's ``isSingleTemplateString`` plus its one-line ``${{(.+)}}`` rewrite."""
    if len(tree.body) != 1:
        return "text"
    if not isinstance(tree.body[0], nodes.Output):
        # One block tag (`{% if %}…{% endif %}`) also counts as "single"; Backstage then
        # JSON-parses its rendered text, so "3" becomes 3 and "true" becomes true.
        return "json"
    output = tree.body[0].nodes
    if len(output) != 1 or isinstance(output[0], nodes.TemplateData) or len(spans) != 1:
        return "text"
    return "json" if "\n" in text[spans[0].start : spans[0].end] else "typed"


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _parse_json_text(text: str) -> Any:
    """``JSON.parse(text)`` if it is JSON (JavaScript's dialect), else the text itself."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return text


def _scrub(message: str, context: Mapping[str, Any]) -> str:
    # Imported here: only a failed render has a message to scrub, and a lint renders nothing
    # (the redaction patterns cost a lint 2% of its instructions to compile).
    from pagerduty_actions.redaction import redact

    secrets = context.get("secrets")
    if isinstance(secrets, Mapping):
        for secret in sorted((str(v) for v in secrets.values() if v), key=len, reverse=True):
            if len(secret) >= 4:
                message = message.replace(secret, "***")
    return redact(message)
