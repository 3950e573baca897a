"""Pull requests (GitHub) and merge requests (GitLab) behind one small protocol.

Delivery only needs three things from a host: find our open request for a branch, open one,
and refresh its title and body. :class:`PullRequestProvider` is exactly that, so delivery and
its tests do not care which host is behind it. Both providers speak plain REST through httpx
(a transport can be injected for tests), retry GETs on 5xx/timeouts a couple of times with
backoff (never a write: a POST that timed out may have succeeded, and the next run finds and
updates that request instead of duplicating it), and turn failures into the ``ScmError``
hierarchy with the host's own message, redacted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from ..outbound import (
    SERVER_ERRORS,
    EnvironmentTransport,
    OwnsHttpClient,
    RetryOptions,
    RetryPolicy,
    RetryTransport,
)
from .errors import (
    HostNotAllowedError,
    PullRequestError,
    RepositoryNotFoundError,
    ScmAuthError,
    ScmError,
    ScmUnavailableError,
    redact,
)
from .repo_url import RepoLocation, find_integration, integration_label

DEFAULT_TIMEOUT_S = 20.0
GITLAB_DRAFT_PREFIX = "Draft: "
USER_AGENT = "pagerduty-actions"


@dataclass(frozen=True)
class PullRequest:
    """One open pull (merge) request; ``created`` is True when this run opened it.

    ``number`` is GitHub's number or GitLab's project-level ``iid``. ``url`` is None only for
    local repositories, which have no pull-request API (the branch is pushed, nothing more).
    """

    number: int | None
    url: str | None
    head: str
    base: str
    created: bool = False
    draft: bool = False
    title: str = ""


class PullRequestProvider(Protocol):
    """What delivery needs from a git host's pull-request API."""

    def find_open(self, head_branch: str, base: str) -> PullRequest | None: ...

    def create(self, head: str, base: str, title: str, body: str, draft: bool) -> PullRequest: ...

    def update(self, pr: PullRequest, title: str, body: str) -> PullRequest: ...


