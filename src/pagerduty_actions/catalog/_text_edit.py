"""Character-exact edits of a text: line arithmetic and non-overlapping splices.

The YAML edit decides *what* to change from node positions; this module makes sure nothing else
moves. Every edit is a splice of the original text, applied at once, so positions never shift
while edits are planned. New lines use the file's own line ending, and a file that ends without
a final newline still ends without one.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from .errors import UnsupportedStructureError


@dataclass(frozen=True)
class _Splice:
    start: int
    end: int
    new: str
    order: int


class TextEditor:
    """Plans splices of ``text``; :meth:`apply` returns the edited text."""

    def __init__(self, text: str) -> None:
        self.text = text
        first_break = text.find("\n")
        self.newline = "\r\n" if first_break > 0 and text[first_break - 1] == "\r" else "\n"
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self._splices: list[_Splice] = []

    # -- line arithmetic (0-based lines) ------------------------------------------------------
    def line_of(self, index: int) -> int:
        return bisect.bisect_right(self._line_starts, index) - 1

    def line_start(self, line: int) -> int:
        return self._line_starts[line]

    def line_end(self, line: int) -> int:
        """Index just after the line's terminator (or the end of the text)."""
        if line + 1 < len(self._line_starts):
            return self._line_starts[line + 1]
        return len(self.text)

    def has_terminator(self, line: int) -> bool:
        return line + 1 < len(self._line_starts)

    def content_end(self, line: int) -> int:
        """Index of the line's terminator (``\\r\\n`` or ``\\n``), or the end of the text."""
        end = self.line_end(line)
        if self.has_terminator(line):
            end -= 1
            if end > self.line_start(line) and self.text[end - 1] == "\r":
                end -= 1
        return end

    def column(self, index: int) -> int:
        return index - self.line_start(self.line_of(index))

    def blank_before(self, index: int) -> bool:
        """True when only spaces precede ``index`` on its line."""
        return self.text[self.line_start(self.line_of(index)) : index].strip(" ") == ""

    # -- planning -------------------------------------------------------------------------------
    def replace(self, start: int, end: int, new: str) -> None:
        self._splices.append(_Splice(start, end, new, len(self._splices)))

    def insert(self, index: int, new: str) -> None:
        self.replace(index, index, new)

    def delete_lines(self, first: int, last: int) -> None:
        """Remove whole lines ``first..last``; keeps a missing final newline missing."""
        start, end = self.line_start(first), self.line_end(last)
        if not self.has_terminator(last) and first > 0:
            start = self.content_end(first - 1)
        self.replace(start, end, "")

    def insert_lines_after(self, line: int, lines: list[str]) -> None:
        """Add ``lines`` (without terminators) after ``line``, in the file's line ending."""
        if not lines:
            return
        if self.has_terminator(line):
            self.insert(self.line_end(line), "".join(x + self.newline for x in lines))
        else:
            self.insert(len(self.text), "".join(self.newline + x for x in lines))

    @property
    def changed(self) -> bool:
        return any(s.new != self.text[s.start : s.end] for s in self._splices)

    def apply(self) -> str:
        """The text with every planned splice; overlapping plans are a bug and raise."""
        ordered = sorted(self._splices, key=lambda s: (s.start, s.end > s.start, s.order))
        out: list[str] = []
        position = 0
        for splice in ordered:
            if splice.start < position:
                raise UnsupportedStructureError(
                    "two edits of the file would overlap",
                    "Please report this file's shape; edit it by hand meanwhile",
                )
            out.append(self.text[position : splice.start])
            out.append(splice.new)
            position = splice.end
        out.append(self.text[position:])
        return "".join(out)
