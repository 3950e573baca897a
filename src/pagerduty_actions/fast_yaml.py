"""Read-only YAML at C speed, giving the data ruamel's YAML 1.2 safe loader gives.

ruamel.yaml reads YAML 1.2 (``yes`` is a string, ``012`` is twelve) and keeps comments and
layout for edits, but in pure Python: a sync over 5,000 catalog files spent most of its time
there. Reading, not editing, needs neither the layout nor pure Python: PyYAML's libyaml parser
(``CSafeLoader``) builds the same nodes twenty times faster. It resolves plain scalars by
YAML 1.1 rules, though, so we take its answer only where the two readings cannot differ:

- every plain scalar is a word both versions read alike: not one of the 1.1 booleans (``yes``,
  ``no``, ``on``, ``off`` in any of their spellings), not ``=`` or ``<<`` (value
  and merge keys), and when it starts like a number (a digit after an optional sign, or a
  ``.`` before a digit or ``inf``/``nan``) it is a plain decimal integer or decimal fraction
  (``12``, ``-3``, ``1.5``): octals, hex, binary, exponents, underscores, sexagesimals,
  timestamps, ``.inf`` and versions like ``1.2.3`` are all left to ruamel;
- every tag is one of str, int, float, bool, null, map and seq, and a quoted or block scalar
  is a string;
- every mapping key is a string scalar and appears once (ruamel refuses a duplicate);
- no tab anywhere (libyaml takes a tab where ruamel refuses one, ``key:\tvalue``);
- no ``%TAG`` directive, and no ``%YAML`` directive but ``%YAML 1.2`` (ruamel reads a
  ``%YAML 1.1`` document by 1.1 rules).

Anything else, and any text libyaml refuses, is read by ruamel instead, which also gives the
errors (so their wording is the one the rest of the code knows). A file of doubt costs its
ruamel time; the answer is the same either way, which tests/foundation/test_fast_yaml.py checks
on the shipped templates, the tests' YAML fixtures and generated edge cases.

The YAML budget (``yaml_budget``: aliases, nesting) is checked on libyaml's events before any
node is built, as on the ruamel path: libyaml composes recursively, so depth is bounded first.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml import MappingNode, ScalarNode, SequenceNode

from .yaml_budget import YamlBudgetError, check_yaml_budget, within_budget

#: libyaml is optional in PyYAML; without it every file takes the ruamel path.
_C_LOADER: type[yaml.CSafeLoader] | None = getattr(yaml, "CSafeLoader", None)
_TAG = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ = _TAG + "str", _TAG + "map", _TAG + "seq"
_SCALAR_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null"))
_DIGITS = frozenset("0123456789")
_PLAIN_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?\Z")
_YAML_11_WORDS = frozenset(
    spelling
    for word in ("yes", "no", "on", "off")
    for spelling in (word, word.capitalize(), word.upper())
) | {"=", "<<"}


class _Doubt(Exception):
    """The two readings may differ here: read the text with ruamel."""


def load_all(text: str) -> list[Any]:
    """Every document of ``text`` as plain data (None for an empty document), as ruamel's
    YAML 1.2 safe loader reads it.

    Raises ``yaml_budget.YamlBudgetError`` or ruamel's ``YAMLError`` as ruamel's path does.
    """
    fast = fast_load_all(text)
    if fast is not None:
        return fast
    return ruamel_load_all(text)


def check_budget(text: str) -> None:
    """``yaml_budget.check_yaml_budget`` on libyaml's events where libyaml reads the text as
    ruamel does (no tab), ruamel's pure-Python pass otherwise.

    Both parsers give the same events for a text both read, so the budget holds for one
    exactly when it holds for the other; a text libyaml refuses or finds over budget goes
    through ruamel's pass, which raises what it always raised, at the same line and column.
    """
    if _C_LOADER is not None and "\t" not in text:
        try:
            for _ in within_budget(yaml.parse(text, Loader=_C_LOADER)):
                pass
        except (yaml.YAMLError, YamlBudgetError, ValueError, RecursionError):
            pass
        else:
            return
    check_yaml_budget(text)


def ruamel_load_all(text: str) -> list[Any]:
    """The reference reading: the budget, then ruamel's YAML 1.2 safe loader."""
    from ruamel.yaml import YAML  # here only: most text never needs it (importing costs)
    from ruamel.yaml.constructor import ConstructorError

    check_yaml_budget(text)
    try:
        return list(YAML(typ="safe", pure=True).load_all(text))
    except (ValueError, IndexError) as exc:
        # ruamel reads a plain ``-_`` as an integer and then fails to convert it: a YAML
        # error the caller reports, not a crash.
        raise ConstructorError(
            problem=f"a plain value that looks like a number could not be read ({exc}); "
            "quote it to mean text"
        ) from None


