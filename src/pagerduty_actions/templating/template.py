"""Read a Backstage ``scaffolder.backstage.io/v1beta3`` Template file the way Backstage does.

Lint, dry-run and the runner all start here: the YAML becomes plain JSON data (YAML 1.2, as
Backstage's ``yaml`` package reads it), every node keeps its line so a finding can point at
it, and the document is checked against Backstage's Template v1beta3 JSON Schema (our copy of
its facts, ``schemas/backstage-template-v1beta3.schema.json``). The parameter pages are
merged into one schema the way Backstage's form validates them: every page applies to the
whole set of values.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pagerduty_actions.fast_yaml import check_budget, fast_compose_all
from pagerduty_actions.paths import schema_path
from pagerduty_actions.templating.quick_schema import DRAFT7, QuickValidator
from pagerduty_actions.yaml_budget import YamlBudgetError

if TYPE_CHECKING:
    from jsonschema import Draft7Validator

API_VERSION = "scaffolder.backstage.io/v1beta3"
SCHEMA_FILE = "backstage-template-v1beta3.schema.json"
MAX_TEMPLATE_BYTES = 1_000_000

YamlPath = tuple[str | int, ...]


class TemplateLoadError(Exception):
    """The file cannot be read as one YAML mapping; ``line`` (and ``column``) say where, when
    known.

    ``yaml_problem`` tells a YAML fault (syntax, or more than ``yaml_budget`` allows) from a
    document that is YAML but not a template.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        yaml_problem: bool = False,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.yaml_problem = yaml_problem or message.startswith("not valid YAML")


def format_path(path: YamlPath) -> str:
    """``('spec', 'steps', 0, 'id')`` -> ``spec.steps[0].id`` (``$`` for the root)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.replace("_", "").replace("-", "").isalnum() and not part[:1].isdigit():
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part)}]"
    return text or "$"


@dataclass
class TemplateDocument:
    """A parsed template: its data, where it came from, and the line of every node (and,
    read from text, the column of every key and where every value starts)."""

    data: dict[str, Any]
    source: str = "<template>"
    base_dir: Path | None = None
    lines: dict[YamlPath, int] = field(default_factory=dict, repr=False)
    #: 1-based column of each mapping key / sequence item, by its path.
    columns: dict[YamlPath, int] = field(default_factory=dict, repr=False)
    #: 0-based (line, column) where each value's text starts, by its path.
    value_starts: dict[YamlPath, tuple[int, int]] = field(default_factory=dict, repr=False)
    text: str = field(default="", repr=False)

    def line_of(self, path: YamlPath) -> int | None:
        """The 1-based line of ``path``, or of its nearest ancestor that has one."""
        return self.position_of(path)[0]

    def position_of(self, path: YamlPath) -> tuple[int | None, int | None]:
        """1-based (line, column) of ``path``'s key, or of its nearest ancestor's."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line, self.columns.get(tuple(path[:end]))
        return None, None

    def position_in_value(self, path: YamlPath, value: str, offset: int) -> tuple[int, int] | None:
        """1-based (line, column) in the file of character ``offset`` of the string ``value``
        found at ``path``: the text from there to its line's end is looked for where the value
        starts (quotes, block scalars and folding move it); None when it cannot be found."""
        start = self.value_starts.get(path)
        piece = value[offset:].split("\n", 1)[0].rstrip()[:80]
        if start is None or not self.text or not piece:
            return None
        lines = self.text.split("\n")
        if start[0] >= len(lines):
            return None
        begin = sum(len(line) + 1 for line in lines[: start[0]]) + start[1]
        found = self.text.find(piece, begin, begin + 2 * len(value) + 200)
        if found < 0:
            return None
        line = self.text.count("\n", 0, found)
        return line + 1, found - (self.text.rfind("\n", 0, found) + 1) + 1

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def name(self) -> str:
        metadata = self.data.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        return name if isinstance(name, str) else "template"

    @property
    def steps(self) -> list[dict[str, Any]]:
        steps = self.spec.get("steps")
        if not isinstance(steps, list):
            return []
        return [s if isinstance(s, dict) else {} for s in steps]

    @property
    def parameter_pages(self) -> list[dict[str, Any]]:
        return parameter_pages(self.spec.get("parameters"))

    def is_template(self) -> bool:
        return self.data.get("apiVersion") == API_VERSION and self.data.get("kind") == "Template"


def parse_template(
    text: str, source: str = "<template>", base_dir: Path | None = None
) -> TemplateDocument:
    """Parse template YAML text; raises ``TemplateLoadError`` if it is not one mapping."""
    if len(text.encode("utf-8", "replace")) > MAX_TEMPLATE_BYTES:
        raise TemplateLoadError(f"the template is larger than {MAX_TEMPLATE_BYTES} bytes")
    return _parse(text, source, base_dir, _fast_documents(text))


def parse_template_with_ruamel(
    text: str, source: str = "<template>", base_dir: Path | None = None
) -> TemplateDocument:
    """:func:`parse_template` through ruamel's round-trip loader alone (the reference)."""
    return _parse(text, source, base_dir, None)


