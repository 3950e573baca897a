"""``${BARE_GIT_REMOTE}``: the local repository ``template run`` makes for trying a template."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from pagerduty_actions.templating import example_remote


def files_on_main(bare: Path) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(bare), "ls-tree", "-r", "--name-only", "main"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


def test_the_remote_is_seeded_from_test_remote_once_and_kept(tmp_path: Path) -> None:
    template_dir = tmp_path / "template"
    (template_dir / "test-remote" / "docs").mkdir(parents=True)
    (template_dir / "test-remote" / "catalog-info.yaml").write_text("kind: Component\n")
    (template_dir / "test-remote" / "docs" / "index.md").write_text("# docs\n")
    root = tmp_path / "data" / "example-remotes"
    remote = example_remote.ensure_remote(template_dir, "my template!", root)
    assert remote == root / "my-template-.git"
    assert files_on_main(remote) == ["catalog-info.yaml", "docs/index.md"]
    (template_dir / "test-remote" / "catalog-info.yaml").write_text("changed\n")
    assert example_remote.ensure_remote(template_dir, "my template!", root) == remote
    assert files_on_main(remote) == ["catalog-info.yaml", "docs/index.md"]
    assert [p.name for p in root.iterdir()] == [remote.name]  # no scratch folder left


def test_without_a_seed_folder_the_remote_holds_a_readme(tmp_path: Path) -> None:
    remote = example_remote.ensure_remote(None, "bare", tmp_path)
    assert files_on_main(remote) == ["README.md"]


def test_runs_at_once_end_with_one_complete_repository(tmp_path: Path) -> None:
    results: list[Path] = []
    errors: list[BaseException] = []

    def make() -> None:
        try:
            results.append(example_remote.ensure_remote(None, "shared", tmp_path))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and len(results) == 6 and len(set(results)) == 1
    assert files_on_main(results[0]) == ["README.md"]
    assert [p.name for p in tmp_path.iterdir()] == ["shared.git"]


def test_the_placeholder_is_found_and_replaced_at_any_depth() -> None:
    values = {"a": ["x", {"repoUrl": "${BARE_GIT_REMOTE}"}], "b": 3}
    assert example_remote.uses_placeholder(values)
    assert not example_remote.uses_placeholder({"a": ["x"], "b": "${OTHER}"})
    assert example_remote.substitute(values, "file:///r.git") == {
        "a": ["x", {"repoUrl": "file:///r.git"}],
        "b": 3,
    }
