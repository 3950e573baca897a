"""The ``pagerduty-actions`` command: serve, inspect and run actions, check a config.

``actions run`` goes through the same registry as HTTP, so its validation, errors and
idempotency are the ones a template gets.

Each command imports what it uses when it runs (the registry, the store, the server): the
module itself stays light, so ``template lint``, run on every save, does not pay for
SQLAlchemy, Alembic, Flask and httpx (tests/templating/test_cli_imports.py checks it).
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from . import __version__
from .action_manifests import RegistryError
from .cli_template import template_group
from .errors import ActionError, ConfigError, StartupError
from .logging_setup import configure_logging

if TYPE_CHECKING:
    from .config import Config
    from .registry import Registry

_CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="PAGERDUTY_ACTIONS_CONFIG",
    help="YAML config file (env PAGERDUTY_ACTIONS_CONFIG). Without it: embedded defaults.",
)


def _load(config_path: str | None) -> Config:
    from .config import load_config

    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _registry() -> Registry:
    from .registry import Registry

    try:
        return Registry.load()
    except RegistryError as exc:
        raise click.ClickException(f"cannot load the actions: {exc}") from None


class _CommandGroup(click.Group):
    """The top-level group; ``sync`` (which imports the whole sync engine, the store and
    httpx as it is defined) is imported only when asked for, by name or for ``--help``."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), "sync"})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "sync":
            from .cli_sync import sync_command

            return sync_command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_CommandGroup)
@click.version_option(__version__, prog_name="pagerduty-actions")
def main() -> None:
    """PagerDuty actions for Backstage software templates."""


@main.command()
@_CONFIG_OPTION
@click.option("--host", help="Address to bind (default from config, else 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port, overriding server.port (default from config, else 7077; 0 picks a free one). "
    "`make serve PORT=7078` passes it.",
)
@click.option(
    "--data-dir",
    type=click.Path(),
    help="Folder for the SQLite file, the local token and work folders (overrides dataDir).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    help="Log line format (overrides logging.format). json: one JSON object per line on "
    "stderr, the start-up lines included; the local token is then not printed.",
)
def serve(
    config_path: str | None,
    host: str | None,
    port: int | None,
    data_dir: str | None,
    log_format: str | None,
) -> None:
    """Run the HTTP server (waitress, a production WSGI server).

    A start-up problem (port in use, bad config, database unreachable, data dir not writable)
    is one line on stderr, exit code 2.
    """
    from waitress.server import create_server

    from .bootstrap import ensure_local_token, start_retention
    from .cli_startup import (
        LateApp,
        StartupFailure,
        announce,
        bind_problem,
        config_problem,
        require_writable_folder,
    )
    from .config import load_config
    from .server import create_app
    from .sync.runs import STOP_GRACE_SECONDS, active_runs, close_abandoned
    from .sync.schedule import start_schedule

    json_logs = log_format == "json"
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise StartupFailure(config_problem(exc), json_logs=json_logs) from None
    server_section = config.section("server")
    if host:
        server_section["host"] = host
    if port is not None:
        server_section["port"] = port
    overrides: dict[str, Any] = {"server": server_section}
    if data_dir:
        overrides["dataDir"] = data_dir
    config = config.with_overrides(**overrides)
    json_logs = (log_format or config.log_format) == "json"
    configure_logging(log_format or config.log_format, config.log_level)
    require_writable_folder(
        config.data_dir,
        "dataDir",
        "set dataDir (or serve --data-dir) to a folder this user can write to",
        json_logs=json_logs,
    )
    try:
        config, local_token = ensure_local_token(config)
    except OSError as exc:
        raise StartupFailure(
            f"cannot keep the local token in {config.data_dir / 'local-token'}: "
            f"{exc.strerror or exc}; remove what is there, or set auth.tokens",
            json_logs=json_logs,
        ) from None
    # The port is bound before the database is migrated or the sandbox started, so a busy
    # port is the one line of the failure, and nothing was set up for nothing.
    application = LateApp()
    try:
        server = create_server(
            application,
            host=config.host,
            port=config.port,
            threads=config.threads,
            # waitress stops reading a request whose line and headers, or body, pass the
            # limits (431, 413) instead of buffering it (1 GiB of body, 256 KiB of headers).
            max_request_header_size=config.max_header_bytes,
            max_request_body_size=config.max_body_bytes + 1,  # waitress refuses >= the value
        )
    except (OSError, ValueError) as exc:
        raise StartupFailure(
            bind_problem(
                exc,
                config.host,
                config.port,
                port_fix="set server.port or run `make serve PORT={port}`",
                host_fix="set server.host (or serve --host)",
            ),
            json_logs=json_logs,
        ) from None
    try:
        app = create_app(config)
    except (StartupError, RegistryError) as exc:
        server.close()
        raise StartupFailure(str(exc), json_logs=json_logs) from None
    application.app = app
    services = app.extensions["pagerduty_actions"].services
    close_abandoned(services, restarted=True)  # runs a killed predecessor left running
    try:
        scheduler = start_schedule(services)
    except StartupError as exc:
        services.close()
        server.close()
        raise StartupFailure(str(exc), json_logs=json_logs) from None
    start_retention(services)  # deletes old rows hourly; services.close() stops it
    announce(config, f"http://{config.host}:{server.effective_port}", local_token, json_logs)

    def on_sigterm(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # leaves server.run(): stop as on Ctrl-C

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        if scheduler is not None:
            scheduler.stop()
        # A sync in progress stops before its next write and stores its report.
        active_runs(services).stop(
            "the server was told to stop, so the run stopped writing", wait=STOP_GRACE_SECONDS
        )
        services.close()


@main.group()
def actions() -> None:
    """List, export and run actions."""


@actions.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print Backstage's list shape as JSON.")
def list_actions(as_json: bool) -> None:
    """Show every action with its description."""
    registry = _registry()
    if as_json:
        click.echo(json.dumps([s.describe() for s in registry.specs()], indent=2))
        return
    for spec in registry.specs():
        dry = " (dry run)" if spec.supports_dry_run else ""
        click.echo(f"{spec.id}{dry}\n    {spec.description.splitlines()[0]}")


@actions.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File (default stdout).")
def export_actions(output: str | None) -> None:
    """Write the action manifest (ids, descriptions, schemas, examples) as JSON."""
    registry = _registry()
    text = json.dumps(
        {"version": __version__, "actions": [s.describe() for s in registry.specs()]}, indent=2
    )
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


def _read_input(path: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8") if path != "-" else sys.stdin.read()
        return YAML(typ="safe", pure=True).load(text)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot read {path}: {exc.strerror}", param_hint="--input"
        ) from None
    except YAMLError as exc:
        raise click.BadParameter(
            f"{path} is not valid YAML/JSON: {exc}", param_hint="--input"
        ) from None


@actions.command("run")
@click.argument("action_id")
@click.option(
    "--input", "input_path", required=True, help="Input file, YAML or JSON ('-' = stdin)."
)
@click.option("--dry-run", is_flag=True, help="Plan only; change nothing.")
@click.option("--idempotency-key", help="Same key and input replay the first run's result.")
@_CONFIG_OPTION
def run_action(
    action_id: str,
    input_path: str,
    dry_run: bool,
    idempotency_key: str | None,
    config_path: str | None,
) -> None:
    """Run the action ACTION_ID (e.g. pagerduty:service:create) in-process, with the same
    validation and errors as HTTP."""
    from .bootstrap import build_services
    from .registry import Caller

    config = _load(config_path)
    configure_logging("text", "WARNING")
    payload = _read_input(input_path)
    try:
        services = build_services(config)
    except StartupError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        registry = _registry()
        result = registry.run(
            action_id,
            payload,
            services=services,
            dry_run=dry_run,
            caller=Caller("cli"),
            idempotency_key=idempotency_key,
        )
    except ActionError as exc:
        click.echo(json.dumps(exc.body(), indent=2))
        sys.exit(1)
    finally:
        services.close()
    click.echo(json.dumps(result.body(), indent=2))


@main.group("config")
def config_group() -> None:
    """Check configuration files."""


@config_group.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
def config_check(path: str) -> None:
    """Validate PATH (with ${ENV} substitution) and print the verdict."""
    from .config import load_config

    try:
        config = load_config(path)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"{config.source}: OK")


