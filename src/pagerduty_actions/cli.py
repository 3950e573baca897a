"""The ``pagerduty-actions`` command: serve, inspect and run actions, check a config.

``actions run`` goes through the same registry as HTTP, so its validation, errors and
idempotency are the ones a template gets.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

import click
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from . import __version__
from .bootstrap import build_services, ensure_local_token
from .cli_template import template_group
from .config import Config, load_config
from .errors import ActionError, ConfigError, StartupError
from .logging_setup import configure_logging
from .registry import Caller, Registry, RegistryError

_CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="PAGERDUTY_ACTIONS_CONFIG",
    help="YAML config file (env PAGERDUTY_ACTIONS_CONFIG). Without it: embedded defaults.",
)


def _load(config_path: str | None) -> Config:
    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _registry() -> Registry:
    try:
        return Registry.load()
    except RegistryError as exc:
        raise click.ClickException(f"cannot load the actions: {exc}") from None


@click.group()
@click.version_option(__version__, prog_name="pagerduty-actions")
def main() -> None:
    """PagerDuty actions for Backstage software templates."""


@main.command()
@_CONFIG_OPTION
@click.option("--host", help="Address to bind (default from config, else 127.0.0.1).")
@click.option("--port", type=int, help="Port (default from config, else 7077; 0 picks one).")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Folder for the SQLite file.")
@click.option("--log-format", type=click.Choice(["text", "json"]), help="Log line format.")
def serve(
    config_path: str | None,
    host: str | None,
    port: int | None,
    data_dir: str | None,
    log_format: str | None,
) -> None:
    """Run the HTTP server (waitress, a production WSGI server)."""
    from waitress.server import create_server

    from .server import create_app
    from .store.retention import start_retention
    from .sync.runs import STOP_GRACE_SECONDS, active_runs, close_abandoned
    from .sync.schedule import start_schedule

    config = _load(config_path)
    server_section = config.section("server")
    if host:
        server_section["host"] = host
    if port is not None:
        server_section["port"] = port
    overrides: dict[str, Any] = {"server": server_section}
    if data_dir:
        overrides["dataDir"] = data_dir
    config = config.with_overrides(**overrides)
    configure_logging(log_format or config.log_format)
    config, local_token = ensure_local_token(config)
    try:
        app = create_app(config)
    except (StartupError, RegistryError) as exc:
        raise click.ClickException(str(exc)) from None
    # waitress stops reading a request whose line and headers, or body, pass the limits (431,
    # 413) instead of buffering it: up to 1 GiB of body and 256 KiB of headers by default.
    server = create_server(
        app,
        host=config.host,
        port=config.port,
        threads=config.threads,
        max_request_header_size=config.max_header_bytes,
        max_request_body_size=config.max_body_bytes + 1,  # waitress refuses >= the value
    )
    services = app.extensions["pagerduty_actions"].services
    close_abandoned(services, restarted=True)  # runs a killed predecessor left running
    try:
        scheduler = start_schedule(services)
    except StartupError as exc:
        services.close()
        raise click.ClickException(str(exc)) from None
    start_retention(services)  # deletes old rows hourly; services.close() stops it
    url = f"http://{config.host}:{server.effective_port}"
    click.echo(f"pagerduty-actions {__version__} listening on {url} (config: {config.source})")
    if local_token:
        click.echo(
            f"  no auth.tokens configured: using the local token in {config.data_dir}/local-token"
        )
        click.echo(f"  token: {local_token}")
        click.echo(f'  try:   curl -H "Authorization: Bearer {local_token}" {url}/v2/actions')
    sys.stdout.flush()

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
    """Run one action in-process, with the same validation and errors as HTTP."""
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
    try:
        config = load_config(path)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"{config.source}: OK")


@main.command(context_settings={"ignore_unknown_options": False})
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=int, default=0, show_default=True, help="Port; 0 picks a free one.")
@click.option("--token", "tokens", multiple=True, help="Accepted API token (repeatable).")
@click.option("--seed", type=click.Path(exists=True, dir_okay=False), help="Seed data (YAML).")
@click.option("--persist", type=click.Path(dir_okay=False), help="Keep state in this JSON file.")
def sandbox(
    host: str, port: int, tokens: tuple[str, ...], seed: str | None, persist: str | None
) -> None:
    """Serve a simulated PagerDuty API for trying templates without touching production.

    Prints the REST base URL, then the Events API base URL, one per line, and serves until
    stopped. Point pagerDuty.apiBaseUrl / eventsBaseUrl at them (token: sandbox-token).
    """
    from .sandbox import run_sandbox

    run_sandbox(host, port, list(tokens), seed, persist)


main.add_command(template_group)

from .cli_sync import sync_command  # noqa: E402

main.add_command(sync_command)
