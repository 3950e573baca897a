"""``pagerduty-actions template``: lint, dry-run and run Backstage templates from a shell or CI.

A template author's loop without a Backstage: ``template lint`` finds what can be known
before running (exit 1 on errors), ``template run --dry-run`` renders every step and the
skeleton files and shows our actions' plans, ``template run`` executes our actions for real —
against the built-in PagerDuty sandbox when the config has no PagerDuty credentials — and says
what it made where: sandbox objects, and real commits and pull requests (git is never
simulated). ``${BARE_GIT_REMOTE}`` in the values is a local repository made for trying
(see templating/example_remote).

``lint`` reads the actions' input schemas from their manifests and imports no handler, store
or server; ``run`` imports the registry and the services when it runs.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from .action_manifests import RegistryError
from .errors import ActionError, ConfigError, StartupError
from .logging_setup import configure_logging
from .templating import example_remote
from .templating.known_actions import ALLOW_REAL_GIT_FLAG, DEFAULT_PROXY_NAME
from .templating.lint_cli import run_lint

if TYPE_CHECKING:
    from .config import Config
    from .registry import Registry
    from .services import Services
    from .templating.run_report import RunReport, StepResult
    from .templating.runner import TemplateRunner
    from .templating.template import TemplateDocument

_PROXY_OPTION = click.option(
    "--proxy-name",
    default=DEFAULT_PROXY_NAME,
    show_default=True,
    help="The Backstage proxy entry that points at this service (/proxy/<name>/...).",
)
#: Written into an ``--output`` folder, so a later run may empty and reuse it.
OUTPUT_MARKER = ".pagerduty-actions-template-run"


def load_registry() -> Registry:
    """The action registry (a function so tests can hand the CLI another one)."""
    from .registry import Registry

    try:
        return Registry.load()
    except RegistryError as exc:
        raise click.ClickException(f"cannot load the actions: {exc}") from None


@click.group("template")
def template_group() -> None:
    """Lint, dry-run and run Backstage software templates (scaffolder v1beta3)."""


@template_group.command("lint")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@_PROXY_OPTION
def lint_command(file: str, as_json: bool, proxy_name: str) -> None:
    """Check FILE without running it; exit 1 on errors, 0 with only warnings."""
    try:
        code = run_lint(file, click.echo, as_json=as_json, proxy_name=proxy_name)
    except RegistryError as exc:
        raise click.ClickException(f"cannot load the actions: {exc}") from None
    sys.exit(code)


@template_group.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--values", "values_path", required=True, help="Parameter values (YAML or JSON).")
@click.option("--secrets", "secrets_path", help="Secrets for ${{ secrets.X }} (YAML or JSON).")
@click.option("--dry-run", is_flag=True, help="Plan our actions; skip what only Backstage runs.")
@click.option(
    "--output",
    "output_dir",
    type=click.Path(file_okay=False),
    help="Workspace folder to keep: new, empty, or one an earlier run wrote (emptied first).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON.")
@click.option(
    "--task-id",
    help="Name this run: a re-run with the same id replays our actions' results (idempotency).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="PAGERDUTY_ACTIONS_CONFIG",
    help="Config file; without PagerDuty credentials actions run against the sandbox.",
)
@click.option(
    ALLOW_REAL_GIT_FLAG,
    "allow_real_git",
    is_flag=True,
    help="Against the sandbox, still push sandbox service ids to hosted git repositories "
    "(GitHub, GitLab); local repositories never need it.",
)
@_PROXY_OPTION
def run_command(
    file: str,
    values_path: str,
    secrets_path: str | None,
    dry_run: bool,
    output_dir: str | None,
    as_json: bool,
    task_id: str | None,
    config_path: str | None,
    allow_real_git: bool,
    proxy_name: str,
) -> None:
    """Run FILE's steps in order with a progress line (and the log lines) per step.

    ${BARE_GIT_REMOTE} in the values becomes a local bare repository kept under
    <dataDir>/example-remotes/, made from the template's test-remote/ folder.
    """
    from .templating.preflight import action_schemas, preflight
    from .templating.runner import TemplateRunner
    from .templating.template import TemplateLoadError, load_template

    configure_logging("text", "WARNING")
    try:
        document = load_template(file)
    except TemplateLoadError as exc:
        raise click.ClickException(f"{file}: {exc.message}") from None
    values = _read_mapping(values_path, "--values")
    secrets = _read_mapping(secrets_path, "--secrets") if secrets_path else {}
    config = _config(config_path)
    if allow_real_git:  # a sync step honours it too (sync/real_git reads the config)
        config = config.with_overrides(sync={**config.section("sync"), "allowRealGit": True})
    if example_remote.uses_placeholder(values):
        values, config = _with_example_remote(document, values, config, err=as_json)
    registry = load_registry()
    try:
        preflight(document, values, action_schemas(registry), proxy_name=proxy_name)
    except ActionError as exc:
        click.echo(json.dumps(exc.body(), indent=2))
        sys.exit(1)
    output = _output_folder(output_dir) if output_dir is not None else None
    services = _services(config)
    try:
        # Without --output: a folder under <dataDir>/work/, swept at the next start if this
        # process is killed before removing it.
        workspace = output or Path(
            tempfile.mkdtemp(prefix="template-run-", dir=services.work_dir())
        )
        report = _run(
            TemplateRunner(
                registry, services, proxy_name=proxy_name, allow_real_git=allow_real_git
            ),
            document, values,
            workspace=workspace, dry_run=dry_run, secrets=secrets, task_id=task_id,
            progress=_progress_printer(as_json),
        )  # fmt: skip
        _print_report(report, as_json, temporary=output is None)
    finally:
        if output is None:
            shutil.rmtree(workspace, ignore_errors=True)
        services.close()
    sys.exit(0 if report.ok else 1)


def _config(config_path: str | None) -> Config:
    from .config import load_config

    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _services(config: Config) -> Services:
    from .bootstrap import build_services

    try:
        return build_services(config)
    except (ConfigError, StartupError) as exc:
        raise click.ClickException(str(exc)) from None


def _with_example_remote(
    document: TemplateDocument, values: dict[str, Any], config: Config, *, err: bool
) -> tuple[dict[str, Any], Config]:
    """Put the template's example repository where the values say ${BARE_GIT_REMOTE}, and
    allow its folder for this run (``integrations.local``)."""
    root = example_remote.remote_root(config.data_dir)
    try:
        remote = example_remote.ensure_remote(document.base_dir, document.name, root)
    except example_remote.ExampleRemoteError as exc:
        raise click.ClickException(f"{example_remote.PLACEHOLDER}: {exc}") from None
    click.echo(
        f"{example_remote.PLACEHOLDER} is {remote} (a local bare repository for trying; "
        f"see what a run pushed with: git -C {remote} log --all --oneline)",
        err=err,
    )
    integrations = config.section("integrations")
    local = [*integrations.get("local", []), {"root": str(root)}]
    config = config.with_overrides(integrations={**integrations, "local": local})
    return example_remote.substitute(values, remote.as_uri()), config


def _run(
    runner: TemplateRunner,
    document: TemplateDocument,
    values: dict[str, Any],
    *,
    workspace: Path,
    dry_run: bool,
    secrets: dict[str, Any],
    task_id: str | None,
    progress: Any,
) -> RunReport:
    try:
        return runner.run(
            document, values, workspace=workspace, dry_run=dry_run, secrets=secrets,
            task_id=task_id, on_progress=progress,
        )  # fmt: skip
    except ActionError as exc:
        click.echo(json.dumps(exc.body(), indent=2))
        sys.exit(1)


def _progress_printer(as_json: bool) -> Any:
    def echo(step: StepResult) -> None:
        click.echo(step.progress_line(), err=as_json)
        for line in step.detail_lines():
            click.echo(line, err=as_json)

    return echo


def _print_report(report: RunReport, as_json: bool, temporary: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    for line in report.summary_lines():
        click.echo(line)
    if report.error:
        click.echo(f"FAILED: {report.error}")
        return
    mode = "dry run" if report.dry_run else "run"
    click.echo(f"{report.template}: {mode} completed")
    if report.output:
        click.echo("output:")
        click.echo(json.dumps(report.output, indent=2))
    files = sorted(
        p for p in report.workspace.rglob("*") if p.is_file() and p.name != OUTPUT_MARKER
    )
    where = "(temporary, removed; use --output DIR to keep it)" if temporary else ""
    click.echo(f"workspace {report.workspace} {where}".rstrip())
    for path in files:
        click.echo(f"  {path.relative_to(report.workspace).as_posix()}")


def _output_folder(output_dir: str) -> Path:
    """A new or empty folder, or one an earlier ``template run`` wrote (emptied): never a
    folder holding anything else, which a run could overwrite."""
    path = Path(output_dir)
    if path.exists() and any(path.iterdir()):
        if not (path / OUTPUT_MARKER).is_file():
            raise click.BadParameter(
                f"{output_dir} is not empty and no earlier template run wrote it; give a new "
                "or empty folder",
                param_hint="--output",
            )
        for child in path.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    path.mkdir(parents=True, exist_ok=True)
    (path / OUTPUT_MARKER).write_text(
        "Written by `pagerduty-actions template run --output`: a later run empties this folder.\n",
        encoding="utf-8",
    )
    return path


def _read_mapping(path: str, option: str) -> dict[str, Any]:
    try:
        data = YAML(typ="safe", pure=True).load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.BadParameter(f"cannot read {path}: {exc.strerror}", param_hint=option) from None
    except YAMLError as exc:
        message = f"{path} is not valid YAML/JSON: {exc}"
        raise click.BadParameter(message, param_hint=option) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise click.BadParameter(f"{path} must hold a mapping", param_hint=option)
    return data
