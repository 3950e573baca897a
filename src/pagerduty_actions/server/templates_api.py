"""``POST /v2/dry-run`` and ``POST /v2/lint``: check and dry-run a whole template over HTTP.

The request and response of ``/v2/dry-run`` are Backstage's own dry-run shapes, so the
template editor (or a CI job) can send what it would send to Backstage and get back the
rendered files, the log and the output; our actions plan against PagerDuty (or the sandbox)
through the registry with the caller's permissions. Files sent as ``directoryContents``
become the template's folder (skeletons), in a temporary folder that is removed afterwards
(under ``<dataDir>/work/``, where a start sweeps what a killed process left: see work_area).
"""

from __future__ import annotations

import base64
import binascii
import shutil
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, g, jsonify

from ..errors import InputError
from ..templating.lint import lint_document
from ..templating.preflight import action_schemas
from ..templating.run_report import RunReport
from ..templating.runner import TemplateRunner
from ..templating.safe_paths import UnsafeTemplatePathError, safe_child
from ..templating.template import (
    TemplateDocument,
    TemplateLoadError,
    parse_template,
)
from .actions import read_json_object
from .state import app_state

bp = Blueprint("templates", __name__)
MAX_FILES = 500
MAX_TOTAL_BYTES = 5_000_000


@bp.post("/v2/dry-run")
def dry_run() -> Response:
    body = read_json_object()
    state = app_state()
    folder = Path(tempfile.mkdtemp(prefix="dry-run-", dir=state.services.work_dir()))
    try:
        template_dir, workspace = folder / "template", folder / "workspace"
        template_dir.mkdir()
        _write_directory(template_dir, body.get("directoryContents"))
        document = _document(body.get("template"), template_dir)
        values = body.get("values", {})
        secrets = body.get("secrets") or {}
        if not isinstance(values, dict) or not isinstance(secrets, dict):
            raise InputError("values and secrets must be objects")
        runner = TemplateRunner(state.registry, state.services, caller=g.caller)
        report = runner.run(document, values, workspace=workspace, dry_run=True, secrets=secrets)
        return jsonify(_dry_run_body(report))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@bp.post("/v2/lint")
def lint() -> Response:
    body = read_json_object()
    folder = Path(tempfile.mkdtemp(prefix="lint-", dir=app_state().services.work_dir()))
    try:
        has_files = body.get("directoryContents") is not None
        _write_directory(folder, body.get("directoryContents"))
        document = _document(body.get("template"), folder if has_files else None)
        report = lint_document(document, action_schemas(app_state().registry))
        return jsonify(report.as_dict())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _document(template: Any, base_dir: Path | None) -> TemplateDocument:
    """The template as Backstage sends it (an object), or its YAML text (lines kept)."""
    if isinstance(template, str):
        try:
            return parse_template(template, source="template", base_dir=base_dir)
        except TemplateLoadError as exc:
            where = f" (line {exc.line})" if exc.line else ""
            raise InputError(f"template: {exc.message}{where}") from None
    if isinstance(template, dict):
        return TemplateDocument(data=template, source="template", base_dir=base_dir)
    raise InputError("template must be the template entity (an object) or its YAML text")


def _write_directory(root: Path, contents: Any) -> None:
    if contents is None:
        return
    if not isinstance(contents, list) or len(contents) > MAX_FILES:
        raise InputError(f"directoryContents must be a list of at most {MAX_FILES} files")
    total = 0
    for index, entry in enumerate(contents):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise InputError(f"directoryContents[{index}] needs a path and base64Content")
        try:
            data = base64.b64decode(str(entry.get("base64Content", "")), validate=True)
            target = safe_child(root, entry["path"], what="directoryContents path")
        except (binascii.Error, ValueError) as exc:
            message = (
                str(exc) if isinstance(exc, UnsafeTemplatePathError) else "is not valid base64"
            )
            raise InputError(f"directoryContents[{index}]: {message}") from None
        if target == root.resolve() or entry["path"].endswith(("/", "\\")):
            raise _entry_error(
                index,
                f"the path {entry['path']!r} names a folder; each entry is one file, "
                "e.g. skeleton/catalog-info.yaml",
            )
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise InputError(f"directoryContents is limited to {MAX_TOTAL_BYTES} bytes")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError:  # "a" and "a/b", in either order: a file where a folder must be
            raise _entry_error(
                index,
                f"{entry['path']!r} clashes with another entry (a file and a folder of the "
                "same name); give each file its own path",
            ) from None
        if entry.get("executable"):
            target.chmod(0o700)


def _entry_error(index: int, problem: str) -> InputError:
    return InputError(
        f"directoryContents[{index}]: {problem}",
        details=[{"path": f"$.directoryContents[{index}].path", "message": problem}],
    )


def _dry_run_body(report: RunReport) -> dict[str, Any]:
    root = report.workspace
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
    body: dict[str, Any] = {
        "directoryContents": [
            {
                "path": path.relative_to(root).as_posix(),
                "base64Content": base64.b64encode(path.read_bytes()).decode("ascii"),
                "executable": bool(path.stat().st_mode & 0o111),
            }
            for path in files
        ],
        "log": [{"body": entry} for entry in report.log],
        "output": report.output,
        "steps": [step.as_dict() for step in report.steps],
        "sandbox": report.sandbox,
    }
    if report.error is not None:
        body["error"] = {"stepId": report.failed_step, "message": report.error}
    return body
