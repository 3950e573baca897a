"""One name per concept (#20.7): no two modules of the package define a class of the same name,
so a name read anywhere (a traceback, a log line, an import) says which thing it is."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "pagerduty_actions"


def classes_by_name(package: Path) -> dict[str, set[str]]:
    """Every class name defined in ``package`` (nested ones too) -> the modules defining it."""
    found: dict[str, set[str]] = defaultdict(set)
    for module in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                found[node.name].add(module.relative_to(package).as_posix())
    return found


def duplicated(package: Path) -> dict[str, set[str]]:
    return {name: where for name, where in classes_by_name(package).items() if len(where) > 1}


def test_each_class_name_is_defined_in_one_module() -> None:
    twice = {name: sorted(where) for name, where in duplicated(PACKAGE).items()}
    assert twice == {}, "rename one of each (a different concept) or fold them (the same)"


def test_the_check_sees_a_second_class_of_a_name(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "sync").mkdir()
    (tmp_path / "store" / "models.py").write_text("class SyncRun:\n    pass\n")
    (tmp_path / "sync" / "runs.py").write_text("def f():\n    class SyncRun:\n        pass\n")
    (tmp_path / "one.py").write_text("class Alone:\n    pass\n")
    assert duplicated(tmp_path) == {"SyncRun": {"store/models.py", "sync/runs.py"}}