@main.command(context_settings={"ignore_unknown_options": False})
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port; 0 picks a free one.",
)
@click.option("--token", "tokens", multiple=True, help="Accepted API token (repeatable).")
@click.option("--seed", type=click.Path(exists=True, dir_okay=False), help="Seed data (YAML).")
@click.option("--persist", type=click.Path(dir_okay=False), help="Keep state in this JSON file.")
def sandbox(
    host: str, port: int, tokens: tuple[str, ...], seed: str | None, persist: str | None
) -> None:
    """Serve a simulated PagerDuty API for trying templates without touching production.

    Prints the REST base URL, then the Events API base URL, one per line, and serves until
    stopped. Point pagerDuty.apiBaseUrl / eventsBaseUrl at them (token: sandbox-token).
    A start-up problem (port in use, bad seed or state file) is one line on stderr, exit
    code 2.
    """
    from .cli_startup import StartupFailure, bind_problem, require_writable_folder
    from .sandbox.server import SandboxBindError, SandboxStartError, run_sandbox

    if persist:
        # Checked now: the state is written when the sandbox stops, too late to say.
        require_writable_folder(
            Path(persist).absolute().parent,
            "the folder of --persist",
            "give --persist a path in a folder you can write to",
        )
    try:
        run_sandbox(host, port, list(tokens), seed, persist)
    except SandboxBindError as exc:
        raise StartupFailure(
            bind_problem(
                exc.os_error,
                host,
                port,
                port_fix="run `pagerduty-actions sandbox --port {port}` (0 picks a free one)",
                host_fix="set --host",
            )
        ) from None
    except SandboxStartError as exc:
        raise StartupFailure(str(exc)) from None


main.add_command(template_group)
