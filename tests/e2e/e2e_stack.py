"""The processes of one end-to-end run: the PagerDuty sandbox, our server, a real Backstage.

Each is a child process on a free 127.0.0.1 port, with its output in a log file of the run, so
a failure shows what each one said. Backstage's node modules are installed with ``npm ci``
from the committed lock file when missing or stale, and kept in ``e2e/backstage/node_modules``
between local runs.

Our scaffolder module is loaded as an admin installs it: ``npm pack`` builds it
(``backstage-cli package build``) and packs it, and the tarball is unpacked into the run's
directory, which Backstage finds through ``NODE_PATH``, after its own node_modules, so the
module's ``@backstage/*`` peers are the backend's own copies. Unpacking per run, rather than
into ``e2e/backstage/node_modules``, keeps that cached install the lock file's alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
BACKSTAGE_DIR = REPO / "e2e" / "backstage"
MODULE_DIR = REPO / "backstage" / "scaffolder-backend-module-pagerduty-actions"
VENV_BIN = Path(sys.executable).parent
INSTALL_STAMP = BACKSTAGE_DIR / "node_modules" / ".pagerduty-actions-e2e-stamp"
NPM_CI_TIMEOUT = 900
NPM_PACK_TIMEOUT = 600


class StackError(RuntimeError):
    """A process of the stack did not start; the message carries the end of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _install_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (BACKSTAGE_DIR / "package.json", BACKSTAGE_DIR / "package-lock.json"):
        digest.update(path.read_bytes())
    digest.update(
        subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.encode()
    )
    return digest.hexdigest()


def ensure_node_modules(log_dir: Path) -> float:
    """Run ``npm ci`` unless the cached install matches the lock file; seconds spent."""
    fingerprint = _install_fingerprint()
    if INSTALL_STAMP.is_file() and INSTALL_STAMP.read_text() == fingerprint:
        return 0.0
    started = time.monotonic()
    env = {**os.environ, "npm_config_nodedir": "/usr", "npm_config_fund": "false"}
    log = log_dir / "npm-ci.log"
    with log.open("w") as out:
        result = subprocess.run(
            ["npm", "ci", "--no-audit"],
            cwd=BACKSTAGE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=NPM_CI_TIMEOUT,
        )
    if result.returncode != 0:
        raise StackError(f"npm ci failed in {BACKSTAGE_DIR}:\n{tail(log)}")
    INSTALL_STAMP.write_text(fingerprint)
    return time.monotonic() - started


def pack_module(run_dir: Path) -> Path:
    """Build, pack and unpack our module for this run; the node_modules folder holding it."""
    if not (MODULE_DIR / "node_modules" / ".bin" / "backstage-cli").exists():
        raise StackError(
            f"the build tools of {MODULE_DIR.name} are not installed: run `make e2e`, which "
            "installs them (npm ci) before these tests"
        )
    log = run_dir / "npm-pack.log"
    with log.open("w") as err:
        result = subprocess.run(
            ["npm", "pack", "--json", "--pack-destination", str(run_dir)],
            cwd=MODULE_DIR,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            timeout=NPM_PACK_TIMEOUT,
        )
    if result.returncode != 0:
        raise StackError(f"npm pack failed in {MODULE_DIR}:\n{tail(log)}")
    tarball = run_dir / json.loads(result.stdout)[0]["filename"]
    name = json.loads((MODULE_DIR / "package.json").read_text(encoding="utf-8"))["name"]
    modules = run_dir / "module" / "node_modules"
    target = modules.joinpath(*name.split("/"))
    target.mkdir(parents=True)
    subprocess.run(
        ["tar", "xzf", str(tarball), "-C", str(target), "--strip-components=1"], check=True
    )
    return modules


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


