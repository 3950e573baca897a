"""One sandbox state per data dir: a running ``serve`` and CLI commands in the same folder each
run the built-in sandbox on ``sandbox-state.json``; services either of them creates, at the
same time, are all kept, and each process sees the others'."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from pagerduty_actions.sandbox import SandboxState, sandbox_server

ACTION = "pagerduty:service:create"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PAGERDUTY_ACTIONS_CONFIG"}


def start_server(data: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    port = free_port()
    command = ["serve", "--port", str(port), "--data-dir", str(data)]
    process = subprocess.Popen(
        [sys.executable, "-m", "pagerduty_actions", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env(),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, "serve exited"
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "serve never became ready"
        time.sleep(0.1)
    return process, url, (data / "local-token").read_text().strip()


def body(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "escalationPolicyName": "Default", **extra}


def cli_create(folder: Path, data: Path, name: str) -> dict[str, Any]:
    """``pagerduty-actions actions run`` in the server's data dir, as a user would."""
    config = folder / f"{name}.config.json"
    config.write_text(json.dumps({"dataDir": str(data)}))
    source = folder / f"{name}.input.json"
    source.write_text(json.dumps(body(name)))
    command = ["actions", "run", ACTION, "--input", str(source), "--config", str(config)]
    done = subprocess.run(
        [sys.executable, "-m", "pagerduty_actions", *command],
        capture_output=True,
        text=True,
        env=env(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout)["output"])


def saved_services(data: Path) -> dict[str, str]:
    document = json.loads((data / "sandbox-state.json").read_text())
    [account] = document["accounts"]
    return {s["id"]: s["name"] for s in account["services"]}


def test_a_server_and_cli_commands_in_one_data_dir_keep_every_service(tmp_path: Path) -> None:
    data = tmp_path / "data"
    process, url, token = start_server(data)
    headers = {"Authorization": f"Bearer {token}"}
    made: dict[str, str] = {}
    errors: list[str] = []

    def through_server(i: int) -> None:
        name = f"served-{i}"
        r = httpx.post(f"{url}/v2/actions/{ACTION}", json=body(name), headers=headers, timeout=60)
        if r.status_code != 200:
            errors.append(r.text)
        else:
            made[r.json()["output"]["serviceId"]] = name

    def through_cli(i: int) -> None:
        name = f"cli-{i}"
        try:
            made[cli_create(tmp_path, data, name)["serviceId"]] = name
        except AssertionError as exc:
            errors.append(str(exc))

    try:
        clis = [threading.Thread(target=through_cli, args=(i,)) for i in range(3)]
        for cli in clis:
            cli.start()
        served = 0  # the server keeps creating for as long as the CLI commands run
        while any(cli.is_alive() for cli in clis) and served < 60:
            through_server(served)
            served += 1
        for cli in clis:
            cli.join(120)
        through_server(served)  # and once after they have saved and gone
        assert errors == []
        assert len(made) == served + 4 and len(set(made.values())) == served + 4
        assert saved_services(data) == made

        # The server sees what a CLI command made: reusing that name gives its service.
        reused = httpx.post(
            f"{url}/v2/actions/{ACTION}",
            json=body("cli-0", ifExists="reuse"),
            headers=headers,
            timeout=60,
        )
        assert reused.status_code == 200, reused.text
        cli_0 = next(i for i, n in made.items() if n == "cli-0")
        assert reused.json()["output"]["serviceId"] == cli_0
        assert reused.json()["output"]["created"] is False
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)
    assert saved_services(data) == made  # the server's stop wrote back nothing stale


def test_a_stale_process_takes_in_the_others_save_before_it_writes(tmp_path: Path) -> None:
    """Two sandboxes on one file, in one process for a close look: each write first loads
    what the other saved, and stopping never writes an older copy back."""
    path = tmp_path / "sandbox-state.json"
    with sandbox_server(persist_path=path) as first, sandbox_server(persist_path=path) as second:
        auth = {"Authorization": "Token token=sandbox-token"}
        [policy] = [
            p["id"]
            for p in httpx.get(f"{first.base_url}/escalation_policies", headers=auth).json()[
                "escalation_policies"
            ]
            if p["name"] == "Default"
        ]
        ids = []
        for i, server in enumerate([first, second, first, second]):
            created = httpx.post(
                f"{server.base_url}/services",
                headers=auth,
                json={
                    "service": {
                        "name": f"svc-{i}",
                        "escalation_policy": {"id": policy, "type": "escalation_policy_reference"},
                    }
                },
            )
            assert created.status_code == 201, created.text
            ids.append(created.json()["service"]["id"])
        assert len(set(ids)) == 4
        listed = httpx.get(f"{first.base_url}/services", headers=auth).json()["services"]
        assert sorted(s["id"] for s in listed) == sorted(ids)
        clash = httpx.post(
            f"{second.base_url}/services",
            headers=auth,
            json={"service": {"name": "svc-0", "escalation_policy": {"id": policy}}},
        )
        assert clash.status_code == 400  # the name the other process took is taken here too
    reloaded = SandboxState.from_seed(None, persist_path=path)
    assert sorted(reloaded.accounts["default"].services) == sorted(ids)
