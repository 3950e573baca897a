"""A pattern that must match a whole value ends with ``\\Z``, never ``$``.

``$`` also matches just before a final newline, so ``re.match(r"^[a-z]+$", "main\\n")`` accepts
``"main\\n"``: a branch name, host, entity ref or key with a trailing newline would pass
validation and reach git, the catalog or PagerDuty. Hypothesis found one such case (a YAML
scalar written unquoted); this test keeps the rest from coming back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pagerduty_actions.scm.errors import InvalidBranchError
from pagerduty_actions.scm.git_ops import validate_branch_name

SRC = Path(__file__).resolve().parents[2] / "src" / "pagerduty_actions"
# Patterns read line by line (re.MULTILINE over command output), where ``$`` is an end of line.
MULTILINE_OK = {("scm/git_ops.py", "search")}


def _dollar_anchored(call: ast.Call) -> bool:
    arg = call.args[0] if call.args else None
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value.endswith("$") and not arg.value.endswith("\\$")
    if isinstance(arg, ast.JoinedStr) and arg.values:
        last = arg.values[-1]
        return isinstance(last, ast.Constant) and str(last.value).endswith("$")
    return False


def test_no_whole_value_pattern_ends_with_dollar() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            kind = node.func.attr
            if kind not in {"compile", "match", "fullmatch", "search"}:
                continue
            if _dollar_anchored(node) and (relative, kind) not in MULTILINE_OK:
                offenders.append(f"{relative}:{node.lineno}")
    assert not offenders, f"end these patterns with \\Z, not $: {offenders}"


@pytest.mark.parametrize("branch", ["main\n", "pagerduty/checkout\n"])
def test_a_branch_name_with_a_trailing_newline_is_refused(branch: str) -> None:
    with pytest.raises(InvalidBranchError):
        validate_branch_name(branch)
