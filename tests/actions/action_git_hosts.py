"""Git hosts for the action tests: bare repositories stand in for hosted ones, and
:class:`FakeGitHost` answers GitHub's pulls and GitLab's merge requests under respx.

Hosted URLs (``https://github.com/o/r``, ``https://gitlab.example.com/g/r``) reach bare
repositories under ``remotes/<host>/...`` through git's own ``url.<base>.insteadOf``, set in
the environment by the ``git_hosts`` fixture (tests/actions/conftest.py), so the handlers clone
the real URL and git rewrites it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import respx
from scm_git_helpers import FAKE_TOKEN, Remote, make_remote

GITHUB_HOST = "github.com"
GITLAB_HOST = "gitlab.example.com"
GITHUB_API = "https://api.github.com"
GITLAB_API = f"https://{GITLAB_HOST}/api/v4"
HOSTS = (GITHUB_HOST, GITLAB_HOST)
__all__ = ["FAKE_TOKEN", "FakeGitHost", "Remote", "hosted_remote", "integrations_for"]


def integrations_for(remotes_dir: Path, token: str = FAKE_TOKEN) -> dict[str, Any]:
    """The ``integrations`` config section: GitHub and GitLab with a token, local repos."""
    return {
        "github": [{"host": GITHUB_HOST, "token": token}],
        "gitlab": [{"host": GITLAB_HOST, "token": token}],
        "local": [{"root": str(remotes_dir)}],
    }


def insteadof_env(remotes_dir: Path) -> dict[str, str]:
    """git config, as environment variables, that rewrites ``https://<host>/`` to
    ``remotes_dir/<host>/`` for every host of :data:`HOSTS`."""
    env = {"GIT_CONFIG_COUNT": str(len(HOSTS))}
    for n, host in enumerate(HOSTS):
        env[f"GIT_CONFIG_KEY_{n}"] = f"url.{(remotes_dir / host).as_uri()}/.insteadOf"
        env[f"GIT_CONFIG_VALUE_{n}"] = f"https://{host}/"
    return env


def hosted_remote(
    remotes_dir: Path, host: str, full_name: str, files: Mapping[str, bytes]
) -> Remote:
    """A bare repository standing in for ``https://<host>/<full_name>``."""
    *owner, name = full_name.split("/")
    return make_remote(remotes_dir.joinpath(host, *owner), files, name=name)


class FakeGitHost:
    """GitHub pulls and GitLab merge requests, kept in memory, answered under respx.

    Every request is recorded in ``requests`` as (method, path, query, JSON body) so tests
    assert exactly what was sent; ``fail_with = (status, body)`` makes every call fail so.
    """

    def __init__(self, router: respx.MockRouter) -> None:
        self.router = router
        self.pulls: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self.fail_with: tuple[int, dict[str, Any]] | None = None
        router.route(host=GITHUB_API.removeprefix("https://")).mock(side_effect=self._github)
        router.route(host=GITLAB_HOST, path__startswith="/api/v4/").mock(side_effect=self._gitlab)

    def _record(self, request: httpx.Request) -> tuple[Any, dict[str, str]]:
        body = json.loads(request.content) if request.content else None
        query = dict(request.url.params)
        self.requests.append((request.method, request.url.path, query, body))
        return body, query

    def _github(self, request: httpx.Request) -> httpx.Response:
        body, query = self._record(request)
        if self.fail_with:
            return httpx.Response(self.fail_with[0], json=self.fail_with[1])
        _, _, owner, repo, *_ = request.url.path.split("/")
        if request.method == "GET":
            head = query["head"].split(":", 1)[1]
            return httpx.Response(200, json=[p for p in self.pulls if p["head"]["ref"] == head])
        if request.method == "POST":
            number = len(self.pulls) + 1
            pull = {
                "number": number,
                "html_url": f"https://{GITHUB_HOST}/{owner}/{repo}/pull/{number}",
                "head": {"ref": body["head"]},
                "base": {"ref": body["base"]},
                "title": body["title"],
                "body": body["body"],
                "draft": body["draft"],
            }
            self.pulls.append(pull)
            return httpx.Response(201, json=pull)
        pull = self.pulls[int(request.url.path.rsplit("/", 1)[1]) - 1]
        pull.update(title=body["title"], body=body["body"])
        return httpx.Response(200, json=pull)

    def _gitlab(self, request: httpx.Request) -> httpx.Response:
        body, query = self._record(request)
        if self.fail_with:
            return httpx.Response(self.fail_with[0], json=self.fail_with[1])
        if request.method == "GET":
            found = [p for p in self.pulls if p["source_branch"] == query["source_branch"]]
            return httpx.Response(200, json=found)
        if request.method == "POST":
            iid = len(self.pulls) + 1
            project = request.url.raw_path.decode().split("/")[4].replace("%2F", "/")
            mr = {
                "iid": iid,
                "web_url": f"https://{GITLAB_HOST}/{project}/-/merge_requests/{iid}",
                "source_branch": body["source_branch"],
                "target_branch": body["target_branch"],
                "title": body["title"],
                "description": body["description"],
            }
            self.pulls.append(mr)
            return httpx.Response(201, json=mr)
        mr = self.pulls[int(request.url.path.rsplit("/", 1)[1]) - 1]
        mr.update(title=body["title"], description=body["description"])
        return httpx.Response(200, json=mr)
