"""Edit a ``catalog-info.yaml`` so that only the lines that must change differ.

Users of other Backstage YAML actions lost comments, flow style, a leading ``---`` and other
documents of multi-document files (user report 5). Here the file is never re-dumped: ruamel.yaml
parses it to find exact positions, and the edit splices the original text there. Everything
else (comments, quoting, indentation, blank lines, anchors, document markers, CRLF line endings,
a BOM, a missing final newline) is left byte for byte as it was.

After every edit the result is parsed again and compared with the intended data: the edited
entity must differ only in the edited field and every other document must be unchanged.
When a file is shaped so that this does not hold (an anchored value reused elsewhere, merge
keys), :class:`UnsupportedStructureError` is raised instead of writing a surprising file.

How new keys and values are quoted is described in ``_yaml_scalar``: plain when unambiguous,
otherwise double-quoted; a replaced quoted value keeps its quotes. Where things go:

* new annotations are appended after the last existing one; a missing ``annotations:`` is
  appended at the end of ``metadata`` in the file's own indentation;
* removing the last annotation leaves ``annotations: {}`` (the key and its comments stay);
* ``spec.dependsOn`` keeps the entries that stay, in their order and spelling, drops the others
  and appends new ones in the order given; an emptied list becomes ``dependsOn: []``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._collection_edit import (
    LIST,
    MAPPING,
    CollectionChanges,
    Geometry,
    add_key,
    edit_existing,
    fill_empty,
)
from ._entity_lookup import EntityInfo, EntityRefInput, Parsed, list_entities, select, select_entity
from ._text_edit import TextEditor
from ._yaml_diff import unified_diff
from ._yaml_layout import Layout, indentation, unsupported
from ._yaml_scalar import render_scalar
from ._yaml_tree import Document, Node, load_data
from .entity_ref import EntityRef, parse_entity_ref
from .errors import (
    CatalogYamlError,
    InvalidEditError,
    InvalidEntityRefError,
    UnsupportedStructureError,
)

__all__ = [
    "EditResult",
    "EntityInfo",
    "change_depends_on",
    "list_entities",
    "select_entity",
    "set_annotations",
    "set_depends_on",
    "unified_diff",
]


@dataclass(frozen=True)
class EditResult:
    """The edited text, whether it differs, and a unified diff for a pull request body.

    ``text`` and ``diff`` are left out of the repr: they may hold an integration key.
    """

    text: str = field(repr=False)
    changed: bool
    diff: str = field(repr=False)
    entity_ref: str


# -- annotations -------------------------------------------------------------------------------


def set_annotations(
    text: str,
    entity_ref: EntityRefInput,
    set: Mapping[str, str],  # the name the action input uses
    remove: Iterable[str] = (),
    *,
    path: str = "catalog-info.yaml",
) -> EditResult:
    """Add or update the ``set`` annotations and drop the ``remove`` ones of one entity.

    Returns the text unchanged (``changed=False``) when the annotations already say so.
    """
    to_set = dict(set)
    to_remove = list(dict.fromkeys(remove))
    _check_annotation_edit(to_set, to_remove)
    parsed = Parsed.of(text)
    info, document = select(parsed, entity_ref)
    metadata_node = _child_mapping(document.root, "metadata")
    metadata_data = document.data["metadata"]
    current = metadata_data.get("annotations")
    if current is not None and not isinstance(current, dict):
        shape = "a list" if isinstance(current, list) else "a single value"
        raise unsupported(f"metadata.annotations is {shape}, not a mapping")
    current = dict(current or {})
    target = {k: v for k, v in current.items() if k not in to_remove}
    target.update(to_set)
    if _same(target, current):
        return EditResult(text, False, "", str(info.ref))

    editor = TextEditor(parsed.body)
    lay = Layout(editor)
    geometry = Geometry(*indentation(lay, parsed.documents, document))
    pair = metadata_node.get("annotations")
    new_items = [(k, v) for k, v in to_set.items() if k not in current]
    if pair is None:
        if metadata_node.has_merge_key():
            raise unsupported("metadata takes keys from a merge key ('<<') and has no annotations")
        add_key(lay, metadata_node, ["annotations"], new_items, MAPPING, _pair_text, geometry)
    else:
        key, node = pair
        if node.kind == "alias" or node.kind == "sequence":
            raise unsupported("metadata.annotations is an alias or a list, not a mapping")
        if node.kind == "scalar" or not node.pairs:
            if node.kind == "scalar" and not lay.is_null(node):
                raise unsupported("metadata.annotations is a string, not a mapping")
            fill_empty(lay, metadata_node, key, node, new_items, MAPPING, _pair_text, geometry)
        else:
            if node.has_merge_key():
                raise unsupported("metadata.annotations takes keys from a merge key ('<<')")
            edit_existing(
                lay,
                key,
                node,
                _annotation_plan(node, current, to_set, to_remove),
                MAPPING,
                _pair_text,
            )

    def expect(data: dict[str, Any]) -> None:
        data["metadata"]["annotations"] = target

    return _finish(parsed, editor, document, info, expect, path, text)


def _check_annotation_edit(to_set: Mapping[str, Any], to_remove: Sequence[Any]) -> None:
    for key in [*to_set, *to_remove]:
        if not isinstance(key, str) or not key.strip():
            raise InvalidEditError(f"annotation keys must be non-empty strings, got {key!r}")
    for key, value in to_set.items():
        if not isinstance(value, str):
            raise InvalidEditError(
                f"the value of annotation {key!r} must be a string; quote it in the input"
            )
    both = sorted(k for k in to_remove if k in to_set)
    if both:
        raise InvalidEditError(
            f"annotation(s) {', '.join(both)} are both set and removed; choose one"
        )


def _annotation_plan(
    node: Node, current: Mapping[str, Any], to_set: Mapping[str, str], to_remove: Sequence[str]
) -> CollectionChanges:
    plan = CollectionChanges(keep=[])
    for index, (key, value) in enumerate(node.pairs):
        name = key.value if key.kind == "scalar" else None
        plan.keep.append(name is None or name not in to_remove or not key.is_str_key(name))
        if name is not None and key.is_str_key(name) and name in to_set:
            new = to_set[name]
            if not (isinstance(current.get(name), str) and current[name] == new):
                quotes = value.style if value.style in ("'", '"') else None
                plan.updates[index] = render_scalar(new, keep_style=quotes)
    plan.additions = [(k, v) for k, v in to_set.items() if k not in current]
    return plan


def _pair_text(item: object) -> str:
    assert isinstance(item, tuple)
    key, value = item
    return f"{render_scalar(key)}: {render_scalar(value)}"


# -- dependsOn ---------------------------------------------------------------------------------


def set_depends_on(
    text: str,
    entity_ref: EntityRefInput,
    depends_on: Sequence[str],
    *,
    path: str = "catalog-info.yaml",
) -> EditResult:
    """Make ``spec.dependsOn`` of one entity hold exactly the refs ``depends_on`` names.

    Refs are compared as Backstage does (case-insensitively, the kind defaulting to
    ``component`` and the namespace to the entity's own), so a kept entry keeps its spelling.
    """
    parsed = Parsed.of(text)
    info, document = select(parsed, entity_ref)
    wanted = _unique_refs(depends_on, info.namespace)
    current = _current_depends_on(document)
    keep, seen = [], set()
    for item in current:
        ref = _ref_or_none(item, info.namespace)
        keep.append(ref is not None and ref in wanted and ref not in seen)
        if ref is not None:
            seen.add(ref)
    additions = [spelling for ref, spelling in wanted.items() if ref not in seen]
    return _write_depends_on(parsed, info, document, current, keep, additions, path, text)


def change_depends_on(
    text: str,
    entity_ref: EntityRefInput,
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    path: str = "catalog-info.yaml",
) -> EditResult:
    """Remove the ``spec.dependsOn`` entries written exactly as in ``remove`` and append the
    refs of ``add`` that the list does not already name; every other entry stays as it is.

    For a planned change (the dependency sync): entries that are not refs at all (a typo, an
    empty name, a number) are never touched, so the file ends as the plan said, and an
    addition already present (the file changed since it was read) is not written twice.
    """
    parsed = Parsed.of(text)
    info, document = select(parsed, entity_ref)
    wanted = _unique_refs(add, info.namespace)
    current = _current_depends_on(document)
    dropped = set(remove)
    keep = [not (isinstance(item, str) and item in dropped) for item in current]
    present = {
        ref
        for item, kept in zip(current, keep, strict=True)
        if kept and (ref := _ref_or_none(item, info.namespace)) is not None
    }
    additions = [spelling for ref, spelling in wanted.items() if ref not in present]
    return _write_depends_on(parsed, info, document, current, keep, additions, path, text)


def _current_depends_on(document: Document) -> list[Any]:
    spec_data = document.data.get("spec")
    if spec_data is not None and not isinstance(spec_data, dict):
        raise unsupported("spec is not a mapping")
    current = (spec_data or {}).get("dependsOn")
    if current is not None and not isinstance(current, list):
        raise unsupported("spec.dependsOn is not a list")
    return list(current or [])


def _write_depends_on(
    parsed: Parsed,
    info: EntityInfo,
    document: Document,
    current: list[Any],
    keep: list[bool],
    additions: list[str],
    path: str,
    text: str,
) -> EditResult:
    """``current`` with the entries not kept dropped and ``additions`` appended."""
    target = [item for item, kept in zip(current, keep, strict=True) if kept] + additions
    if target == current:
        return EditResult(text, False, "", str(info.ref))
    spec_data = document.data.get("spec")
    editor = TextEditor(parsed.body)
    lay = Layout(editor)
    geometry = Geometry(*indentation(lay, parsed.documents, document))
    root = _mapping_node(document.root, "the document")
    spec_pair = root.get("spec")
    if spec_pair is None:
        if spec_data is not None or root.has_merge_key():
            raise unsupported("spec comes from a merge key ('<<')")
        add_key(lay, root, ["spec", "dependsOn"], additions, LIST, _item_text, geometry)
    else:
        spec = _mapping_node(spec_pair[1], "spec")
        _edit_depends_on(
            lay, spec, current, CollectionChanges(keep, additions=list(additions)), geometry
        )

    def expect(data: dict[str, Any]) -> None:
        data.setdefault("spec", {})
        if data["spec"] is None:
            data["spec"] = {}
        data["spec"]["dependsOn"] = target

    return _finish(parsed, editor, document, info, expect, path, text)


def _edit_depends_on(
    lay: Layout, spec: Node, current: list[Any], plan: CollectionChanges, geometry: Geometry
) -> None:
    pair = spec.get("dependsOn")
    if pair is None:
        if spec.has_merge_key():
            raise unsupported("spec takes keys from a merge key ('<<')")
        add_key(lay, spec, ["dependsOn"], plan.additions, LIST, _item_text, geometry)
        return
    key, node = pair
    if node.kind in ("alias", "mapping"):
        raise unsupported("spec.dependsOn is an alias or a mapping, not a list")
    if node.kind == "scalar" or not node.items:
        if node.kind == "scalar" and not lay.is_null(node):
            raise unsupported("spec.dependsOn is a string, not a list")
        fill_empty(lay, spec, key, node, plan.additions, LIST, _item_text, geometry)
        return
    edit_existing(lay, key, node, plan, LIST, _item_text)


def _unique_refs(depends_on: Sequence[str], namespace: str) -> dict[EntityRef, str]:
    if isinstance(depends_on, str):
        raise InvalidEditError("dependsOn must be a list of entity refs, not one string")
    wanted: dict[EntityRef, str] = {}
    for spelling in depends_on:
        ref = parse_entity_ref(spelling, default_namespace=namespace)
        wanted.setdefault(ref, spelling.strip())
    return wanted


def _ref_or_none(item: Any, namespace: str) -> EntityRef | None:
    try:
        return parse_entity_ref(item, default_namespace=namespace)
    except InvalidEntityRefError:
        return None


def _item_text(item: object) -> str:
    return render_scalar(str(item))


# -- shared ------------------------------------------------------------------------------------


def _mapping_node(node: Node | None, what: str) -> Node:
    if node is None or node.kind != "mapping":
        kind = "an alias" if node is not None and node.kind == "alias" else "not a mapping"
        raise unsupported(f"{what} is {kind}")
    return node


def _child_mapping(root: Node | None, key: str) -> Node:
    pair = _mapping_node(root, "the document").get(key)
    if pair is None:
        raise unsupported(f"{key} comes from a merge key ('<<')")
    return _mapping_node(pair[1], key)


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Equal as data, with values of equal text but another type (``1`` vs ``'1'``) differing."""
    return a.keys() == b.keys() and all(type(a[k]) is type(b[k]) and a[k] == b[k] for k in a)


def _finish(
    parsed: Parsed,
    editor: TextEditor,
    document: Document,
    info: EntityInfo,
    expect: Any,
    path: str,
    original: str,
) -> EditResult:
    body = editor.apply()
    if body == parsed.body:
        return EditResult(original, False, "", str(info.ref))
    _verify(parsed, body, document, expect)
    new_text = parsed.bom + body
    return EditResult(new_text, True, unified_diff(original, new_text, path), str(info.ref))


def _verify(parsed: Parsed, body: str, document: Document, expect: Any) -> None:
    """Parse the result; it must hold the intended data and nothing else changed."""
    fix = "Edit this part of the file by hand; the file was not changed"
    try:
        actual = load_data(body)  # data only: the positions of the result are not needed
    except CatalogYamlError:
        raise UnsupportedStructureError(
            "the edited file would not be valid YAML (an anchor in the edited block may be "
            "used elsewhere)",
            fix,
        ) from None
    expected = [copy.deepcopy(d.data) for d in parsed.documents]
    expect(expected[document.index])
    if actual != expected:
        raise UnsupportedStructureError(
            "the edit would change more than the intended field (an anchor or alias "
            "shares the edited value)",
            fix,
        )