def _parse(
    text: str, source: str, base_dir: Path | None, fast: list[_Document] | None
) -> TemplateDocument:
    documents = fast if fast is not None else _ruamel_documents(text)
    if not documents:
        raise TemplateLoadError("the file is empty; expected a Template document")
    templates = [
        d for d in documents if isinstance(d.data, Mapping) and d.data.get("kind") == "Template"
    ]
    if len(documents) > 1 and len(templates) != 1:
        raise TemplateLoadError(
            f"the file holds {len(documents)} YAML documents; expected one Template"
        )
    root = templates[0] if templates else documents[0]
    if not isinstance(root.data, Mapping):
        raise TemplateLoadError(
            f"the file holds a {_yaml_type(root.data)}, not a mapping; expected a Template "
            "document",
            line=1,
        )
    where = _Positions()
    if root.node is None:
        _collect_lines(root.data, (), where)
    elif not _collect_node_positions(root.node, root.data, (), where):
        return parse_template_with_ruamel(text, source, base_dir)
    return TemplateDocument(
        data=_plain(root.data),
        source=source,
        base_dir=base_dir,
        lines=where.lines,
        columns=where.columns,
        value_starts=where.values,
        text=text,
    )


@dataclass(frozen=True)
class _Document:
    """One YAML document's data, and libyaml's node for it when the fast reader read it."""

    data: Any
    node: Any = None


#: Line breaks of YAML 1.1 only (libyaml counts lines at them, YAML 1.2 does not).
_YAML_11_BREAKS = ("\x85", "\u2028", "\u2029")


def _fast_documents(text: str) -> list[_Document] | None:
    """The non-empty documents as libyaml reads them (``fast_yaml``'s rules: only where its
    reading is ruamel's, the budget checked on its events), or None for ruamel's path."""
    if any(mark in text for mark in _YAML_11_BREAKS):
        return None
    read = fast_compose_all(text)
    if read is None:
        return None
    return [_Document(data, node) for node, data in read if data is not None]


def _ruamel_documents(text: str) -> list[_Document]:
    """The non-empty documents as ruamel's round-trip loader reads them, or the
    ``TemplateLoadError`` that says why the text cannot be read."""
    # Imported here: a template the fast reader takes (the usual one) never needs ruamel.
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        check_budget(text)  # aliases and nesting, before anything walks the tree
        documents = [d for d in YAML(typ="rt", pure=True).load_all(text) if d is not None]
    except YamlBudgetError as exc:
        raise TemplateLoadError(
            exc.problem, line=exc.line, column=exc.column, yaml_problem=True
        ) from None
    except YAMLError as exc:
        line = column = None
        if isinstance(exc, MarkedYAMLError) and exc.problem_mark is not None:
            line, column = exc.problem_mark.line + 1, exc.problem_mark.column + 1
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise TemplateLoadError(f"not valid YAML: {problem}", line=line, column=column) from None
    except RecursionError:
        raise TemplateLoadError("not valid YAML: the document nests too deeply") from None
    return [_Document(d) for d in documents]


def load_template(path: str | Path) -> TemplateDocument:
    """Read and parse a template file; its folder is where skeleton paths resolve."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateLoadError(f"cannot read {file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise TemplateLoadError(f"{file} is not UTF-8 text") from None
    return parse_template(text, source=str(file), base_dir=file.resolve().parent)


@lru_cache(maxsize=1)
def template_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_path(SCHEMA_FILE).read_text(encoding="utf-8"))
    return schema


@lru_cache(maxsize=1)
def _template_validator() -> Draft7Validator:

    from pagerduty_actions.json_validators import Draft7

    return Draft7(template_schema())


@lru_cache(maxsize=1)
def _quick_template_validator() -> QuickValidator:
    return QuickValidator(template_schema(), DRAFT7)


def schema_problems(data: Any) -> list[tuple[YamlPath, str]]:
    """Every place the data breaks the Template v1beta3 schema, most specific first.

    A document ``quick_schema`` finds valid has none, and jsonschema is not imported."""
    if _quick_template_validator().surely_valid(data):
        return []
    found: list[tuple[YamlPath, str]] = []
    for error in _template_validator().iter_errors(data):
        for leaf in _leaves(error):
            found.append((tuple(leaf.absolute_path), leaf.message))
    unique = sorted(set(found), key=lambda item: (len(item[0]), format_path(item[0]), item[1]))
    return unique


def parameter_pages(parameters: Any) -> list[dict[str, Any]]:
    """``spec.parameters`` as a list of page schemas (one object is one page)."""
    if isinstance(parameters, dict):
        return [parameters]
    if isinstance(parameters, list):
        return [page for page in parameters if isinstance(page, dict)]
    return []


def merged_parameter_schema(pages: list[dict[str, Any]]) -> dict[str, Any]:
    """One draft-07 schema for all pages: each page must hold for the whole value set."""
    cleaned = [_without_ui(page) for page in pages]
    return {"type": "object", "allOf": cleaned}


def parameter_names(pages: list[dict[str, Any]]) -> set[str]:
    """Every property any page can declare, conditional branches (dependencies, if) included."""
    names: set[str] = set()
    for page in pages:
        names.update(_schema_property_names(page))
    return names


def required_parameters(pages: list[dict[str, Any]]) -> set[str]:
    """Names some page lists in its top-level ``required`` (the form will not submit without)."""
    names: set[str] = set()
    for page in pages:
        required = page.get("required")
        if isinstance(required, list):
            names.update(str(name) for name in required)
    return names


def parameter_defaults(pages: list[dict[str, Any]]) -> dict[str, Any]:
    """Top-level ``default`` values, which Backstage's form fills in before submitting."""
    defaults: dict[str, Any] = {}
    for page in pages:
        properties = page.get("properties")
        if isinstance(properties, dict):
            for name, prop in properties.items():
                if isinstance(prop, dict) and "default" in prop and name not in defaults:
                    defaults[name] = prop["default"]
    return defaults