class _HttpProvider(OwnsHttpClient):
    """Shared HTTP plumbing: headers, retries of GETs, and error mapping."""

    kind_label = "git host"

    def __init__(
        self,
        location: RepoLocation,
        *,
        token: str,
        api_base_url: str,
        integration: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        get_retries: int = 2,
        backoff_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.location = location
        self.api_base_url = api_base_url.rstrip("/")
        self.integration = integration
        self._token = token
        self.retry_policy = RetryPolicy(
            max_attempts=1 + get_retries,
            backoff_base=backoff_s,
            jitter=0.0,
            transient_statuses=SERVER_ERRORS,
            wait_statuses=frozenset(),  # a host's rate limit lasts too long to wait out here
            idempotent_methods=frozenset({"GET"}),  # writes: see the module docstring
        )
        retrying = RetryTransport(
            transport or EnvironmentTransport(), self.retry_policy, sleep=sleep
        )
        self._http = httpx.Client(transport=retrying, timeout=timeout, headers=self._headers(token))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location.display!r}, api={self.api_base_url!r})"

    def _headers(self, token: str) -> dict[str, str]:
        raise NotImplementedError

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        what: str,
    ) -> httpx.Response:
        url = self.api_base_url + path
        options = RetryOptions()
        host = self.location.host
        try:
            response = self._http.request(
                method, url, params=params, json=json, extensions=options.extensions()
            )
        except httpx.TransportError as exc:
            hint = (
                ""
                if self.retry_policy.resends_after(method, options, exc)
                else " It was not retried and may have been applied; running the action "
                "again finds and updates it instead of opening another."
            )
            raise ScmUnavailableError(
                f"{host} did not answer while trying to {what} ({type(exc).__name__}).{hint}",
                host=host,
                secrets=[self._token],
            ) from None
        if response.is_success:
            return response
        raise self._error(response, what)

    def _error(self, response: httpx.Response, what: str) -> ScmError:
        host = self.location.host
        said = self._host_message(response)
        code = response.status_code
        text = f"{host} answered {code} while trying to {what}: {said}"
        secrets = [self._token]
        rate_limited = code == 429 or (
            code == 403
            and (
                response.headers.get("x-ratelimit-remaining") == "0" or "rate limit" in said.lower()
            )
        )
        if rate_limited:
            return ScmUnavailableError(
                f"{text}. The host's rate limit was hit; try again later",
                host=host,
                secrets=secrets,
            )
        if code >= 500:
            return ScmUnavailableError(text, host=host, secrets=secrets)
        if code in (401, 403):
            return ScmAuthError(
                f"{host} refused the token of {self.integration} ({code}: {said}) while trying "
                f"to {what}; check the token is valid and may open pull requests on "
                f"{self.location.full_name}",
                host=host,
                secrets=secrets,
            )
        if code == 404:
            return RepositoryNotFoundError(
                f"repository {self.location.display} was not found on {host}, or the token of "
                f"{self.integration} cannot see it ({said})",
                host=host,
                secrets=secrets,
            )
        return PullRequestError(text, host=host, secrets=secrets)

    @staticmethod
    def _host_message(response: httpx.Response) -> str:
        try:
            data = response.json()
        except ValueError:
            return response.text.strip()[:300] or response.reason_phrase
        parts: list[str] = []
        if isinstance(data, Mapping):
            for key in ("message", "error", "error_description"):
                value = data.get(key)
                if isinstance(value, str):
                    parts.append(value)
                elif isinstance(value, list):
                    parts.extend(str(v) for v in value)
                elif isinstance(value, Mapping):
                    parts.extend(f"{k} {v}" for k, v in value.items())
            for item in data.get("errors") or []:
                if isinstance(item, Mapping):
                    parts.append(str(item.get("message") or item.get("code") or item))
                else:
                    parts.append(str(item))
        text = "; ".join(p for p in parts if p) or response.reason_phrase
        return redact(text)[:300]

    def find_open(self, head_branch: str, base: str) -> PullRequest | None:
        raise NotImplementedError

    def _parse(self, data: Any, *, created: bool) -> PullRequest:
        raise NotImplementedError

    def _first_open(self, path: str, params: Mapping[str, str], *, what: str) -> PullRequest | None:
        """The first request the host lists for ``params`` (our branch into the base: there
        is at most one open), or None."""
        items = self._request("GET", path, params=params, what=what).json()
        if not isinstance(items, list) or not items:
            return None
        return self._parse(items[0], created=False)

    def _open_or_find(
        self, path: str, payload: Mapping[str, Any], head: str, base: str, *, what: str
    ) -> PullRequest:
        """Open a request from ``head`` into ``base``; when the host answers that one already
        exists (another run opened it meanwhile, or an earlier POST of ours timed out after
        the host had made it), that open request is the one returned."""
        try:
            response = self._request("POST", path, json=payload, what=what)
        except PullRequestError as exc:
            if "already exists" in exc.message:
                existing = self.find_open(head, base)
                if existing is not None:
                    return existing
            raise
        return self._parse(response.json(), created=True)

    def _edit(
        self, method: str, path: str, payload: Mapping[str, Any], *, what: str
    ) -> PullRequest:
        """Change an open request's title and body; the host answers with the request."""
        response = self._request(method, path, json=payload, what=what)
        return self._parse(response.json(), created=False)


class GitHubProvider(_HttpProvider):
    """GitHub REST v3 pulls, on github.com or GitHub Enterprise (``/api/v3``)."""

    kind_label = "GitHub"

    def _headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": USER_AGENT,
        }

    @property
    def _pulls(self) -> str:
        loc = self.location
        return f"/repos/{quote(loc.owner, safe='')}/{quote(loc.repo, safe='')}/pulls"

    def find_open(self, head_branch: str, base: str) -> PullRequest | None:
        return self._first_open(
            self._pulls,
            {"head": f"{self.location.owner}:{head_branch}", "base": base, "state": "open"},
            what=f"look for an open pull request from {head_branch}",
        )

    def create(self, head: str, base: str, title: str, body: str, draft: bool) -> PullRequest:
        return self._open_or_find(
            self._pulls,
            {"title": title, "head": head, "base": base, "body": body, "draft": draft},
            head,
            base,
            what=f"open a pull request from {head} into {base}",
        )

    def update(self, pr: PullRequest, title: str, body: str) -> PullRequest:
        return self._edit(
            "PATCH",
            f"{self._pulls}/{pr.number}",
            {"title": title, "body": body},
            what=f"update pull request #{pr.number}",
        )

    def _parse(self, data: Any, *, created: bool) -> PullRequest:
        try:
            return PullRequest(
                number=int(data["number"]),
                url=str(data["html_url"]),
                head=str(data["head"]["ref"]),
                base=str(data["base"]["ref"]),
                created=created,
                draft=bool(data.get("draft", False)),
                title=str(data.get("title", "")),
            )
        except (KeyError, TypeError, ValueError):
            raise PullRequestError(
                f"{self.location.host} sent a pull request without number, html_url, head or base",
                host=self.location.host,
            ) from None


