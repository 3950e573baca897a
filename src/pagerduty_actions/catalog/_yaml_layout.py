"""Where things are in a YAML text: the exact span and lines of each collection entry.

Parser positions are almost what an edit needs, with three traps this module hides: an empty
value (``key:``) has no span of its own, a block collection's end lies at the *next* token
(after trailing comments and blank lines), and a scalar's span includes its anchor or tag.
:class:`Layout` answers "which lines does this entry own?" so an edit removes or adds exactly
those lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text_edit import TextEditor
from ._yaml_tree import Document, Node
from .errors import UnsupportedStructureError

_PROPERTIES = re.compile(r"^((?:[&!]\S*\s+)*)")
_NULLS = ("", "~", "null", "Null", "NULL")


def unsupported(problem: str) -> UnsupportedStructureError:
    return UnsupportedStructureError(
        problem, "Edit this part of the file by hand, or simplify it to plain block YAML"
    )


@dataclass(frozen=True)
class Entry:
    """One entry of a collection: a mapping pair (``key`` set) or a sequence item.

    ``start`` is the key (or the ``-`` of a block item, the item of a flow one), ``end`` the
    index just after its last character, comments and trailing blank lines excluded.
    """

    start: int
    end: int
    value: Node
    key: Node | None = None


class Layout:
    """Geometry of one YAML text, over a :class:`TextEditor` of the same text."""

    def __init__(self, editor: TextEditor) -> None:
        self.ed = editor
        self.text = editor.text

    def end_of(self, node: Node) -> int:
        """Just after the node's last character (not for empty scalars: see :meth:`entries`)."""
        if node.kind == "alias" or node.flow:
            return node.end
        if node.kind == "scalar":
            if node.style in ("|", ">") and "+" in self._block_header(node):
                return node.end  # keep-chomping: trailing blank lines belong to the value
            end = node.end
            while end > node.start and self.text[end - 1] in " \t\r\n":
                end -= 1
            return end
        entries = self.entries(node)
        if not entries:  # pragma: no cover - block collections always have an entry
            return node.end
        return entries[-1].end

    def _block_header(self, node: Node) -> str:
        line = self.ed.line_of(node.start)
        return self.text[node.start : self.ed.content_end(line)].split("#", 1)[0]

    def colon_after(self, key: Node) -> int:
        """Index of the ``:`` that follows a key."""
        index = self.end_of(key)
        while index < len(self.text) and self.text[index] in " \t":
            index += 1
        if index >= len(self.text) or self.text[index] != ":":
            raise unsupported("a key is not followed by ':' on its own line (complex key)")
        return index

    def entries(self, node: Node) -> list[Entry]:
        """The entries of a mapping or sequence, in file order, with their spans."""
        if node.kind == "mapping":
            out = []
            for key, value in node.pairs:
                if key.kind not in ("scalar", "alias") or key.is_empty_scalar:
                    raise unsupported("a mapping has a complex or empty key")
                end = self.colon_after(key) + 1 if value.is_empty_scalar else self.end_of(value)
                out.append(Entry(key.start, end, value, key))
            return out
        if node.kind != "sequence":
            raise unsupported("expected a mapping or a list")
        if node.flow:
            return [Entry(item.start, self.end_of(item), item) for item in node.items]
        out = []
        cursor = node.start
        for item in node.items:
            dash = self._next_dash(cursor)
            end = dash + 1 if item.is_empty_scalar else self.end_of(item)
            out.append(Entry(dash, end, item))
            cursor = end
        return out

    def _next_dash(self, index: int) -> int:
        while index < len(self.text):
            ch = self.text[index]
            if ch == "-":
                return index
            if ch in "&!":  # the list's own anchor or tag
                while index < len(self.text) and self.text[index] not in " \t\r\n":
                    index += 1
            elif ch == "#":
                index = self.ed.content_end(self.ed.line_of(index))
            elif ch in " \t\r\n":
                index += 1
            else:
                break
        raise unsupported("a list item does not start with '-'")  # pragma: no cover

    def lines_of(self, entry: Entry) -> tuple[int, int]:
        """First and last line a block entry owns; it must sit on lines of its own."""
        last = self.ed.line_of(max(entry.end - 1, entry.start))
        rest = self.text[entry.end : self.ed.content_end(last)].lstrip(" \t")
        if not self.ed.blank_before(entry.start) or not (rest == "" or rest.startswith("#")):
            raise unsupported("a block entry shares its line with other content")
        return self.ed.line_of(entry.start), last

    def value_span(self, value: Node) -> tuple[int, int, str]:
        """``(start, end, kept prefix)`` of a scalar or alias value: the text a new value replaces.

        The prefix keeps an anchor (``&name``) so aliases elsewhere still resolve; a tag is
        dropped since the new value is always a string.
        """
        end = self.end_of(value)
        if value.kind == "alias":
            return value.start, end, ""
        match = _PROPERTIES.match(self.text[value.start : end])
        properties = match.group(1) if match else ""
        anchors = [p for p in properties.split() if p.startswith("&")]
        return value.start, end, "".join(a + " " for a in anchors)

    def is_null(self, node: Node) -> bool:
        return node.kind == "scalar" and node.style is None and node.value in _NULLS

    def key_column(self, node: Node) -> int:
        return self.ed.column(node.start)


def indentation(layout: Layout, documents: list[Document], first: Document) -> tuple[int, int]:
    """The file's ``(mapping step, list offset)``: how far nested keys and ``-`` are indented.

    Read from the first nested block mapping and block list found (the edited document first),
    so new lines look like their neighbours. Defaults: 2 and 2 (indented lists).
    """
    step: int | None = None
    offset: int | None = None
    ordered = [first, *(d for d in documents if d is not first)]
    stack = [d.root for d in ordered if d.root is not None]
    while stack and (step is None or offset is None):
        node = stack.pop(0)
        if node.kind == "mapping" and not node.flow:
            for key, value in node.pairs:
                if value.flow or value.kind not in ("mapping", "sequence"):
                    continue
                if value.kind == "mapping" and value.pairs and step is None:
                    delta = layout.key_column(value.pairs[0][0]) - layout.key_column(key)
                    step = delta if delta > 0 else None
                if value.kind == "sequence" and value.items and offset is None:
                    dash = layout.entries(value)[0].start
                    offset = layout.ed.column(dash) - layout.key_column(key)
        stack.extend(v for _, v in node.pairs)
        stack.extend(node.items)
    step = step or 2
    return step, step if offset is None or offset < 0 else offset
