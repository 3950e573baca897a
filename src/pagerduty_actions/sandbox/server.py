"""Serving the sandbox on loopback in a background thread, and the ``sandbox`` CLI entry.

``SandboxServer`` is what tests use (``with sandbox_server() as pd: ... pd.base_url``);
``run_sandbox`` is what ``pagerduty-actions sandbox`` calls: it prints the REST base URL and the
Events base URL (one per line) and serves until interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from ruamel.yaml.error import YAMLError
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from pagerduty_actions.sandbox.app import create_sandbox_app
from pagerduty_actions.sandbox.seed import load_seed_file
from pagerduty_actions.sandbox.state import SandboxState


class SandboxStartError(Exception):
    """The sandbox cannot start; the message (one line) names the cause and the fix."""


class SandboxBindError(SandboxStartError):
    """The address cannot be listened on; ``os_error`` says why (port in use, not local)."""

    def __init__(self, host: str, port: int, os_error: OSError) -> None:
        super().__init__(f"cannot listen on {host}:{port}: {os_error.strerror or os_error}")
        self.os_error = os_error


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without per-request access logging (the request log covers it)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None

    def log(self, type: str, message: str, *args: Any) -> None:
        return None


class SandboxServer:
    """A running sandbox: ``base_url`` (REST), ``events_url`` (Events API base), ``state``."""

    def __init__(
        self, state: SandboxState | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.state = state or SandboxState.from_seed()
        self.app = create_sandbox_app(self.state)
        # Bound here, not by werkzeug, whose own bind prints to stderr and exits on failure:
        # a caller gets the OSError (port in use, address not local) and says it its way.
        listener = _listening_socket(host, port)
        try:
            self._server: BaseWSGIServer = make_server(
                host, port, self.app, threaded=True, request_handler=_QuietHandler,
                fd=listener.fileno(),
            )  # fmt: skip
        finally:
            listener.close()  # werkzeug serves a duplicate of it
        self._thread: threading.Thread | None = None
        self.host = host
        self.port = int(self._server.port)

    def __repr__(self) -> str:
        return f"SandboxServer({self.base_url!r})"

    @property
    def base_url(self) -> str:
        """REST API base, e.g. ``http://127.0.0.1:54321`` (also the OAuth identity base)."""
        return f"http://{self.host}:{self.port}"

    @property
    def events_url(self) -> str:
        """Events API base; events go to ``<events_url>/v2/enqueue``."""
        return self.base_url + "/events"

    @property
    def oauth_token_url(self) -> str:
        """Where the client-credentials grant is posted."""
        return self.base_url + "/oauth/token"

    def start(self) -> SandboxServer:
        """Serve in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"pagerduty-sandbox-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``stop`` (or KeyboardInterrupt)."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving, close the socket and persist the state when configured."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
        self.state.persist()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening (IPv6 when ``host`` is one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name == "posix":
            # As werkzeug does: a port a stopped server left in TIME_WAIT is free again.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


def sandbox_server(
    seed: dict[str, Any] | None = None,
    tokens: list[str] | tuple[str, ...] = (),
    faults: dict[str, Any] | None = None,
    persist_path: str | Path | None = None,
) -> SandboxServer:
    """Start a sandbox on a free loopback port (stop it, or use it as a context manager)."""
    state = SandboxState.from_seed(seed, tokens=tokens, persist_path=persist_path)
    if faults:
        state.configure_faults(faults)
    return SandboxServer(state).start()


def run_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    tokens: list[str] | tuple[str, ...] = (),
    seed_file: str | Path | None = None,
    persist_path: str | Path | None = None,
    out: TextIO | None = None,
    ready: threading.Event | None = None,
    server_holder: list[SandboxServer] | None = None,
) -> None:
    """Serve a sandbox until interrupted, printing its REST then Events base URL.

    ``ready``/``server_holder`` let a caller in another thread wait for start-up and stop it.
    A start-up problem (seed or state file, address) raises ``SandboxStartError`` before
    anything is printed.
    """
    state = _start_state(seed_file, tokens, persist_path)
    try:
        server = SandboxServer(state, host, port)
    except OSError as exc:
        raise SandboxBindError(host, port, exc) from None
    stream = out or sys.stdout
    print(server.base_url, file=stream)
    print(server.events_url, file=stream, flush=True)
    if server_holder is not None:
        server_holder.append(server)
    if ready is not None:
        ready.set()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._server.server_close()
        state.persist()


def _start_state(
    seed_file: str | Path | None,
    tokens: list[str] | tuple[str, ...],
    persist_path: str | Path | None,
) -> SandboxState:
    """The state ``run_sandbox`` serves, or a one-line ``SandboxStartError`` naming the file
    at fault: found at start-up, not when the state is saved at exit."""
    try:
        document = load_seed_file(seed_file) if seed_file else None
    except (OSError, YAMLError, ValueError) as exc:
        raise SandboxStartError(
            f"seed file {seed_file} cannot be used: {_one_line(exc)}; fix it or leave out --seed"
        ) from None
    try:
        return SandboxState.from_seed(document, tokens=tokens, persist_path=persist_path)
    except (OSError, json.JSONDecodeError) as exc:
        raise SandboxStartError(
            f"state file {persist_path} (--persist) cannot be read: {_one_line(exc)}; "
            "fix it, or delete it to start again from the seed"
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        source = f"state file {persist_path} (--persist)" if _exists(persist_path) else None
        source = source or (f"seed file {seed_file}" if seed_file else "the default seed")
        raise SandboxStartError(
            f"{source} does not describe a sandbox: {_one_line(exc)}; fix it"
        ) from None


def _exists(path: str | Path | None) -> bool:
    return path is not None and Path(path).exists()


def _one_line(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def main(argv: list[str] | None = None) -> int:
    """Click-free entry: ``[--host H] [--port P] [--token T]... [--seed FILE] [--persist FILE]``."""
    parser = argparse.ArgumentParser(
        prog="pagerduty-actions sandbox", description="Serve a simulated PagerDuty API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", action="append", default=[], dest="tokens")
    parser.add_argument("--seed", default=None)
    parser.add_argument("--persist", default=None)
    args = parser.parse_args(argv)
    try:
        run_sandbox(args.host, args.port, args.tokens, args.seed, args.persist)
    except SandboxStartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
