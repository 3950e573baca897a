"""Which scaffolder actions a template may use here, and how a proxy step names ours.

A step's action is one of four things: ours (in the registry, run in-process); a Backstage
built-in we run ourselves (files in the workspace, a log line); an ``http:backstage:request``
through the Backstage proxy to ``/v2/actions/<id>``, routed to the same action in-process;
or something only a real Backstage can run (publishing, catalog registration). Lint and the
runner share this one list so they never disagree about a step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

DEFAULT_PROXY_NAME = "pagerduty-actions"
#: ``template run``'s option that lets a run against the sandbox push to hosted git.
ALLOW_REAL_GIT_FLAG = "--allow-real-git"
HTTP_BACKSTAGE_REQUEST = "http:backstage:request"

#: Backstage built-ins the runner executes itself (see ``builtins``).
RUNNER_BUILTINS = frozenset(
    {"debug:log", "fetch:template", "fetch:plain", "catalog:write", "fs:rename", "fs:delete"}
)

#: Actions of a stock Backstage (and common modules) that only a Backstage can run: dry-run
#: records them as skipped with their input, a real run stops with a clear error.
BACKSTAGE_ONLY_ACTIONS = frozenset(
    {
        "catalog:register",
        "catalog:fetch",
        "fetch:cookiecutter",
        "fetch:rails",
        "fetch:template:file",
        "fs:readdir",
        "publish:github",
        "publish:github:pull-request",
        "publish:gitlab",
        "publish:gitlab:merge-request",
        "publish:bitbucket",
        "publish:bitbucketCloud",
        "publish:bitbucketServer",
        "publish:bitbucketServer:pull-request",
        "publish:azure",
        "publish:gerrit",
        "publish:gerrit:review",
        "publish:gitea",
        "github:actions:dispatch",
        "github:autolinks:create",
        "github:deployKey:create",
        "github:environment:create",
        "github:issues:label",
        "github:repo:create",
        "github:repo:push",
        "github:webhook",
        "gitlab:group:ensureExists",
        "gitlab:issues:create",
        "gitlab:pipeline:trigger",
        "gitlab:projectAccessToken:create",
        "gitlab:projectDeployToken:create",
        "gitlab:projectVariable:create",
        "confluence:transform:markdown",
        "http:request",
    }
)

_ACTIONS_PATH = re.compile(r"^/proxy/(?P<proxy>[^/?#]+)/v2/actions/(?P<id>[^/?#]+)/?\Z")


@dataclass(frozen=True)
class ProxyRoute:
    """An ``http:backstage:request`` path that reaches one of our actions."""

    action_id: str
    dry_run: bool


def proxy_prefix(proxy_name: str = DEFAULT_PROXY_NAME) -> str:
    return f"/proxy/{proxy_name.strip('/')}/"


def is_our_proxy_path(path: str, proxy_name: str = DEFAULT_PROXY_NAME) -> bool:
    """True when a request path goes through the proxy entry that points at this service."""
    return path.startswith(proxy_prefix(proxy_name)) or path == proxy_prefix(proxy_name)[:-1]


def proxy_route(path: str, proxy_name: str = DEFAULT_PROXY_NAME) -> ProxyRoute | None:
    """The action a proxy path runs, or None if the path is not ``.../v2/actions/<id>``.

    ``?dryRun=true`` in the path is honoured as the HTTP API does.
    """
    parts = urlsplit(path)
    match = _ACTIONS_PATH.match(parts.path)
    if match is None or match.group("proxy") != proxy_name.strip("/"):
        return None
    flags = parse_qs(parts.query).get("dryRun", [])
    dry_run = any(flag.lower() in ("true", "1") for flag in flags)
    return ProxyRoute(action_id=match.group("id"), dry_run=dry_run)