@dataclass
class Process:
    """A child process in its own process group, its output in ``log``."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


def spawn(
    name: str,
    argv: list[str],
    log_dir: Path,
    *,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
) -> Process:
    log = log_dir / f"{name}.log"
    out = log.open("wb")
    popen = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    out.close()
    return Process(name, popen, log)


def wait_until(process: Process, ready: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise StackError(f"{process.name} exited before {what}:\n{tail(process.log)}")
        try:
            if ready():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.2)
    raise StackError(f"{process.name}: no {what} within {timeout:.0f} s:\n{tail(process.log)}")


def http_ok(url: str) -> Callable[[], bool]:
    return lambda: httpx.get(url, timeout=2).status_code == 200


@dataclass
class Stack:
    """URLs and tokens of a running stack; ``stop()`` ends every process."""

    run_dir: Path
    sandbox_url: str = ""
    server_url: str = ""
    # A second server of ours with entityPage.readOnly: true (the PagerDuty card's trigger).
    read_only_server_url: str = ""
    backstage_url: str = ""
    server_token: str = "e2e-actions-token-0123456789"
    backstage_token: str = "e2e-backstage-token-0123456789"
    install_seconds: float = 0.0
    pack_seconds: float = 0.0
    module_path: Path = Path()
    processes: list[Process] = field(default_factory=list)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ({p.log}) ---\n{tail(p.log)}" for p in self.processes)


def _start_sandbox(stack: Stack) -> None:
    port = free_port()
    process = spawn(
        "sandbox",
        [str(VENV_BIN / "pagerduty-actions"), "sandbox", "--port", str(port)],
        stack.run_dir,
    )
    stack.processes.append(process)
    stack.sandbox_url = f"http://127.0.0.1:{port}"
    wait_until(
        process, http_ok(f"{stack.sandbox_url}/_sandbox/health"), timeout=30, what="sandbox health"
    )


def _start_server(stack: Stack, *, read_only: bool = False) -> str:
    """Our server against the stack's sandbox; its URL once ready."""
    name = "server-read-only" if read_only else "server"
    port = free_port()
    data = stack.run_dir / f"{name}-data"
    data.mkdir()
    config = stack.run_dir / f"{name}.yaml"
    config.write_text(
        f"server: {{host: 127.0.0.1, port: {port}}}\n"
        f"dataDir: {data}\n"
        f"auth: {{tokens: [{{name: backstage, token: {stack.server_token}}}]}}\n"
        "pagerDuty:\n"
        "  apiToken: sandbox-token\n"
        f"  apiBaseUrl: {stack.sandbox_url}\n"
        f"  eventsBaseUrl: {stack.sandbox_url}/events\n"
        f"database: {{url: 'sqlite:///{data}/actions.db'}}\n"
        # Templates that write to git (pagerduty-onboard) use bare remotes in the tests'
        # tmp_path directories, which sit beside run_dir.
        f"integrations: {{local: [{{root: '{stack.run_dir.parent}'}}]}}\n"
        f"entityPage: {{readOnly: {'true' if read_only else 'false'}}}\n",
        encoding="utf-8",
    )
    process = spawn(
        name,
        [str(VENV_BIN / "pagerduty-actions"), "serve", "--config", str(config)],
        stack.run_dir,
    )
    stack.processes.append(process)
    url = f"http://127.0.0.1:{port}"
    wait_until(process, http_ok(f"{url}/readyz"), timeout=30, what="readiness")
    return url


def start_backstage(
    run_dir: Path,
    *,
    module_path: Path,
    server_url: str,
    server_token: str,
    token: str,
    name: str = "backstage",
    read_only_server_url: str = "http://127.0.0.1:9",
    sandbox_url: str = "http://127.0.0.1:9",
) -> tuple[Process, str]:
    """A Backstage backend whose module and proxy point at ``server_url`` (and the PagerDuty
    card's extra proxy routes at the read-only server and the sandbox); ready on return.

    ``module_path``: the node_modules folder of the packed module (``pack_module``).
    """
    port = free_port()
    env = {
        "BACKSTAGE_PORT": str(port),
        "BACKSTAGE_TEST_TOKEN": token,
        "PAGERDUTY_ACTIONS_URL": server_url,
        "PAGERDUTY_ACTIONS_TOKEN": server_token,
        "PAGERDUTY_ACTIONS_READ_ONLY_URL": read_only_server_url,
        "PAGERDUTY_SANDBOX_URL": sandbox_url,
        # --no-node-snapshot: Node 20 runs no scaffolder task without it (isolated-vm).
        "NODE_OPTIONS": "--no-node-snapshot",
        # The packed module, and then the backend's own packages for its peer dependencies.
        "NODE_PATH": os.pathsep.join([str(module_path), str(BACKSTAGE_DIR / "node_modules")]),
        "NODE_ENV": "development",
    }
    process = spawn(
        name,
        ["node", "index.js", "--config", "app-config.yaml"],
        run_dir,
        cwd=BACKSTAGE_DIR,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            process,
            http_ok(f"{url}/.backstage/health/v1/readiness"),
            timeout=120,
            what="readiness",
        )
    except BaseException:
        process.stop()
        raise
    loaded = f"pagerduty-actions module: {module_path}"
    if loaded not in process.log.read_text(errors="replace"):
        process.stop()
        raise StackError(f"{name} did not load the packed module ({loaded}):\n{tail(process.log)}")
    return process, url


def _start_backstage(stack: Stack) -> None:
    process, stack.backstage_url = start_backstage(
        stack.run_dir,
        module_path=stack.module_path,
        server_url=stack.server_url,
        server_token=stack.server_token,
        token=stack.backstage_token,
        read_only_server_url=stack.read_only_server_url,
        sandbox_url=stack.sandbox_url,
    )
    stack.processes.append(process)


def start_stack(run_dir: Path) -> Stack:
    """Install (if needed) and start all three; on any failure, stop what started."""
    stack = Stack(run_dir=run_dir)
    try:
        stack.install_seconds = ensure_node_modules(run_dir)
        started = time.monotonic()
        stack.module_path = pack_module(run_dir)
        stack.pack_seconds = time.monotonic() - started
        _start_sandbox(stack)
        stack.server_url = _start_server(stack)
        stack.read_only_server_url = _start_server(stack, read_only=True)
        _start_backstage(stack)
    except BaseException:
        stack.stop()
        raise
    return stack
