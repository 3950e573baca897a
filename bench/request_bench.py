"""Request path benchmark (issue #21): what the action server itself costs per request.

Two apps run under waitress with the same settings in one server process: ours, built by
``create_app`` from a config as ``serve`` builds it (SQLite, a bearer token, PagerDuty played
by the sandbox in a process of its own), and a bare Flask app that echoes a JSON body. One
client sends, interleaved on keep-alive connections, an echo and a validation-failing action
call (``pagerduty:service:create`` with a number for ``name``: a 400), so both see the same
machine at the same moment; then it creates services for real against the sandbox.

    .venv/bin/python bench/request_bench.py [--requests 2000] [--creates 200] [--json]

Rows: client-side p50/p99 of the echo and the failing call and their ratio; for the successful
create, the server's own time (a WSGI middleware's wall time around our app minus the time
spent inside PagerDuty calls, measured at the httpx transport up to the last byte of each
answer), p50/p99, and its CPU time (the worker thread's, outside the transport), p50.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

TOKEN = "bench-token-0123456789abcdef"  # a throwaway token for a loopback bench
FAILING_BODY = json.dumps({"name": 5, "escalationPolicyName": "Default"}).encode()
ECHO_BODY = FAILING_BODY
ACTION = "/v2/actions/pagerduty:service:create"
TARGET_FAILING_RATIO = 1.5
TARGET_CREATE_MS = 2.0
_SPAWN = multiprocessing.get_context("spawn")


# -- the server process ---------------------------------------------------------------------------


class _Upstream(threading.local):
    seconds = 0.0
    cpu = 0.0  # this thread's CPU time inside them (the client's side of the exchange)


_UPSTREAM = _Upstream()


def _count_upstream_time() -> None:
    """Time inside every outbound HTTP request (httpx's transport: PagerDuty, here), from the
    send to the last byte of the answer: the transport returns once the headers are in, and
    the body read after it is still time spent waiting for PagerDuty (the sandbox, an HTTP/1.0
    server, also sends it apart from the headers), not our own work."""
    import httpx

    original = httpx.HTTPTransport.handle_request

    def timed(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            response = original(self, request)
            response.read()  # what our retry transport does next anyway
            return response
        finally:
            _UPSTREAM.seconds += time.perf_counter() - started
            _UPSTREAM.cpu += time.thread_time() - cpu

    httpx.HTTPTransport.handle_request = timed  # type: ignore[method-assign]


def _timed(app: Callable[..., Any]) -> Callable[..., Any]:
    """WSGI middleware: the app's wall time and its upstream time as response headers (the
    app builds its whole body before start_response, so the time covers all its work), and
    the worker thread's CPU time in the app outside the transport: what the machine's other
    load inflates far less than wall time."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        _UPSTREAM.seconds = _UPSTREAM.cpu = 0.0
        started, cpu = time.perf_counter(), time.thread_time()

        def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            wall = time.perf_counter() - started
            own_cpu = time.thread_time() - cpu - _UPSTREAM.cpu
            headers = [
                *headers,
                ("X-Bench-Server-Ms", f"{wall * 1000:.4f}"),
                ("X-Bench-Upstream-Ms", f"{_UPSTREAM.seconds * 1000:.4f}"),
                ("X-Bench-Own-Cpu-Ms", f"{own_cpu * 1000:.4f}"),
            ]
            return start_response(status, headers, *rest)

        return app(environ, start)

    return middleware


def _echo_app() -> Any:
    from flask import Flask, jsonify, request

    echo = Flask("echo")

    @echo.post("/echo")
    def handle() -> Any:
        return jsonify(request.get_json())

    return echo


def serve_sandbox(conn: Connection) -> None:
    from pagerduty_actions.sandbox import sandbox_server

    pd = sandbox_server(faults={"rate_limit": {"limit": 10_000_000}})
    conn.send({"pagerduty": pd.base_url, "events": pd.events_url})
    conn.recv()
    pd.stop()


def serve_apps(pagerduty: dict[str, str], workdir: str, conn: Connection) -> None:
    import logging

    from waitress.server import create_server

    from pagerduty_actions.config import validate_config
    from pagerduty_actions.logging_setup import configure_logging
    from pagerduty_actions.sandbox import DEFAULT_TOKEN
    from pagerduty_actions.server import create_app

    configure_logging("text", "INFO")  # as serve logs: an access line and a run line each
    for handler in logging.getLogger().handlers:
        handler.stream = open("/dev/null", "w")  # noqa: SIM115 - lives as long as the process
    _count_upstream_time()
    config = validate_config(
        {
            "dataDir": f"{workdir}/data",
            "database": {"url": f"sqlite:///{workdir}/bench.db"},
            "auth": {"tokens": [{"name": "bench", "token": TOKEN}]},
            "pagerDuty": {
                "apiToken": DEFAULT_TOKEN,
                "apiBaseUrl": pagerduty["pagerduty"],
                "eventsBaseUrl": pagerduty["events"],
                "rateLimit": {"requestsPerMinute": 10_000},
            },
        },
        "bench",
    )
    servers = []
    for app in (_timed(create_app(config)), _timed(_echo_app())):
        server = create_server(app, host="127.0.0.1", port=0, threads=config.threads)
        threading.Thread(target=server.run, daemon=True).start()
        servers.append(server)
    conn.send([s.effective_port for s in servers])
    conn.recv()
    for server in servers:
        server.close()


