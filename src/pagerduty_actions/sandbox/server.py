"""Serving the sandbox on loopback in a background thread, and the ``sandbox`` CLI entry.

``SandboxServer`` is what tests use (``with sandbox_server() as pd: ... pd.base_url``);
``run_sandbox`` is what ``pagerduty-actions sandbox`` calls: it prints the REST base URL and the
Events base URL (one per line) and serves until interrupted.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from pagerduty_actions.sandbox.app import create_sandbox_app
from pagerduty_actions.sandbox.seed import load_seed_file
from pagerduty_actions.sandbox.state import SandboxState


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
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self._thread: threading.Thread | None = None
        self.host = host
        self.port = self._server.server_port

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
    """
    document = load_seed_file(seed_file) if seed_file else None
    state = SandboxState.from_seed(document, tokens=tokens, persist_path=persist_path)
    server = SandboxServer(state, host, port)
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
    run_sandbox(args.host, args.port, args.tokens, args.seed, args.persist)
    return 0
