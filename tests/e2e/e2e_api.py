"""Small clients of the HTTP APIs the end-to-end tests drive: Backstage's catalog and
scaffolder (with the static external-access token), and the sandbox's ``/_sandbox`` admin routes.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from ruamel.yaml import YAML

TERMINAL = {"completed", "failed", "cancelled"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class TaskResult:
    """A finished scaffolder task: its status, events, template output and error."""

    id: str
    status: str
    events: list[dict[str, Any]]

    @property
    def completion(self) -> dict[str, Any]:
        done = [e for e in self.events if e["type"] == "completion"]
        return dict(done[-1]["body"]) if done else {}

    @property
    def output(self) -> dict[str, Any]:
        return dict(self.completion.get("output") or {})

    @property
    def error(self) -> dict[str, Any]:
        return dict(self.completion.get("error") or {})

    def log(self, step_id: str | None = None) -> str:
        return "\n".join(
            str(e["body"].get("message", ""))
            for e in self.events
            if e["type"] == "log" and (step_id is None or e["body"].get("stepId") == step_id)
        )


class Backstage:
    """Catalog and scaffolder APIs of the running backend."""

    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def register_file(self, path: Path) -> None:
        """Add a file location (409: it is there already, which is as good)."""
        target = str(path.resolve())
        response = self.http.post("/api/catalog/locations", json={"type": "file", "target": target})
        assert response.status_code in (201, 409), response.text

    def wait_for_entity(self, kind: str, name: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.http.get(f"/api/catalog/entities/by-name/{kind}/default/{name}")
            if response.status_code == 200:
                return dict(response.json())
            time.sleep(0.25)
        raise AssertionError(f"{kind}:default/{name} did not appear in the catalog in {timeout} s")

    def create_task(self, template: str, values: dict[str, Any]) -> str:
        response = self.http.post(
            "/api/scaffolder/v2/tasks",
            json={"templateRef": f"template:default/{template}", "values": values},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def wait_task(self, task_id: str, timeout: float = 90) -> TaskResult:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            task = self.http.get(f"/api/scaffolder/v2/tasks/{task_id}").json()
            if task["status"] in TERMINAL:
                events = self.http.get(f"/api/scaffolder/v2/tasks/{task_id}/events").json()
                return TaskResult(task_id, task["status"], events)
            time.sleep(0.25)
        raise AssertionError(f"task {task_id} did not finish in {timeout} s")

    def run(self, template: str, values: dict[str, Any]) -> TaskResult:
        return self.wait_task(self.create_task(template, values))

    def retry(self, task_id: str) -> TaskResult:
        response = self.http.post(f"/api/scaffolder/v2/tasks/{task_id}/retry", json={})
        assert response.status_code == 201, response.text
        # The retry reopens the task; wait for it to leave the old terminal state first.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            events = self.http.get(f"/api/scaffolder/v2/tasks/{task_id}/events").json()
            if any(e["type"] == "recovered" for e in events):
                break
            time.sleep(0.1)
        return self.wait_task(task_id)

    def dry_run(self, template_file: Path, values: dict[str, Any]) -> dict[str, Any]:
        """``POST /api/scaffolder/v2/dry-run`` with the template and its directory's files."""
        template = YAML(typ="safe", pure=True).load(template_file.read_text(encoding="utf-8"))
        root = template_file.parent
        contents = [
            {
                "path": str(p.relative_to(root)),
                "base64Content": base64.b64encode(p.read_bytes()).decode(),
            }
            for p in sorted(root.rglob("*"))
            if p.is_file() and p != template_file
        ]
        response = self.http.post(
            "/api/scaffolder/v2/dry-run",
            json={
                "template": template,
                "values": values,
                "secrets": {},
                "directoryContents": contents,
            },
            timeout=90,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def actions(self) -> dict[str, dict[str, Any]]:
        response = self.http.get("/api/scaffolder/v2/actions")
        response.raise_for_status()
        return {a["id"]: a for a in response.json()}


class Sandbox:
    """The PagerDuty sandbox: its data (``/_sandbox/dump``), request log and faults."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def account(self, name: str = "default") -> dict[str, Any]:
        dump = self.http.get("/_sandbox/dump").json()
        return next(a for a in dump["accounts"] if a["name"] == name)

    def services_named(self, name: str, account: str = "default") -> list[dict[str, Any]]:
        return [s for s in self.account(account)["services"] if s["name"] == name]

    def grouping_of(self, service_id: str, account: str = "default") -> list[dict[str, Any]]:
        settings = self.account(account)["alert_grouping_settings"]
        return [g for g in settings if service_id in g.get("services", [])]

    def escalation_policy_id(self, name: str, account: str = "default") -> str:
        policies = self.account(account)["escalation_policies"]
        return str(next(p["id"] for p in policies if p["name"] == name))

    def fail_next(self, count: int, status: int, method: str, path: str) -> None:
        spec = {"count": count, "status": status, "method": method, "path": path}
        self.http.post("/_sandbox/faults/fail-next", json=spec).raise_for_status()

    def reset_faults(self) -> None:
        self.http.post("/_sandbox/faults/reset").raise_for_status()

    def clear_requests(self) -> None:
        self.http.delete("/_sandbox/requests").raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        return list(self.http.get("/_sandbox/requests").json()["requests"])

    def writes(self) -> list[str]:
        return [
            f"{r['method']} {r['path']}" for r in self.requests() if r["method"] in WRITE_METHODS
        ]