def _start(target: Callable[..., Any], *args: Any) -> tuple[Any, Connection, Any]:
    ours, theirs = _SPAWN.Pipe()
    process = _SPAWN.Process(target=target, args=(*args, theirs), daemon=True)
    process.start()
    theirs.close()
    if not ours.poll(120):
        process.kill()
        raise RuntimeError(f"{target.__name__} did not start within 120 s")
    return ours.recv(), ours, process


# -- the client -----------------------------------------------------------------------------------


def _post(conn: http.client.HTTPConnection, path: str, body: bytes) -> tuple[float, Any]:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    started = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return time.perf_counter() - started, response


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(ours: int, echo: int, requests: int, creates: int) -> dict[str, Any]:
    action_conn = http.client.HTTPConnection("127.0.0.1", ours)
    echo_conn = http.client.HTTPConnection("127.0.0.1", echo)
    for _ in range(50):  # warm-up: connections, caches, first-call imports
        _post(echo_conn, "/echo", ECHO_BODY)
        _post(action_conn, ACTION, FAILING_BODY)
    echo_times, failing_times = [], []
    for i in range(requests):
        pair = [(echo_conn, "/echo", ECHO_BODY, echo_times)]
        pair.append((action_conn, ACTION, FAILING_BODY, failing_times))
        for conn, path, body, out in pair if i % 2 else reversed(pair):
            seconds, response = _post(conn, path, body)
            expected = 400 if path == ACTION else 200
            if response.status != expected:
                raise RuntimeError(f"{path} answered {response.status}, not {expected}")
            out.append(seconds)
    own, own_cpu, upstream, wall = [], [], [], []
    for i in range(creates):
        body = json.dumps({"name": f"bench-{i}", "escalationPolicyName": "Default"}).encode()
        seconds, response = _post(action_conn, ACTION, body)
        if response.status != 200:
            raise RuntimeError(f"create answered {response.status}")
        server_ms = float(response.getheader("X-Bench-Server-Ms"))
        upstream_ms = float(response.getheader("X-Bench-Upstream-Ms"))
        own.append(server_ms - upstream_ms)
        own_cpu.append(float(response.getheader("X-Bench-Own-Cpu-Ms")))
        upstream.append(upstream_ms)
        wall.append(seconds * 1000)
    ms = 1000
    rows = {
        "echoP50Ms": percentile(echo_times, 0.5) * ms,
        "echoP99Ms": percentile(echo_times, 0.99) * ms,
        "failingP50Ms": percentile(failing_times, 0.5) * ms,
        "failingP99Ms": percentile(failing_times, 0.99) * ms,
        "createOwnP50Ms": percentile(own, 0.5),
        "createOwnP99Ms": percentile(own, 0.99),
        "createOwnCpuP50Ms": percentile(own_cpu, 0.5),
        "createUpstreamP50Ms": percentile(upstream, 0.5),
        "createWallP50Ms": percentile(wall, 0.5),
        "requests": requests,
        "creates": creates,
    }
    rows["failingRatio"] = rows["failingP50Ms"] / rows["echoP50Ms"]
    rows["meanEchoMs"] = statistics.fmean(echo_times) * ms
    return rows


def run(requests: int, creates: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="request-bench-") as workdir:
        pagerduty, pd_conn, pd_process = _start(serve_sandbox)
        try:
            ports, app_conn, app_process = _start(serve_apps, pagerduty, workdir)
            try:
                return measure(ports[0], ports[1], requests, creates)
            finally:
                app_conn.send("stop")
                app_process.join(30)
        finally:
            pd_conn.send("stop")
            pd_process.join(30)


def render(rows: dict[str, Any]) -> str:
    lines = [
        "| what | p50 ms | p99 ms | vs echo p50 | target |",
        "|:--|--:|--:|--:|:--|",
        f"| bare Flask JSON echo | {rows['echoP50Ms']:.3f} | {rows['echoP99Ms']:.3f} | 1.00 | |",
        f"| validation-failing action call | {rows['failingP50Ms']:.3f} | "
        f"{rows['failingP99Ms']:.3f} | {rows['failingRatio']:.2f} | "
        f"<= {TARGET_FAILING_RATIO}x |",
        f"| service:create, server's own time | {rows['createOwnP50Ms']:.3f} | "
        f"{rows['createOwnP99Ms']:.3f} | | <= {TARGET_CREATE_MS} ms p50 |",
        f"| service:create, server's own CPU time | {rows['createOwnCpuP50Ms']:.3f} | | | |",
        f"| service:create, PagerDuty calls | {rows['createUpstreamP50Ms']:.3f} | | | |",
        f"| service:create, client wall | {rows['createWallP50Ms']:.3f} | | | |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="request_bench.py", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="echo/failing pairs")
    parser.add_argument("--creates", type=int, default=200, help="successful creates")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.creates < 1:
        parser.error("--requests and --creates must be at least 1: each row is a percentile")
    rows = run(args.requests, args.creates)
    print(json.dumps(rows, indent=2) if args.json else render(rows))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