def fast_load_all(text: str) -> list[Any] | None:
    """libyaml's reading of ``text``, or None when it may differ from ruamel's (see the
    module docstring), when libyaml refuses the text or when the budget is exceeded (the
    ruamel path then says why)."""
    read = fast_compose_all(text)
    return None if read is None else [data for _, data in read]


def fast_compose_all(text: str) -> list[tuple[Any, Any]] | None:
    """Each document of ``text`` as (libyaml's node, its data), under the rules of
    :func:`fast_load_all`; the nodes carry the line and column of every key and value."""
    if _C_LOADER is None or "\t" in text:
        return None
    try:
        for event in within_budget(yaml.parse(text, Loader=_C_LOADER)):
            if type(event).__name__ == "DocumentStartEvent" and (
                event.tags or event.version not in (None, (1, 2))
            ):
                return None
        loader = _C_LOADER(text)
        try:
            documents = []
            while loader.check_node():
                node = loader.get_node()
                _check(node, set())
                documents.append((node, loader.construct_document(node)))
            return documents
        finally:
            loader.dispose()
    except (_Doubt, yaml.YAMLError, ValueError, RecursionError):
        return None


def _check(node: Any, seen: set[int]) -> None:
    """Raise :class:`_Doubt` where libyaml's YAML 1.1 reading may differ from ruamel's."""
    if id(node) in seen:  # an alias: its node was checked where it was anchored
        return
    seen.add(id(node))
    if isinstance(node, ScalarNode):
        plain = not node.style  # libyaml's plain style is "" (ruamel's is None)
        if node.tag not in _SCALAR_TAGS or (not plain and node.tag != _STR):
            raise _Doubt
        if plain:
            value = node.value
            if value in _YAML_11_WORDS or (_number_like(value) and not _PLAIN_DECIMAL.match(value)):
                raise _Doubt
    elif isinstance(node, SequenceNode):
        if node.tag != _SEQ:
            raise _Doubt
        for item in node.value:
            _check(item, seen)
    elif isinstance(node, MappingNode):
        if node.tag != _MAP:
            raise _Doubt
        keys = set()
        for key, value in node.value:
            if not isinstance(key, ScalarNode) or key.tag != _STR or key.value in keys:
                raise _Doubt
            keys.add(key.value)
            _check(key, seen)
            _check(value, seen)
    else:  # pragma: no cover - libyaml composes no other node
        raise _Doubt


def _number_like(value: str) -> bool:
    """Whether either version's number, timestamp or ``.inf``/``.nan`` rules could match:
    a digit first (after an optional sign), an ``_`` after a sign, or a ``.`` followed by a
    digit, ``_`` or inf/nan."""
    head = value[1:] if value[:1] in ("+", "-") else value
    if not head:
        return False
    if head[0] in _DIGITS or (head is not value and head[0] == "_"):
        return True  # ruamel's 1.2 integers take underscores after a sign: -_0 is 0
    if head[0] == ".":
        return head[1:2] in _DIGITS or head[1:2] == "_" or head[1:].lower() in ("inf", "nan")
    return False
