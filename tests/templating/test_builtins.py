"""The built-ins the runner executes: fetch:template rendering and every path refusal."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from pagerduty_actions.template_engine import TemplateRenderer
from pagerduty_actions.templating.builtins import (
    BuiltinContext,
    BuiltinError,
    catalog_write,
    debug_log,
    fetch_plain,
    fetch_template,
    fs_delete,
    fs_rename,
)


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    template, workspace = tmp_path / "template", tmp_path / "workspace"
    template.mkdir()
    workspace.mkdir()
    return template, workspace


@pytest.fixture
def ctx(folders: tuple[Path, Path], renderer: TemplateRenderer) -> BuiltinContext:
    lines: list[str] = []
    context = BuiltinContext(folders[1], folders[0], renderer, lines.append)
    context.lines = lines  # type: ignore[attr-defined]
    return context


def skeleton(ctx: BuiltinContext, files: dict[str, str | bytes], folder: str = "skeleton") -> None:
    assert ctx.template_dir is not None
    for name, content in files.items():
        path = ctx.template_dir / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_fetch_template_renders_contents_names_and_blocks(ctx: BuiltinContext) -> None:
    skeleton(
        ctx,
        {
            "${{ values.name }}/README.md": "# ${{ values.name | upper }}\n",
            "catalog.yaml": "owner: ${{ values.owner }}\n{%- if values.tags %}\ntags: "
            "${{ values.tags | join(', ') }}\n{%- endif %}\n",
            "${{ '' if values.docs else 'skipped' }}docs.md": "docs\n",
        },
    )
    values: dict[str, Any] = {"name": "api", "owner": "team-a", "tags": ["x", "y"], "docs": True}
    fetch_template(ctx, {"url": "./skeleton", "values": values})
    assert files(ctx.workspace) == {
        "api/README.md": "# API\n",
        "catalog.yaml": "owner: team-a\ntags: x, y\n",
        "docs.md": "docs\n",
    }


def test_a_file_whose_name_renders_empty_is_not_written(ctx: BuiltinContext) -> None:
    skeleton(ctx, {"${{ values.optional }}": "x", "kept.txt": "y"})
    fetch_template(ctx, {"url": "./skeleton", "values": {}})
    assert files(ctx.workspace) == {"kept.txt": "y"}


def test_copy_without_templating_and_target_path(ctx: BuiltinContext) -> None:
    skeleton(
        ctx,
        {
            ".github/workflows/ci.yaml": "run: ${{ github.sha }}\n",
            "raw/${{ values.name }}.txt": "${{ values.name }}",
            "app.txt": "${{ values.name }}",
        },
    )
    params = {
        "url": "./skeleton",
        "targetPath": "./service",
        "values": {"name": "api"},
        "copyWithoutTemplating": [".github/workflows/*", "raw"],
    }
    fetch_template(ctx, params)
    assert files(ctx.workspace) == {
        "service/.github/workflows/ci.yaml": "run: ${{ github.sha }}\n",
        "service/app.txt": "api",
        "service/raw/api.txt": "${{ values.name }}",
    }


def test_template_file_extension_renders_only_those_files(ctx: BuiltinContext) -> None:
    skeleton(ctx, {"a.txt.njk": "${{ values.x }}", "b.txt": "${{ values.x }}"})
    fetch_template(ctx, {"url": "./skeleton", "values": {"x": 1}, "templateFileExtension": True})
    assert files(ctx.workspace) == {"a.txt": "1", "b.txt": "${{ values.x }}"}


def test_binary_files_are_copied_and_executable_bits_kept(ctx: BuiltinContext) -> None:
    skeleton(ctx, {"logo.png": b"\x89PNG\x00${{ x }}", "run.sh": "echo ${{ values.x }}\n"})
    assert ctx.template_dir is not None
    os.chmod(ctx.template_dir / "skeleton" / "run.sh", 0o700)
    fetch_template(ctx, {"url": "./skeleton", "values": {"x": "hi"}})
    assert (ctx.workspace / "logo.png").read_bytes() == b"\x89PNG\x00${{ x }}"
    assert (ctx.workspace / "run.sh").read_text() == "echo hi\n"
    assert os.access(ctx.workspace / "run.sh", os.X_OK)


def test_existing_files_are_kept_unless_replace(ctx: BuiltinContext) -> None:
    skeleton(ctx, {"a.txt": "new"})
    (ctx.workspace / "a.txt").write_text("old")
    fetch_template(ctx, {"url": "./skeleton"})
    assert (ctx.workspace / "a.txt").read_text() == "old"
    fetch_template(ctx, {"url": "./skeleton", "replace": True})
    assert (ctx.workspace / "a.txt").read_text() == "new"


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("../", "leads outside its folder"),
        ("./skeleton/../../etc", "leads outside its folder"),
        ("/etc", "is absolute"),
        ("https://github.com/acme/templates", "only Backstage can fetch it"),
        ("./missing", "does not exist"),
    ],
)
def test_skeleton_urls_outside_the_template_are_refused(
    ctx: BuiltinContext, url: str, needle: str
) -> None:
    skeleton(ctx, {"a.txt": "x"})
    with pytest.raises(BuiltinError, match=needle):
        fetch_template(ctx, {"url": url})
    assert files(ctx.workspace) == {}


def test_a_symlink_out_of_the_template_folder_is_refused(
    ctx: BuiltinContext, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not copy")
    skeleton(ctx, {"a.txt": "x"})
    assert ctx.template_dir is not None
    (ctx.template_dir / "skeleton" / "leak.txt").symlink_to(secret)
    with pytest.raises(BuiltinError, match="symlink that leads outside"):
        fetch_template(ctx, {"url": "./skeleton"})
    with pytest.raises(BuiltinError, match="symlink that leads outside"):
        fetch_plain(ctx, {"url": "./skeleton"})
    assert "do not copy" not in files(ctx.workspace).values()


def test_a_symlinked_skeleton_folder_out_of_the_template_is_refused(
    ctx: BuiltinContext, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert ctx.template_dir is not None
    (ctx.template_dir / "skeleton").symlink_to(outside, target_is_directory=True)
    with pytest.raises(BuiltinError, match="leads outside its folder"):
        fetch_template(ctx, {"url": "./skeleton"})


@pytest.mark.parametrize("target", ["../out", "/tmp/out"])
def test_target_paths_outside_the_workspace_are_refused(ctx: BuiltinContext, target: str) -> None:
    skeleton(ctx, {"a.txt": "x"})
    with pytest.raises(BuiltinError, match="stays in the workspace"):
        fetch_template(ctx, {"url": "./skeleton", "targetPath": target})


def test_a_file_name_rendering_outside_the_workspace_is_refused(ctx: BuiltinContext) -> None:
    skeleton(ctx, {"${{ values.name }}.txt": "x"})
    with pytest.raises(BuiltinError, match="stays in the workspace"):
        fetch_template(ctx, {"url": "./skeleton", "values": {"name": "../../escaped"}})


def test_fetch_plain_copies_without_rendering(ctx: BuiltinContext) -> None:
    skeleton(ctx, {"${{ x }}.txt": "${{ values.x }}"})
    fetch_plain(ctx, {"url": "./skeleton", "targetPath": "plain"})
    assert files(ctx.workspace) == {"plain/${{ x }}.txt": "${{ values.x }}"}


def test_catalog_write(ctx: BuiltinContext) -> None:
    entity = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "a"}}
    catalog_write(ctx, {"entity": entity})
    text = (ctx.workspace / "catalog-info.yaml").read_text()
    assert text.startswith("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n")
    catalog_write(ctx, {"entity": entity, "filePath": "sub/entity.yaml"})
    assert (ctx.workspace / "sub" / "entity.yaml").is_file()


def test_fs_rename_and_delete(ctx: BuiltinContext) -> None:
    (ctx.workspace / "a.txt").write_text("a")
    (ctx.workspace / "b.txt").write_text("b")
    (ctx.workspace / "keep.md").write_text("k")
    fs_rename(ctx, {"files": [{"from": "a.txt", "to": "moved/a.txt"}]})
    with pytest.raises(BuiltinError, match="exists; set overwrite"):
        fs_rename(ctx, {"files": [{"from": "b.txt", "to": "moved/a.txt"}]})
    fs_rename(ctx, {"files": [{"from": "b.txt", "to": "moved/a.txt", "overwrite": True}]})
    assert files(ctx.workspace) == {"keep.md": "k", "moved/a.txt": "b"}
    fs_delete(ctx, {"files": ["moved/*.txt"]})
    assert files(ctx.workspace) == {"keep.md": "k"}


@pytest.mark.parametrize(
    "call",
    [
        lambda c: fs_rename(c, {"files": [{"from": "keep.md", "to": "../x"}]}),
        lambda c: fs_rename(c, {"files": [{"from": "/etc/passwd", "to": "x"}]}),
        lambda c: fs_delete(c, {"files": ["../*"]}),
        lambda c: catalog_write(c, {"entity": {}, "filePath": "../x.yaml"}),
    ],
)
def test_file_actions_stay_in_the_workspace(ctx: BuiltinContext, call: Any) -> None:
    (ctx.workspace / "keep.md").write_text("k")
    with pytest.raises(BuiltinError, match="stays in the workspace"):
        call(ctx)
    assert files(ctx.workspace) == {"keep.md": "k"}


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda c: catalog_write(c, {"entity": {}, "filePath": "."}), "filePath '.' is the work"),
        (lambda c: catalog_write(c, {"entity": {}, "filePath": "a/.."}), "'a/..' is the workspace"),
        (lambda c: fs_rename(c, {"files": [{"from": ".", "to": "x"}]}), "from '.' is the work"),
        (lambda c: fs_rename(c, {"files": [{"from": "./", "to": "x"}]}), "from './' is the work"),
        (
            lambda c: fs_rename(c, {"files": [{"from": "keep.md", "to": ".", "overwrite": True}]}),
            "to '.' is the workspace folder itself",
        ),
        (lambda c: fs_rename(c, {"files": [{"from": "d", "to": "d/e"}]}), "moved into itself"),
        (lambda c: catalog_write(c, {"entity": {}, "filePath": "keep.md/x"}), "cannot write 'x'"),
        (lambda c: catalog_write(c, {"entity": {}, "filePath": "d"}), "cannot write 'd'"),
    ],
)
def test_paths_that_name_the_workspace_or_clash_are_refused(
    ctx: BuiltinContext, call: Any, needle: str
) -> None:
    """They used to end in IsADirectoryError and friends: a 500 instead of a failed step."""
    (ctx.workspace / "keep.md").write_text("k")
    (ctx.workspace / "d").mkdir()
    with pytest.raises(BuiltinError, match=re.escape(needle)):
        call(ctx)
    assert files(ctx.workspace) == {"keep.md": "k"}
    assert (ctx.workspace / "d").is_dir()


def test_renaming_a_folder_to_itself_changes_nothing(ctx: BuiltinContext) -> None:
    """With overwrite, the destination (the folder itself) used to be deleted first."""
    (ctx.workspace / "d").mkdir()
    (ctx.workspace / "d" / "keep.md").write_text("k")
    fs_rename(ctx, {"files": [{"from": "d", "to": "./d/", "overwrite": True}]})
    assert files(ctx.workspace) == {"d/keep.md": "k"}


def test_debug_log_lists_the_workspace(ctx: BuiltinContext) -> None:
    (ctx.workspace / "a.txt").write_text("hello")
    debug_log(ctx, {"message": "hi", "listWorkspace": "with-contents"})
    assert ctx.lines == ["hi", "a.txt:\nhello"]  # type: ignore[attr-defined]
