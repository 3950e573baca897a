"""A lint finding and the report that collects them, shared by every lint check.

Each finding names its kind (``code``), where it is (YAML path, 1-based line and column: the
bad key itself, or the expression inside a value) and what to do; the CLI prints them one a
line, ``--json`` and ``POST /v2/lint`` return ``as_dict``. Messages quote the author's own
text (paths, expressions), never a rendered value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    path: str = "$"
    line: int | None = None
    column: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
        }

    def text(self, source: str) -> str:
        """``file:line:column: severity [code] path: message``, the form editors jump to."""
        where = source
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.severity} [{self.code}] {self.path}: {self.message}"


@dataclass
class LintReport:
    source: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def exit_code(self) -> int:
        """1 with errors, 0 otherwise (warnings and notes do not fail a build)."""
        return 0 if self.ok else 1

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def sorted(self) -> list[Finding]:
        return sorted(
            self.findings, key=lambda f: (f.line or 0, f.column or 0, f.path, f.code, f.message)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.as_dict() for f in self.sorted()],
        }
