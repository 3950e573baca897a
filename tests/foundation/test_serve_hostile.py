"""One hostile request, even unauthenticated, gets a 4xx in bounded time and memory while
/healthz keeps answering: the real server (waitress), in a process with an address-space limit.

Before: ``GET /`` + 60,000 x ``a`` answered 401 after 20.9 s with /healthz blocked 20.4 s (a
quadratic redaction pattern on the access line), and a create whose ``name`` was just under
the 1 MiB body limit froze the server for over ten minutes (the same pattern on the error
message quoting the name).
"""

from __future__ import annotations

import json
import resource
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

import httpx

from pagerduty_actions.redaction import TEXT_LIMIT

from .test_serve import start

MEMORY_LIMIT = 2 << 30
# Generous: each answer takes well under a second today; before, minutes to hours.
HOSTILE_DEADLINE = 60.0
HEALTH_DEADLINE = 10.0


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _while_healthy(url: str, send: Any) -> httpx.Response:
    """Run ``send()`` in a thread and probe /healthz until it answers; every probe must
    answer 200 within HEALTH_DEADLINE."""
    answer: dict[str, Any] = {}

    def run() -> None:
        try:
            answer["response"] = send()
        except Exception as exc:  # reported below, in the test's thread
            answer["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    with httpx.Client(timeout=HEALTH_DEADLINE) as probe:
        while thread.is_alive():
            assert probe.get(f"{url}/healthz").status_code == 200
            thread.join(0.05)
    if "error" in answer:
        raise answer["error"]
    response: httpx.Response = answer["response"]
    return response


def test_hostile_requests_get_a_4xx_while_healthz_answers(tmp_path: Path) -> None:
    process, url, token = start(tmp_path, preexec_fn=_limit_memory)
    try:
        with httpx.Client(timeout=HOSTILE_DEADLINE) as client:
            long_path = _while_healthy(url, lambda: client.get(f"{url}/{'a' * 60_000}"))
            assert long_path.status_code == 431  # refused by waitress before the app
            # Under the header limit, so the app answers it and logs the path.
            path = _while_healthy(url, lambda: client.get(f"{url}/{'a' * 30_000}"))
            assert path.status_code == 401
            assert len(path.json()["request"]["url"]) < 400

            name = "a" * (1024 * 1024 - 200)
            body = json.dumps({"name": name, "escalationPolicyId": "PABC123"})
            create = _while_healthy(
                url,
                lambda: client.post(
                    f"{url}/v2/actions/pagerduty:service:create",
                    content=body,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                ),
            )
            assert len(body) < 1024 * 1024
            assert create.status_code == 400
            error = create.json()["error"]
            assert error["details"][0]["path"] == "$.name"
            assert "truncated" in error["details"][0]["message"]
            assert "is too long" in error["details"][0]["message"]
            assert len(create.content) < 10_000

            deep = _while_healthy(
                url,
                lambda: client.post(
                    f"{url}/v2/lint",
                    content=b"[" * (1024 * 1024 - 1),
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                ),
            )
            assert deep.status_code == 400
        # A body announced over server.maxBodyBytes is refused before a byte of it is read.
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=HOSTILE_DEADLINE) as raw:
            raw.sendall(b"POST /v2/lint HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n")
            assert raw.recv(100).startswith(b"HTTP/1.1 413 ")
        assert httpx.get(f"{url}/healthz").status_code == 200
        assert process.poll() is None
    finally:
        process.terminate()
        try:
            _, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:  # a signal waits for the GIL; SIGKILL does not
            process.kill()
            _, err = process.communicate()
    access = [line for line in err.splitlines() if "pagerduty_actions.access" in line]
    assert any(" 401 " in line and "truncated, 30001 characters" in line for line in access)
    assert max(len(line) for line in err.splitlines()) < TEXT_LIMIT + 1000
