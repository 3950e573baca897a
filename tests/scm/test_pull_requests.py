"""GitHub and GitLab pull-request APIs: exact requests, retries of reads only, and errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from pagerduty_actions.scm import (
    GitHubProvider,
    GitLabProvider,
    HostNotAllowedError,
    PullRequest,
    PullRequestError,
    RepositoryNotFoundError,
    ScmAuthError,
    ScmUnavailableError,
    parse_repo_url,
    provider_for,
)

TOKEN = "ghp_FAKEt0kenDoNotLeak0123456789abcdefXYZ"
GL_TOKEN = "glpat-FAKEt0kenDoNotLeak0123"
INTEGRATIONS: dict[str, Any] = {
    "github": [
        {"host": "github.com", "token": TOKEN},
        {
            "host": "ghe.example.com",
            "token": TOKEN,
            "apiBaseUrl": "https://ghe.example.com/api/v3/",
        },
        {"host": "bare.example.com", "token": TOKEN},
        {"host": "notoken.example.com"},
    ],
    "gitlab": [{"host": "gitlab.example.com", "token": GL_TOKEN}],
}
GH_PULLS = "https://api.github.com/repos/acme/payments/pulls"
GL_MRS = "https://gitlab.example.com/api/v4/projects/group%2Fsub%2Fsvc/merge_requests"


def gh_pull(number: int = 7, draft: bool = False) -> dict[str, Any]:
    return {
        "number": number,
        "html_url": f"https://github.com/acme/payments/pull/{number}",
        "head": {"ref": "pagerduty/x"},
        "base": {"ref": "main"},
        "draft": draft,
        "title": "T",
    }


def gl_mr(iid: int = 3, title: str = "T") -> dict[str, Any]:
    return {
        "iid": iid,
        "web_url": f"https://gitlab.example.com/group/sub/svc/-/merge_requests/{iid}",
        "source_branch": "pagerduty/x",
        "target_branch": "main",
        "title": title,
        "draft": title.startswith("Draft: "),
    }


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def github(sleeps: list[float]) -> Iterator[GitHubProvider]:
    loc = parse_repo_url("github.com?owner=acme&repo=payments", INTEGRATIONS)
    provider = provider_for(loc, INTEGRATIONS, sleep=sleeps.append)
    assert isinstance(provider, GitHubProvider)
    yield provider
    provider.close()


@pytest.fixture
def gitlab(sleeps: list[float]) -> Iterator[GitLabProvider]:
    loc = parse_repo_url("gitlab.example.com?owner=group/sub&repo=svc", INTEGRATIONS)
    provider = provider_for(loc, INTEGRATIONS, sleep=sleeps.append)
    assert isinstance(provider, GitLabProvider)
    yield provider
    provider.close()


def assert_github_headers(request: httpx.Request) -> None:
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"


# -- GitHub -----------------------------------------------------------------------------------


def test_github_find_open(router: respx.MockRouter, github: GitHubProvider) -> None:
    route = router.get(GH_PULLS).respond(200, json=[gh_pull()])
    pr = github.find_open("pagerduty/x", "main")
    assert pr == PullRequest(7, "https://github.com/acme/payments/pull/7", "pagerduty/x", "main",
                             created=False, draft=False, title="T")  # fmt: skip
    request = route.calls.last.request
    assert dict(request.url.params) == {"head": "acme:pagerduty/x", "base": "main", "state": "open"}
    assert_github_headers(request)


def test_github_find_open_none(router: respx.MockRouter, github: GitHubProvider) -> None:
    router.get(GH_PULLS).respond(200, json=[])
    assert github.find_open("pagerduty/x", "main") is None


def test_github_create(router: respx.MockRouter, github: GitHubProvider) -> None:
    route = router.post(GH_PULLS).respond(201, json=gh_pull(9, draft=True))
    pr = github.create("pagerduty/x", "main", "Add PagerDuty", "body text", True)
    assert (pr.number, pr.created, pr.draft) == (9, True, True)
    request = route.calls.last.request
    assert request.method == "POST"
    assert_github_headers(request)
    assert json.loads(request.content) == {
        "title": "Add PagerDuty",
        "head": "pagerduty/x",
        "base": "main",
        "body": "body text",
        "draft": True,
    }


def test_github_create_when_one_already_exists_returns_it(
    router: respx.MockRouter, github: GitHubProvider
) -> None:
    router.post(GH_PULLS).respond(
        422,
        json={
            "message": "Validation Failed",
            "errors": [{"message": "A pull request already exists for acme:pagerduty/x."}],
        },
    )
    router.get(GH_PULLS).respond(200, json=[gh_pull(4)])
    pr = github.create("pagerduty/x", "main", "T", "b", False)
    assert (pr.number, pr.created) == (4, False)


def test_github_create_validation_error(router: respx.MockRouter, github: GitHubProvider) -> None:
    router.post(GH_PULLS).respond(
        422, json={"message": "Validation Failed", "errors": [{"code": "invalid", "field": "base"}]}
    )
    with pytest.raises(PullRequestError) as err:
        github.create("pagerduty/x", "nope", "T", "b", False)
    assert "422" in err.value.message and "Validation Failed" in err.value.message


def test_github_update(router: respx.MockRouter, github: GitHubProvider) -> None:
    route = router.patch(f"{GH_PULLS}/7").respond(200, json=gh_pull(7))
    existing = PullRequest(7, "u", "pagerduty/x", "main")
    pr = github.update(existing, "New title", "New body")
    assert pr.number == 7 and not pr.created
    request = route.calls.last.request
    assert_github_headers(request)
    assert json.loads(request.content) == {"title": "New title", "body": "New body"}


def test_github_enterprise_api_base() -> None:
    for value, api in (
        ("ghe.example.com?owner=a&repo=b", "https://ghe.example.com/api/v3"),
        ("bare.example.com?owner=a&repo=b", "https://bare.example.com/api/v3"),
        ("github.com?owner=a&repo=b", "https://api.github.com"),
    ):
        provider = provider_for(parse_repo_url(value, INTEGRATIONS), INTEGRATIONS)
        assert provider.api_base_url == api
        provider.close()


def test_github_get_retries_5xx_with_backoff(
    router: respx.MockRouter, github: GitHubProvider, sleeps: list[float]
) -> None:
    route = router.get(GH_PULLS)
    route.side_effect = [httpx.Response(502), httpx.Response(503), httpx.Response(200, json=[])]
    assert github.find_open("pagerduty/x", "main") is None
    assert route.call_count == 3
    assert sleeps == [0.5, 1.0]


def test_github_get_gives_up_with_the_hosts_message(
    router: respx.MockRouter, github: GitHubProvider
) -> None:
    route = router.get(GH_PULLS).respond(503, json={"message": "Server Error: try later"})
    with pytest.raises(ScmUnavailableError) as err:
        github.find_open("pagerduty/x", "main")
    assert route.call_count == 3
    assert "Server Error: try later" in err.value.message
    assert err.value.retryable


def test_github_post_is_never_retried(
    router: respx.MockRouter, github: GitHubProvider, sleeps: list[float]
) -> None:
    route = router.post(GH_PULLS).respond(502, text="bad gateway")
    with pytest.raises(ScmUnavailableError):
        github.create("pagerduty/x", "main", "T", "b", False)
    assert route.call_count == 1
    assert sleeps == []


def test_github_post_timeout_says_it_may_have_been_applied(
    router: respx.MockRouter, github: GitHubProvider
) -> None:
    route = router.post(GH_PULLS).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ScmUnavailableError, match="may have been applied"):
        github.create("pagerduty/x", "main", "T", "b", False)
    assert route.call_count == 1


def test_github_post_is_resent_when_the_connection_never_opened(
    router: respx.MockRouter, github: GitHubProvider, sleeps: list[float]
) -> None:
    """Nothing reached GitHub, so nothing can be duplicated: the one retry rule of every
    outbound client (outbound/retry.py)."""
    route = router.post(GH_PULLS)
    route.side_effect = [httpx.ConnectError("refused"), httpx.Response(201, json=gh_pull())]
    pr = github.create("pagerduty/x", "main", "T", "b", False)
    assert pr.created and route.call_count == 2
    assert sleeps == [0.5]


def test_github_get_timeout_retried(router: respx.MockRouter, github: GitHubProvider) -> None:
    route = router.get(GH_PULLS)
    route.side_effect = [httpx.ConnectTimeout("x"), httpx.Response(200, json=[gh_pull()])]
    assert github.find_open("pagerduty/x", "main") is not None


@pytest.mark.parametrize("status", [401, 403])
def test_github_auth_error_names_the_integration(
    router: respx.MockRouter, github: GitHubProvider, status: int
) -> None:
    router.get(GH_PULLS).respond(status, json={"message": f"Bad credentials {TOKEN}"})
    with pytest.raises(ScmAuthError) as err:
        github.find_open("pagerduty/x", "main")
    assert "integrations.github[host=github.com]" in err.value.message
    assert str(status) in err.value.message
    assert TOKEN not in str(err.value) and TOKEN not in repr(err.value)


def test_github_rate_limit_is_unavailable_not_auth(
    router: respx.MockRouter, github: GitHubProvider
) -> None:
    router.post(GH_PULLS).respond(
        403, json={"message": "API rate limit exceeded"}, headers={"x-ratelimit-remaining": "0"}
    )
    with pytest.raises(ScmUnavailableError, match="rate limit"):
        github.create("pagerduty/x", "main", "T", "b", False)


def test_github_404_is_repository_not_found(
    router: respx.MockRouter, github: GitHubProvider
) -> None:
    router.get(GH_PULLS).respond(404, json={"message": "Not Found"})
    with pytest.raises(RepositoryNotFoundError) as err:
        github.find_open("pagerduty/x", "main")
    assert "github.com/acme/payments" in err.value.message
    assert err.value.status == 404


def test_github_malformed_answer(router: respx.MockRouter, github: GitHubProvider) -> None:
    router.post(GH_PULLS).respond(201, json={"number": 1})
    with pytest.raises(PullRequestError, match="without number"):
        github.create("pagerduty/x", "main", "T", "b", False)


def test_provider_repr_has_no_token(github: GitHubProvider) -> None:
    assert TOKEN not in repr(github)


# -- GitLab -----------------------------------------------------------------------------------


def test_gitlab_find_open(router: respx.MockRouter, gitlab: GitLabProvider) -> None:
    route = router.get(url__startswith=GL_MRS).respond(200, json=[gl_mr()])
    pr = gitlab.find_open("pagerduty/x", "main")
    assert pr is not None and (pr.number, pr.head, pr.base) == (3, "pagerduty/x", "main")
    request = route.calls.last.request
    assert request.url.raw_path.startswith(b"/api/v4/projects/group%2Fsub%2Fsvc/merge_requests?")
    assert dict(request.url.params) == {
        "source_branch": "pagerduty/x",
        "target_branch": "main",
        "state": "opened",
    }
    assert request.headers["PRIVATE-TOKEN"] == GL_TOKEN
    assert "Authorization" not in request.headers


def test_gitlab_create_draft_uses_title_prefix(
    router: respx.MockRouter, gitlab: GitLabProvider
) -> None:
    route = router.post(GL_MRS).respond(201, json=gl_mr(5, "Draft: Add PagerDuty"))
    pr = gitlab.create("pagerduty/x", "main", "Add PagerDuty", "body", True)
    assert (pr.number, pr.created, pr.draft) == (5, True, True)
    request = route.calls.last.request
    assert request.url.raw_path == b"/api/v4/projects/group%2Fsub%2Fsvc/merge_requests"
    assert json.loads(request.content) == {
        "source_branch": "pagerduty/x",
        "target_branch": "main",
        "title": "Draft: Add PagerDuty",
        "description": "body",
    }


def test_gitlab_update_keeps_draft_prefix(router: respx.MockRouter, gitlab: GitLabProvider) -> None:
    route = router.put(f"{GL_MRS}/5").respond(200, json=gl_mr(5, "Draft: New"))
    existing = PullRequest(5, "u", "pagerduty/x", "main", draft=True)
    gitlab.update(existing, "New", "b2")
    request = route.calls.last.request
    assert request.method == "PUT"
    assert json.loads(request.content) == {"title": "Draft: New", "description": "b2"}


def test_gitlab_create_conflict_returns_existing(
    router: respx.MockRouter, gitlab: GitLabProvider
) -> None:
    router.post(GL_MRS).respond(
        409, json={"message": ["Another open merge request already exists for this source branch"]}
    )
    router.get(url__startswith=GL_MRS).respond(200, json=[gl_mr(2)])
    pr = gitlab.create("pagerduty/x", "main", "T", "b", False)
    assert (pr.number, pr.created) == (2, False)


def test_gitlab_401_names_integration(router: respx.MockRouter, gitlab: GitLabProvider) -> None:
    router.post(GL_MRS).respond(401, json={"message": "401 Unauthorized"})
    with pytest.raises(ScmAuthError) as err:
        gitlab.create("pagerduty/x", "main", "T", "b", False)
    assert "integrations.gitlab[host=gitlab.example.com]" in err.value.message
    assert GL_TOKEN not in str(err.value)


# -- provider_for -----------------------------------------------------------------------------


def test_provider_for_refuses_local_and_unlisted(tmp_path: Any) -> None:
    (tmp_path / "r.git").mkdir()
    local = parse_repo_url(str(tmp_path / "r.git"), {"local": [{"root": str(tmp_path)}]})
    with pytest.raises(PullRequestError, match="no pull-request API"):
        provider_for(local, {})
    hosted = parse_repo_url("github.com?owner=a&repo=b", INTEGRATIONS)
    with pytest.raises(HostNotAllowedError):
        provider_for(hosted, {"github": [{"host": "other.example.com", "token": "x"}]})


def test_provider_for_needs_a_token() -> None:
    loc = parse_repo_url("notoken.example.com?owner=a&repo=b", INTEGRATIONS)
    with pytest.raises(ScmAuthError, match=r"integrations.github\[host=notoken.example.com\]"):
        provider_for(loc, INTEGRATIONS)


def test_injected_transport_is_used() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    loc = parse_repo_url("github.com?owner=acme&repo=payments", INTEGRATIONS)
    provider = provider_for(loc, INTEGRATIONS, transport=httpx.MockTransport(handler))
    assert provider.find_open("pagerduty/x", "main") is None
    provider.close()
    assert [r.url.path for r in seen] == ["/repos/acme/payments/pulls"]