# -- internals ---------------------------------------------------------------------------


def _schema_property_names(schema: Any) -> Iterator[str]:
    if not isinstance(schema, dict):
        return
    properties = schema.get("properties")
    if isinstance(properties, dict):
        yield from (str(key) for key in properties)
    for key in ("allOf", "anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list):
            for branch in branches:
                yield from _schema_property_names(branch)
    for key in ("if", "then", "else"):
        yield from _schema_property_names(schema.get(key))
    dependencies = schema.get("dependencies")
    if isinstance(dependencies, dict):
        for dependency in dependencies.values():
            yield from _schema_property_names(dependency)


def _without_ui(schema: Any) -> Any:
    """Drop ``ui:*`` keys (form hints, not JSON Schema) everywhere in a page."""
    if isinstance(schema, dict):
        return {
            key: _without_ui(value)
            for key, value in schema.items()
            if not (isinstance(key, str) and key.startswith("ui:"))
        }
    if isinstance(schema, list):
        return [_without_ui(item) for item in schema]
    return schema


def _leaves(error: Any) -> list[Any]:
    if error.context and error.validator in ("oneOf", "anyOf", "allOf"):
        best = min(error.context, key=lambda e: -len(e.absolute_path))
        deepest = [e for e in error.context if len(e.absolute_path) == len(best.absolute_path)]
        out: list[Any] = []
        for sub in deepest:
            out.extend(_leaves(sub))
        return out
    return [error]


def _yaml_type(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


@dataclass
class _Positions:
    lines: dict[YamlPath, int] = field(default_factory=dict)
    columns: dict[YamlPath, int] = field(default_factory=dict)
    values: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)


def _collect_lines(node: Any, path: YamlPath, where: _Positions) -> None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        if not path:
            where.lines[()] = (node.lc.line or 0) + 1
            where.columns[()] = (node.lc.col or 0) + 1
        for key, value in node.items():
            child = (*path, str(key))
            with contextlib.suppress(KeyError, TypeError):
                line, column = node.lc.key(key)
                where.lines[child], where.columns[child] = line + 1, column + 1
            with contextlib.suppress(KeyError, TypeError):
                value_line, value_column = node.lc.value(key)
                where.values[child] = (value_line, value_column)
            _collect_lines(value, child, where)
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            child = (*path, index)
            with contextlib.suppress(KeyError, TypeError, IndexError):
                line, column = node.lc.item(index)
                where.lines[child], where.columns[child] = line + 1, column + 1
                where.values[child] = (line, column)
            _collect_lines(value, child, where)


def _collect_node_positions(node: Any, data: Any, path: YamlPath, where: _Positions) -> bool:
    """:func:`_collect_lines` on libyaml's nodes: the same lines and columns (its marks are
    where ruamel's are, on a text the fast reader takes), walking the data beside them for
    the keys (no duplicate key gets there, so a mapping's pairs are its data's items).
    False where the marks differ: a mapping value left empty (libyaml marks the end of its
    key, ruamel the next token), which ruamel's loader then reads."""
    if not path:
        where.lines[()] = node.start_mark.line + 1
        where.columns[()] = node.start_mark.column + 1
    if isinstance(data, dict):
        for (key_node, value_node), (key, value) in zip(node.value, data.items(), strict=True):
            if value is None and value_node.value == "" and not value_node.style:
                return False
            child = (*path, str(key))
            mark = key_node.start_mark
            where.lines[child], where.columns[child] = mark.line + 1, mark.column + 1
            where.values[child] = (value_node.start_mark.line, value_node.start_mark.column)
            if not _collect_node_positions(value_node, value, child, where):
                return False
    elif isinstance(data, list):
        for index, (item_node, item) in enumerate(zip(node.value, data, strict=True)):
            child = (*path, index)
            mark = item_node.start_mark
            where.lines[child], where.columns[child] = mark.line + 1, mark.column + 1
            where.values[child] = (mark.line, mark.column)
            if not _collect_node_positions(item_node, item, child, where):
                return False
    return True


def _plain(node: Any) -> Any:
    """Round-trip YAML nodes -> plain JSON data (timestamps stay text, as in YAML 1.2 core)."""
    if isinstance(node, Mapping):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(item) for item in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, _dt.date | _dt.datetime):
        return node.isoformat()
    return str(node)
