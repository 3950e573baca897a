"""Hostile YAML and pull-request bodies against a real server process (#19.2, #19.3).

A kilobyte of YAML aliases stands for billions of nodes, and a Jinja body can ask for a
400 MB string or 10^10 loop iterations. Each request here goes to ``pagerduty-actions serve``
running with an address-space limit (so unbounded memory ends in a crash, not a slow test)
and must be answered with a 400 naming the cause well before the deadline, while ``/healthz``
keeps answering.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from scm_git_helpers import make_remote

MEMORY_LIMIT = 1_500_000_000  # bytes of address space for the server process
DEADLINE = 60.0  # seconds: the unbounded versions run for minutes, or until the limit
TOKEN = "hostile-test-token-0123456789"
NARROW_TOKEN = "hostile-narrow-token-0123456789"  # may run one action only
ANNOTATE = "pagerduty:entity:annotate"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


class Server:
    def __init__(self, url: str, process: subprocess.Popen[str]) -> None:
        self.url = url
        self.process = process

    def post(self, path: str, body: Any, token: str = TOKEN) -> httpx.Response:
        """POST while another thread asks ``/healthz``; both must answer in time."""
        health: list[int] = []
        done = threading.Event()

        def probe() -> None:  # at least once, however fast the request is answered
            while True:
                health.append(httpx.get(f"{self.url}/healthz", timeout=10).status_code)
                if done.wait(0.2):
                    return

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        try:
            response = httpx.post(
                f"{self.url}{path}",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
                timeout=DEADLINE,
            )
        finally:
            done.set()
            prober.join(timeout=15)
        assert self.process.poll() is None, "the server died"
        assert health and set(health) == {200}, health
        return response


@pytest.fixture
def server(tmp_path: Path, remotes_dir: Path) -> Iterator[Server]:
    data = tmp_path / "server-data"
    config = tmp_path / "server.yaml"
    config.write_text(
        "server: {host: 127.0.0.1, port: 0}\n"
        f"dataDir: {data}\n"
        f"database: {{url: 'sqlite:///{data}/actions.db'}}\n"
        "auth:\n"
        "  tokens:\n"
        f"    - {{name: backstage, token: {TOKEN}}}\n"
        f"    - {{name: narrow, token: {NARROW_TOKEN}, actions: ['{ANNOTATE}']}}\n"
        f"integrations: {{local: [{{root: '{remotes_dir}'}}]}}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "pagerduty_actions", "serve", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "MALLOC_ARENA_MAX": "2"},
        preexec_fn=_limit_memory,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert " listening on " in first, first
        yield Server(first.split(" listening on ")[1].split()[0], process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def laughs(indent: str, levels: int = 9) -> str:
    """Nine lists of nine aliases to the list before: 9^levels strings, in a kilobyte."""
    lines = [f"{indent}l0: &l0 [lol]"]
    for level in range(1, levels + 1):
        lines.append(f"{indent}l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


BOMB_TEMPLATE = (
    "apiVersion: scaffolder.backstage.io/v1beta3\n"
    "kind: Template\n"
    "metadata: {name: laughs}\n"
    "spec:\n"
    "  type: service\n"
    "  steps: []\n"
    "  parameters:\n"
    "    properties:\n" + laughs("      ")
)


def refused(response: httpx.Response, *words: str) -> str:
    assert response.status_code == 400, response.text
    message = str(response.json()["error"]["message"])
    for word in words:
        assert word in message, message
    return message


@pytest.mark.parametrize("route", ["/v2/lint", "/v2/dry-run"])
def test_a_billion_laughs_template_is_refused_naming_the_line(server: Server, route: str) -> None:
    assert len(BOMB_TEMPLATE) < 1024
    response = server.post(route, {"template": BOMB_TEMPLATE, "values": {}}, token=NARROW_TOKEN)
    refused(response, "YAML aliases expand to more than 10000 nodes", "(line 13)")


def catalog_bomb() -> bytes:
    return (
        "apiVersion: backstage.io/v1alpha1\n"
        "kind: Component\n"
        "metadata:\n"
        "  name: payments\n"
        "spec:\n"
        "  type: service\n" + laughs("  ", levels=10)
    ).encode()


def annotate(repo: Path, **extra: Any) -> dict[str, Any]:
    return {"repoUrl": str(repo), "annotations": {"serviceId": None}, **extra}


def test_annotating_a_catalog_file_full_of_aliases_is_refused_naming_the_line(
    server: Server, remotes_dir: Path
) -> None:
    repo = make_remote(remotes_dir, {"catalog-info.yaml": catalog_bomb()}, name="payments")
    response = server.post(f"/v2/actions/{ANNOTATE}?dryRun=true", annotate(repo.path))
    refused(response, "YAML aliases expand to more than 10000 nodes", "at line 11")
    assert response.json()["error"]["details"][0]["path"] == "$.catalogPath"


_99_CHARACTERS = "abcdefghij" * 9 + "abcdefghi"
HOSTILE_BODIES = {
    "a 400 MB string": "{{ 'a' * 400000000 }}",
    "a 400 MB centred string": "{{ 'a' | center(400000000) }}",
    "10^8 loop iterations": (
        "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}"
    ),
    "16 MB of concatenation": (
        f"{{% set x = range(10000) | join('{_99_CHARACTERS}') %}}"
        "{{ " + " ~ ".join(["x"] * 16) + " }}"
    ),
}


@pytest.mark.parametrize("body", list(HOSTILE_BODIES.values()), ids=list(HOSTILE_BODIES))
def test_a_pull_request_body_beyond_the_budgets_is_refused(
    server: Server, remotes_dir: Path, body: str
) -> None:
    repo = make_remote(
        remotes_dir, {"catalog-info.yaml": b"kind: Component\nmetadata: {name: a}\n"}, name="a"
    )
    response = server.post(f"/v2/actions/{ANNOTATE}?dryRun=true", annotate(repo.path, body=body))
    refused(response, "body cannot be rendered")
    assert response.json()["error"]["details"][0]["path"] == "$.body"
