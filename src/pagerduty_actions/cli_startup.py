"""How ``serve`` and ``sandbox`` fail to start: one line on stderr naming the cause and the fix,
exit code 2, never a traceback.

A new user's first contact with the project is ``make serve``; a busy port used to end in a
35-line traceback from inside waitress. Every start-up problem we can foresee (the port, the
address, the config, the database, the data dir, a seed or state file) is turned into a
``StartupFailure`` here or where it is detected, and printed as one line: plain text, or one
JSON object when the logs are JSON, so a log pipeline parses every line from the first one on.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .config import Config
from .errors import ConfigError
from .logging_setup import configure_logging
from .redaction import QUOTE_LIMIT, clip, redact

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_LOG = logging.getLogger("pagerduty_actions.startup")
EXIT_STARTUP = 2


class StartupFailure(click.ClickException):
    """A start-up problem: shown as one line, exit code 2 (click prints it and exits)."""

    exit_code = EXIT_STARTUP

    def __init__(self, message: str, *, json_logs: bool = False) -> None:
        super().__init__(one_line(message))
        self.json_logs = json_logs

    def show(self, file: Any = None) -> None:
        if self.json_logs:
            configure_logging("json")
            _LOG.critical("cannot start: %s", self.message)
        else:
            click.echo(f"Error: {redact(self.message)}", err=True)


def one_line(text: str) -> str:
    """``text`` on one line: a driver's or a library's message may span several."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def config_problem(exc: ConfigError) -> str:
    """A ConfigError on one line, with the command that shows the same verdict."""
    problems = "; ".join(one_line(p) for p in exc.problems) or "unknown problem"
    check = f"`pagerduty-actions config check {exc.source}`"
    return f"{exc.source} is not valid: {problems}; fix it (check it with {check})"


def bind_problem(exc: BaseException, host: str, port: int, *, port_fix: str, host_fix: str) -> str:
    """Why binding ``host:port`` failed, and what to change: ``port_fix`` says how to pick
    another port (its ``{port}`` is replaced by a suggestion), ``host_fix`` how to set the
    address."""
    shown = clip(host, QUOTE_LIMIT)
    where = f"{shown}:{port}"
    number = exc.errno if isinstance(exc, OSError) else None
    if number == errno.EADDRINUSE:
        other = port + 1 if port < 65535 else 7078
        return f"port {port} is in use on {shown}; " + port_fix.format(port=other)
    if number == errno.EADDRNOTAVAIL:
        return (
            f"cannot listen on {where}: {shown} is not an address of this "
            f"machine; {host_fix} (127.0.0.1 for this machine only, 0.0.0.0 for every interface)"
        )
    if number == errno.EACCES:
        return (
            f"cannot listen on {where}: permission denied (ports below 1024 need privileges); "
            + port_fix.format(port=7077 if port != 7077 else 7078)
        )
    if isinstance(exc, socket.gaierror) or not isinstance(exc, OSError):
        return f"cannot listen on {where}: {shown} is not a known address; {host_fix}"
    reason = exc.strerror or str(exc)
    return f"cannot listen on {where}: {reason}; {host_fix}, or " + port_fix.format(port=port + 1)


def require_writable_folder(path: Path, what: str, fix: str, *, json_logs: bool = False) -> None:
    """Create ``path`` if needed and prove a file can be written in it, or fail naming it
    (``what``) and how to choose another (``fix``): found now, not on the first request."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise StartupFailure(
            f"{what} {clip(str(path), QUOTE_LIMIT)} cannot be used: {_folder_reason(exc)}; {fix}",
            json_logs=json_logs,
        ) from None


def _folder_reason(exc: OSError) -> str:
    if isinstance(exc, FileExistsError):
        return "it is a file, not a folder"
    if isinstance(exc, NotADirectoryError):
        return "a part of its path is a file, not a folder"
    return exc.strerror or str(exc)


class LateApp:
    """The WSGI app waitress is created with, before the real one exists: the port is bound
    first, so a busy port fails before the database is migrated or a sandbox started. No
    request is served until ``server.run()``, by which time ``app`` is set."""

    app: WSGIApplication | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        assert self.app is not None, "serve sets the app before running the server"
        return self.app(environ, start_response)


def announce(config: Config, url: str, local_token: str | None, json_logs: bool) -> None:
    """The start-up banner. Text: on stdout, with the generated local token and a curl line to
    try. JSON: log records like every other line (on stderr), and the token is never written
    to a log: the record names the file that holds it."""
    banner = f"pagerduty-actions {__version__} listening on {url} (config: {config.source})"
    token_file = config.data_dir / "local-token"
    if json_logs:
        fields = {"url": url, "version": __version__, "config": config.source}
        _LOG.info("%s", banner, extra={"fields": fields})
        if local_token:
            _LOG.info(
                "no auth.tokens configured: using the local token in %s (send it as "
                "'Authorization: Bearer <token>'; JSON logs never show it)",
                token_file,
                extra={"fields": {"tokenFile": str(token_file)}},
            )
        return
    click.echo(banner)
    if local_token:
        click.echo(f"  no auth.tokens configured: using the local token in {token_file}")
        click.echo(f"  token: {local_token}")
        click.echo(f'  try:   curl -H "Authorization: Bearer {local_token}" {url}/v2/actions')
    sys.stdout.flush()
