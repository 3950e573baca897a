"""The Backstage built-in actions the runner executes itself, on a local workspace folder.

A template's own files are most of what a dry run should show: ``fetch:template`` renders
the skeleton (file contents and names, with ``values``, through our engine in Nunjucks mode:
`${{ }}` and `{% %}` as Backstage does), ``catalog:write`` writes the entity, ``fs:*``
move and delete. Each works only inside its folders (``safe_paths``): the skeleton inside
the template's folder, every output inside the workspace. Their outputs are Backstage's
(these actions have none worth naming), so templates behave the same in both places.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from io import StringIO
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from pagerduty_actions.template_engine.engine import TemplateRenderer
from pagerduty_actions.template_engine.errors import TemplateError
from pagerduty_actions.templating.safe_paths import UnsafeTemplatePathError, is_inside, safe_child

MAX_FILES = 2_000
MAX_FILE_BYTES = 1_000_000


class BuiltinError(Exception):
    """A built-in step cannot do what its input asks; the message says what to change."""


@dataclass
class BuiltinContext:
    """What a built-in may touch: the workspace, the template's folder, a log."""

    workspace: Path
    template_dir: Path | None
    renderer: TemplateRenderer
    log: Callable[[str], None]
    dry_run: bool = False


Builtin = Callable[[BuiltinContext, dict[str, Any]], dict[str, Any]]


def debug_log(ctx: BuiltinContext, params: dict[str, Any]) -> dict[str, Any]:
    message = params.get("message")
    if message is not None:
        ctx.log(str(message))
    listing = params.get("listWorkspace")
    if listing:
        for file in _workspace_files(ctx.workspace):
            line = file.relative_to(ctx.workspace).as_posix()
            if listing == "with-contents":
                line += f":\n{file.read_text(encoding='utf-8', errors='replace')}"
            ctx.log(line)
    return {}


def fetch_template(ctx: BuiltinContext, params: dict[str, Any]) -> dict[str, Any]:
    for key in ("cookiecutterCompatibility", "trimBlocks", "lstripBlocks", "token"):
        if params.get(key):
            raise BuiltinError(f"fetch:template input '{key}' is not supported here")
    skeleton = _skeleton(ctx, params["url"])
    if not skeleton.is_dir():
        raise BuiltinError(f"fetch:template: the skeleton {params['url']!r} is not a folder")
    target = _target(ctx, params)
    values = params.get("values") or {}
    context = {"values": values}
    verbatim = [
        _glob(p)
        for p in [*params.get("copyWithoutTemplating", []), *params.get("copyWithoutRender", [])]
    ]
    extension = params.get("templateFileExtension")
    if extension is True:
        extension = ".njk"
    written = 0
    for source in _skeleton_files(skeleton, ctx.template_dir or skeleton):
        relative = source.relative_to(skeleton).as_posix()
        raw = any(pattern.match(part) for part in _prefixes(relative) for pattern in verbatim)
        render_contents = not raw
        if isinstance(extension, str) and extension:
            render_contents = render_contents and relative.endswith(extension)
            if relative.endswith(extension):
                relative = relative[: -len(extension)]
        name = _render(ctx, relative, context, f"the file name {relative!r}")
        if not name or name.endswith("/"):
            continue
        destination = _child(target, name, "rendered file name")
        if destination.exists() and not params.get("replace"):
            ctx.log(f"fetch:template: {name} exists; kept it (set replace: true to overwrite)")
            continue
        data = source.read_bytes()
        if render_contents and _is_text(data):
            text = _render(ctx, data.decode("utf-8"), context, f"the file {relative!r}")
            data = text.encode("utf-8")
        _write(destination, data, executable=bool(source.stat().st_mode & 0o111))
        written += 1
    ctx.log(f"fetch:template: wrote {written} file(s) from {params['url']}")
    return {}


def fetch_plain(ctx: BuiltinContext, params: dict[str, Any]) -> dict[str, Any]:
    skeleton = _skeleton(ctx, params["url"])
    target = _target(ctx, params)
    if skeleton.is_file():
        _write(target / skeleton.name, skeleton.read_bytes(), executable=False)
        return {}
    for source in _skeleton_files(skeleton, ctx.template_dir or skeleton):
        destination = _child(target, source.relative_to(skeleton).as_posix(), "file")
        _write(destination, source.read_bytes(), executable=bool(source.stat().st_mode & 0o111))
    return {}


def catalog_write(ctx: BuiltinContext, params: dict[str, Any]) -> dict[str, Any]:
    file_path = params.get("filePath") or "catalog-info.yaml"
    destination = _workspace_entry(ctx, file_path, "catalog:write: filePath")
    stream = StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(params["entity"], stream)
    _write(destination, stream.getvalue().encode("utf-8"), executable=False)
    ctx.log(f"catalog:write: wrote {file_path}")
    return {}


def fs_rename(ctx: BuiltinContext, params: dict[str, Any]) -> dict[str, Any]:
    for item in params["files"]:
        source = _workspace_entry(ctx, item["from"], "fs:rename: from")
        destination = _workspace_entry(ctx, item["to"], "fs:rename: to")
        if not source.exists():
            raise BuiltinError(f"fs:rename: {item['from']!r} does not exist in the workspace")
        if destination == source:
            continue
        if destination.exists() and not item.get("overwrite"):
            raise BuiltinError(f"fs:rename: {item['to']!r} exists; set overwrite: true")
        if source in destination.parents:
            raise BuiltinError(
                f"fs:rename: {item['to']!r} is inside {item['from']!r}; "
                "a folder cannot be moved into itself"
            )
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            if destination.is_dir() and item.get("overwrite"):
                shutil.rmtree(destination)
            source.replace(destination)
        except OSError as exc:
            raise BuiltinError(
                f"fs:rename: cannot move {item['from']!r} to {item['to']!r}: "
                f"{exc.strerror or type(exc).__name__}"
            ) from None
    return {}


