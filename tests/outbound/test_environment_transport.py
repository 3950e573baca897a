"""Clients built without a transport still go through the proxy the environment names.

An ``httpx.Client`` given a transport ignores ``HTTP_PROXY``; ours are all given the retrying
one, so a deployment behind a proxy depends on ``EnvironmentTransport``. A loopback server
stands in for the proxy (a proxied request names the whole URL on its request line).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pagerduty_actions.pagerduty import Account, ApiToken, LimiterRegistry, PagerDutyClient


class Recorder(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        Recorder.seen.append(self.path)
        body = json.dumps({"abilities": ["teams"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def client_for(base_url: str) -> PagerDutyClient:
    account = Account(
        id="proxied",
        api_base_url=base_url,
        events_base_url=base_url,
        auth=ApiToken("proxy-test-token"),
    )
    return PagerDutyClient(account, limiters=LimiterRegistry(), max_attempts=1)


def test_requests_go_through_the_environments_proxy(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server)
    monkeypatch.setenv("http_proxy", server)
    with client_for("http://pagerduty.invalid") as client:
        assert client.get("/abilities") == {"abilities": ["teams"]}
    assert Recorder.seen == ["http://pagerduty.invalid/abilities"]


def test_no_proxy_hosts_are_reached_directly(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    closed = "http://127.0.0.1:9"  # nothing listens: using the proxy would fail
    monkeypatch.setenv("HTTP_PROXY", closed)
    monkeypatch.setenv("http_proxy", closed)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with client_for(server) as client:
        assert client.get("/abilities") == {"abilities": ["teams"]}
    assert Recorder.seen == ["/abilities"]