class GitLabProvider(_HttpProvider):
    """GitLab v4 merge requests; drafts are marked by the ``Draft: `` title prefix."""

    kind_label = "GitLab"

    def _headers(self, token: str) -> dict[str, str]:
        return {"PRIVATE-TOKEN": token, "Accept": "application/json", "User-Agent": USER_AGENT}

    @property
    def _mrs(self) -> str:
        return f"/projects/{quote(self.location.full_name, safe='')}/merge_requests"

    def find_open(self, head_branch: str, base: str) -> PullRequest | None:
        return self._first_open(
            self._mrs,
            {"source_branch": head_branch, "target_branch": base, "state": "opened"},
            what=f"look for an open merge request from {head_branch}",
        )

    def create(self, head: str, base: str, title: str, body: str, draft: bool) -> PullRequest:
        return self._open_or_find(
            self._mrs,
            {
                "source_branch": head,
                "target_branch": base,
                "title": _draft_title(title, draft),
                "description": body,
            },
            head,
            base,
            what=f"open a merge request from {head} into {base}",
        )

    def update(self, pr: PullRequest, title: str, body: str) -> PullRequest:
        return self._edit(
            "PUT",
            f"{self._mrs}/{pr.number}",
            {"title": _draft_title(title, pr.draft), "description": body},
            what=f"update merge request !{pr.number}",
        )

    def _parse(self, data: Any, *, created: bool) -> PullRequest:
        try:
            title = str(data.get("title", ""))
            return PullRequest(
                number=int(data["iid"]),
                url=str(data["web_url"]),
                head=str(data["source_branch"]),
                base=str(data["target_branch"]),
                created=created,
                draft=bool(data.get("draft") or title.startswith(GITLAB_DRAFT_PREFIX)),
                title=title,
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise PullRequestError(
                f"{self.location.host} sent a merge request without iid, web_url or branches",
                host=self.location.host,
            ) from None


def _draft_title(title: str, draft: bool) -> str:
    if draft and not title.startswith(GITLAB_DRAFT_PREFIX):
        return GITLAB_DRAFT_PREFIX + title
    return title


def provider_for(
    location: RepoLocation,
    integrations: Mapping[str, Any] | None,
    *,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> GitHubProvider | GitLabProvider:
    """The pull-request API of the location's host, configured from its integration entry.

    Local repositories have none (delivery pushes the branch and reports ``url=None``); asking
    for one is a :class:`PullRequestError`.
    """
    if location.kind not in ("github", "gitlab"):
        raise PullRequestError(
            f"{location.kind!r} repositories have no pull-request API; only github and gitlab "
            "hosts do (a local repository gets the branch pushed, nothing more)"
        )
    entry = find_integration(location, integrations)
    label = integration_label(location)
    if entry is None:
        raise HostNotAllowedError(
            f"host {location.host!r} is not configured under integrations.{location.kind}",
            host=location.host,
        )
    token = str(entry.get("token") or "")
    if not token:
        raise ScmAuthError(
            f"{label} has no token; opening pull requests needs one", host=location.host
        )
    api = str(entry.get("apiBaseUrl") or "")
    if location.kind == "github":
        if not api:
            api = (
                "https://api.github.com"
                if location.host == "github.com"
                else f"https://{location.host}/api/v3"
            )
        return GitHubProvider(
            location, token=token, api_base_url=api, integration=label, transport=transport,
            sleep=sleep,
        )  # fmt: skip
    return GitLabProvider(
        location,
        token=token,
        api_base_url=api or f"https://{location.host}/api/v4",
        integration=label,
        transport=transport,
        sleep=sleep,
    )