def fs_delete(ctx: BuiltinContext, params: dict[str, Any]) -> dict[str, Any]:
    patterns = [_glob(pattern) for pattern in params["files"]]
    for pattern_text in params["files"]:
        _workspace_path(ctx, pattern_text.split("*", 1)[0] or ".")
    root = ctx.workspace.resolve()
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        relative = path.relative_to(root).as_posix()
        if any(p.match(relative) for p in patterns) and is_inside(root, path.parent):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
    return {}


BUILTINS: Mapping[str, Builtin] = {
    "debug:log": debug_log,
    "fetch:template": fetch_template,
    "fetch:plain": fetch_plain,
    "catalog:write": catalog_write,
    "fs:rename": fs_rename,
    "fs:delete": fs_delete,
}


# -- helpers ----------------------------------------------------------------------------


def _skeleton(ctx: BuiltinContext, url: str) -> Path:
    if "://" in url:
        raise BuiltinError(
            f"the skeleton {url!r} is remote; only Backstage can fetch it. Use a folder next "
            "to the template (url: ./skeleton)"
        )
    if ctx.template_dir is None:
        raise BuiltinError("this template has no folder on disk, so it has no skeletons")
    try:
        path = safe_child(ctx.template_dir, url, what="skeleton path")
    except UnsafeTemplatePathError as exc:
        raise BuiltinError(f"{exc}; skeletons must be inside the template's folder") from None
    if not path.exists():
        raise BuiltinError(f"the skeleton {url!r} does not exist next to the template")
    return path


def _target(ctx: BuiltinContext, params: Mapping[str, Any]) -> Path:
    target = _workspace_path(ctx, params.get("targetPath") or "./")
    target.mkdir(parents=True, exist_ok=True)
    return target


def _workspace_path(ctx: BuiltinContext, relative: str) -> Path:
    return _child(ctx.workspace, relative, "workspace path")


def _workspace_entry(ctx: BuiltinContext, relative: str, what: str) -> Path:
    """A path that must name a file or folder in the workspace, not the workspace itself."""
    path = _workspace_path(ctx, relative)
    if path == ctx.workspace.resolve():
        raise BuiltinError(
            f"{what} {relative!r} is the workspace folder itself; give the path of a file "
            "or folder inside it, e.g. catalog-info.yaml"
        )
    return path


def _child(root: Path, relative: str, what: str) -> Path:
    try:
        return safe_child(root, relative, what=what)
    except UnsafeTemplatePathError as exc:
        raise BuiltinError(f"{exc}; every file a step writes stays in the workspace") from None


def _skeleton_files(skeleton: Path, template_dir: Path) -> list[Path]:
    files: list[Path] = []
    for path in sorted(skeleton.rglob("*")):
        if path.is_symlink() and not is_inside(template_dir, path):
            raise BuiltinError(
                f"the skeleton file {path.relative_to(skeleton).as_posix()!r} is a symlink "
                "that leads outside the template's folder; refused"
            )
        if path.is_file():
            if path.stat().st_size > MAX_FILE_BYTES:
                raise BuiltinError(f"skeleton files are limited to {MAX_FILE_BYTES} bytes")
            files.append(path)
        if len(files) > MAX_FILES:
            raise BuiltinError(f"skeletons are limited to {MAX_FILES} files")
    return files


def _workspace_files(workspace: Path) -> list[Path]:
    return [p for p in sorted(workspace.rglob("*")) if p.is_file()]


def _render(ctx: BuiltinContext, text: str, context: dict[str, Any], what: str) -> str:
    try:
        return ctx.renderer.render_text(text, context)
    except TemplateError as exc:
        raise BuiltinError(f"fetch:template: {what} does not render: {exc}") from None


def _write(destination: Path, data: bytes, *, executable: bool) -> None:
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
        if executable:
            destination.chmod(destination.stat().st_mode | 0o111)
    except OSError as exc:  # a folder where the file goes, a file where a folder must be
        raise BuiltinError(
            f"cannot write {destination.name!r}: {exc.strerror or type(exc).__name__} "
            "(a file and a folder of the same name?); give each file its own path"
        ) from None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _prefixes(relative: str) -> list[str]:
    """``a/b/c`` -> ``a``, ``a/b``, ``a/b/c``: a pattern naming a folder covers its files."""
    parts = relative.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A glob (``*``, ``**``, ``?``) as a regex over ``/``-separated relative paths."""
    text = pattern.removeprefix("./").rstrip("/")
    out = ""
    index = 0
    while index < len(text):
        if text.startswith("**/", index):
            out += "(?:.*/)?"
            index += 3
        elif text.startswith("**", index):
            out += ".*"
            index += 2
        elif text[index] == "*":
            out += "[^/]*"
            index += 1
        elif text[index] == "?":
            out += "[^/]"
            index += 1
        else:
            out += re.escape(text[index])
            index += 1
    return re.compile(f"^{out}\\Z")
