"""deliver() end to end: real git remotes, respx for the host APIs."""

from __future__ import annotations

import difflib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from scm_git_helpers import CATALOG, FAKE_TOKEN, Remote, git, make_remote

from pagerduty_actions.scm import (
    DeliveryRequest,
    DeliveryResult,
    EditOutcome,
    HostAccess,
    HostNotAllowedError,
    InvalidDeliveryError,
    PushConflictError,
    RepoLocation,
    RepositoryFileNotFoundError,
    ScmAuthError,
    ScmError,
    UnsafePathError,
    deliver,
    parse_repo_url,
)

GH_PULLS = "https://api.github.com/repos/acme/payments/pulls"
GL_MRS = "https://gitlab.example.com/api/v4/projects/group%2Fsvc/merge_requests"
ANNOTATION = "pagerduty.com/service-id: PABC123"


def annotate(old: str) -> EditOutcome:
    """An idempotent edit in the file's own newline style, like the catalog editor's."""
    if ANNOTATION in old:
        return EditOutcome(old, False, "")
    nl = "\r\n" if "\r\n" in old else "\n"
    new = old.replace(f"  name: payments{nl}", f"  name: payments{nl}  annotations:{nl}"
                      f"    {ANNOTATION}{nl}", 1)  # fmt: skip
    diff = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "a/x", "b/x"))
    return EditOutcome(new, new != old, diff)


EXPECTED = CATALOG.replace(
    b"  name: payments\r\n",
    b"  name: payments\r\n  annotations:\r\n    pagerduty.com/service-id: PABC123\r\n",
)


@pytest.fixture
def integrations(tmp_path: Path) -> dict[str, Any]:
    return {
        "github": [{"host": "github.com", "token": FAKE_TOKEN}],
        "gitlab": [{"host": "gitlab.example.com", "token": FAKE_TOKEN}],
        "local": [{"root": str(tmp_path / "remotes")}],
    }


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mock:
        yield mock


def local_location(remote: Remote, integrations: dict[str, Any]) -> RepoLocation:
    return parse_repo_url(str(remote.path), integrations)


def deliver_local(
    remote: Remote, integrations: dict[str, Any], edit: Any, **fields: Any
) -> DeliveryResult[Any]:
    """One edit of ``path`` (catalog-info.yaml unless given) delivered to the local remote;
    ``fields`` are the request's others."""
    path = fields.pop("path", "catalog-info.yaml")
    location = local_location(remote, integrations)
    return deliver(DeliveryRequest(location, {path: edit}, integrations, **fields))


def gh_pull(number: int, head: str = "pagerduty/annotate-payments") -> dict[str, Any]:
    return {
        "number": number,
        "html_url": f"https://github.com/acme/payments/pull/{number}",
        "head": {"ref": head},
        "base": {"ref": "main"},
        "draft": False,
    }


def deliver_github(
    remote: Remote,
    integrations: dict[str, Any],
    scm_tmp: Path,
    *,
    edit: Any = annotate,
    provider: Any = None,
    transport: httpx.BaseTransport | None = None,
    **kw: Any,
) -> DeliveryResult[Any]:
    """A pull request on github.com for the remote (cloned from disk); ``kw`` overrides the
    request's fields."""
    args: dict[str, Any] = {
        "mode": "pull-request",
        "branch_name": "annotate-payments",
        "title": "Add PagerDuty annotations",
        "body": "Adds pagerduty.com/service-id.",
        "commit_message": "Add PagerDuty annotations to payments",
        "work_dir": scm_tmp,
    }
    args.update(kw)
    location = parse_repo_url("github.com?owner=acme&repo=payments", integrations)
    request = DeliveryRequest(location, {"catalog-info.yaml": edit}, integrations, **args)
    return deliver(request, HostAccess(remote.url, provider, transport))


# -- commit mode ------------------------------------------------------------------------------


def test_commit_pushes_exactly_the_edit(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    before = remote.tip()
    seen: list[str] = []

    def edit(old: str) -> EditOutcome:
        seen.append(old)
        return annotate(old)

    result = deliver_local(
        remote, integrations, edit, commit_message="Add PagerDuty annotations", work_dir=scm_tmp
    )
    assert seen == [CATALOG.decode()]  # CRLF reaches the edit untouched
    assert result.changed and result.pushed and not result.dry_run
    assert result.branch == result.base_branch == "main"
    assert result.commit_sha == remote.tip()
    assert result.files == ("catalog-info.yaml",)
    assert result.pull_request_url is None and result.pull_request_number is None
    assert "+    pagerduty.com/service-id: PABC123" in result.diff
    assert remote.read("catalog-info.yaml") == EXPECTED
    assert remote.count() == 2
    assert remote.changed_files(result.commit_sha) == ["catalog-info.yaml"]
    assert remote.log()[0] == (
        "pagerduty-actions <pagerduty-actions@noreply.invalid>|Add PagerDuty annotations"
    )
    assert remote.log(fmt="%P")[0] == before
    assert list(scm_tmp.iterdir()) == []


def test_rerun_without_change_makes_no_commit(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    loc = local_location(remote, integrations)
    request = DeliveryRequest(
        loc, {"catalog-info.yaml": annotate}, integrations, commit_message="annotate",
        work_dir=scm_tmp,
    )  # fmt: skip
    deliver(request)
    tip = remote.tip()
    again = deliver(request)
    assert (again.changed, again.commit_sha, again.pushed, again.diff) == (False, None, False, "")
    assert remote.tip() == tip and remote.count() == 2


def test_edit_saying_unchanged_is_trusted(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    result = deliver_local(
        remote,
        integrations,
        lambda old: EditOutcome(old + "x", False, ""),
        commit_message="m",
        work_dir=scm_tmp,
    )
    assert not result.changed and remote.count() == 1


def test_commit_to_a_named_branch_and_custom_author(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    remote.push_commit({"r.txt": b"r"}, branch="release")
    result = deliver_local(
        remote,
        integrations,
        annotate,
        branch="release",
        commit_message="annotate release",
        author={"name": "Jane", "email": "jane@example.invalid"},
        work_dir=scm_tmp,
    )
    assert result.branch == "release" and remote.tip("release") == result.commit_sha
    assert remote.read("catalog-info.yaml", "release") == EXPECTED
    assert remote.read("catalog-info.yaml") == CATALOG
    assert remote.log("release")[0] == "Jane <jane@example.invalid>|annotate release"


def test_dry_run_reports_the_diff_and_pushes_nothing(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    result = deliver_local(
        remote, integrations, annotate, commit_message="m", dry_run=True, work_dir=scm_tmp
    )
    assert result.changed and result.dry_run and not result.pushed
    assert result.commit_sha is None and ANNOTATION in result.diff
    assert remote.count() == 1 and remote.branches() == ["main"]


def test_bom_and_line_endings_survive(tmp_path: Path, scm_tmp: Path) -> None:
    data = b"\xef\xbb\xbfkind: Component\r\nmetadata:\n  name: payments\r\n"
    remote = make_remote(tmp_path / "remotes", {"c.yaml": data})
    integ = {"local": [{"root": str(tmp_path / "remotes")}]}

    def edit(old: str) -> EditOutcome[None]:
        assert old.startswith("\ufeff")
        return EditOutcome(old.replace("payments", "billing"), True, "d")

    location = parse_repo_url(str(remote.path), integ)
    deliver(
        DeliveryRequest(location, {"c.yaml": edit}, integ, commit_message="m", work_dir=scm_tmp)
    )
    assert remote.read("c.yaml") == data.replace(b"payments", b"billing")


def test_what_an_edit_reports_comes_back_in_the_result(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    """The report of an edit's last run, under the path as the request spelled it; a diff
    that does not end a line is given its newline."""
    runs: list[str] = []

    def edit(old: str) -> EditOutcome[str]:
        runs.append(old)
        if len(runs) == 1:  # another commit lands between clone and push: the edit runs again
            remote.push_commit({"docs/x.txt": b"moved\n"}, message="other")
        return EditOutcome(old + "more\n", True, "diff", report=f"run {len(runs)}")

    result = deliver_local(
        remote, integrations, edit, path="./README.md", commit_message="m", work_dir=scm_tmp
    )
    assert result.changed and remote.read("README.md") == b"# payments\nmore\n"
    assert result.diff == "diff\n" and result.files == ("README.md",)
    assert dict(result.reports) == {"./README.md": "run 2"}


def test_non_utf8_file_is_refused(tmp_path: Path, scm_tmp: Path) -> None:
    remote = make_remote(tmp_path / "remotes", {"c.yaml": b"name: \xff\n"})
    integ = {"local": [{"root": str(tmp_path / "remotes")}]}
    location = parse_repo_url(str(remote.path), integ)
    edits = {"c.yaml": annotate}
    with pytest.raises(ScmError, match="not UTF-8"):
        deliver(DeliveryRequest(location, edits, integ, commit_message="m", work_dir=scm_tmp))


# -- several files (the sync) -----------------------------------------------------------------


def test_several_files_make_one_commit(tmp_path: Path, scm_tmp: Path) -> None:
    remote = make_remote(
        tmp_path / "remotes",
        {"a/catalog-info.yaml": b"a: 1\n", "b/catalog-info.yaml": b"b: 1\n", "c.yaml": b"c\n"},
    )
    integ = {"local": [{"root": str(tmp_path / "remotes")}]}
    result = deliver(
        DeliveryRequest(
            parse_repo_url(str(remote.path), integ),
            {
                "a/catalog-info.yaml": lambda old: EditOutcome(
                    old.replace("1", "2"), True, "da", 1
                ),
                "b/catalog-info.yaml": lambda old: EditOutcome(
                    old.replace("1", "2"), True, "db", 2
                ),
                "c.yaml": lambda old: EditOutcome(old, False, "", 3),
            },
            integ,
            commit_message="sync dependencies",
            work_dir=scm_tmp,
        )
    )
    assert result.files == ("a/catalog-info.yaml", "b/catalog-info.yaml")
    assert result.diff == "da\ndb\n"
    assert dict(result.reports) == {"a/catalog-info.yaml": 1, "b/catalog-info.yaml": 2, "c.yaml": 3}
    assert remote.count() == 2
    assert remote.changed_files(str(result.commit_sha)) == [
        "a/catalog-info.yaml",
        "b/catalog-info.yaml",
    ]


# -- refusals before any git or HTTP ----------------------------------------------------------


@pytest.fixture
def no_git(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("git was run")

    monkeypatch.setattr("git.cmd.Git.execute", refuse)


@pytest.mark.usefixtures("no_git")
@pytest.mark.parametrize("path", ["../x.yaml", "/etc/passwd", ".git/hooks/post-commit", ""])
def test_unsafe_paths_are_refused_before_cloning(
    remote: Remote, integrations: dict[str, Any], path: str
) -> None:
    with pytest.raises(UnsafePathError) as err:
        deliver_local(remote, integrations, annotate, path=path, commit_message="m")
    assert err.value.field == "catalogPath"


@pytest.mark.usefixtures("no_git")
def test_unlisted_locations_are_refused_before_cloning(
    router: respx.MockRouter, remote: Remote, tmp_path: Path
) -> None:
    hand_made = RepoLocation("github", "evil.example.com", "a", "b", remote.url)
    outside = RepoLocation("local", "", "", "x", remote.url, remote.path)
    for location, integ in (
        (hand_made, {"github": [{"host": "github.com", "token": FAKE_TOKEN}]}),
        (outside, {"local": [{"root": str(tmp_path / "elsewhere")}]}),
    ):
        with pytest.raises(HostNotAllowedError):
            deliver(
                DeliveryRequest(
                    location,
                    {"catalog-info.yaml": annotate},
                    integ,
                    commit_message="m",
                    mode="pull-request",
                    title="t",
                )
            )
    assert not router.calls


@pytest.mark.usefixtures("no_git")
def test_incomplete_requests(remote: Remote, integrations: dict[str, Any]) -> None:
    loc = local_location(remote, integrations)
    edits = {"catalog-info.yaml": annotate}
    with pytest.raises(InvalidDeliveryError, match="title"):
        deliver(DeliveryRequest(loc, edits, integrations, commit_message="m", mode="pull-request"))
    with pytest.raises(InvalidDeliveryError, match="commit message"):
        deliver(DeliveryRequest(loc, edits, integrations, commit_message=" "))
    with pytest.raises(InvalidDeliveryError, match="mode"):
        deliver(DeliveryRequest(loc, edits, integrations, commit_message="m", mode="push"))  # type: ignore[arg-type]


def test_missing_file_lists_catalog_files(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    with pytest.raises(RepositoryFileNotFoundError) as err:
        deliver_local(
            remote,
            integrations,
            annotate,
            path="services/catalog-info.yaml",
            commit_message="m",
            work_dir=scm_tmp,
        )
    assert err.value.candidates == ["catalog-info.yaml"]
    assert "catalog-info.yaml" in err.value.message and err.value.status == 404
    assert remote.count() == 1


def test_symlink_out_of_the_repository_is_refused(tmp_path: Path, scm_tmp: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_bytes(b"name: payments\n")
    remote = make_remote(tmp_path / "remotes", {"README.md": b"r\n"}, symlinks={"c.yaml": outside})
    integ = {"local": [{"root": str(tmp_path / "remotes")}]}
    with pytest.raises(UnsafePathError, match="outside"):
        deliver(
            DeliveryRequest(
                parse_repo_url(str(remote.path), integ),
                {"c.yaml": lambda old: EditOutcome(old + "x", True, "")},
                integ,
                commit_message="m",
                work_dir=scm_tmp,
            )
        )
    assert outside.read_bytes() == b"name: payments\n"


# -- races ------------------------------------------------------------------------------------


def test_push_race_is_survived_by_reapplying(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    calls: list[str] = []

    def racing_edit(old: str) -> EditOutcome:
        calls.append(old)
        if len(calls) == 1:  # another commit lands between clone and push
            remote.push_commit({"README.md": b"# payments, edited elsewhere\n"}, message="other")
        return annotate(old)

    result = deliver_local(
        remote, integrations, racing_edit, commit_message="annotate", work_dir=scm_tmp
    )
    assert len(calls) == 2 and result.changed and result.pushed
    assert remote.log(fmt="%s") == ["annotate", "other", "seed"]
    assert remote.read("README.md") == b"# payments, edited elsewhere\n"
    assert remote.read("catalog-info.yaml") == EXPECTED
    assert remote.changed_files(str(result.commit_sha)) == ["catalog-info.yaml"]


def test_second_race_is_a_push_conflict(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    def always_racing(old: str) -> EditOutcome:
        remote.push_commit({"README.md": os.urandom(8)}, message="other")
        return annotate(old)

    with pytest.raises(PushConflictError) as err:
        deliver_local(
            remote, integrations, always_racing, commit_message="annotate", work_dir=scm_tmp
        )
    assert err.value.status == 409 and "run the action again" in err.value.message
    assert "annotate" not in remote.log(fmt="%s")
    assert list(scm_tmp.iterdir()) == []


def test_race_with_the_same_change_ends_unchanged(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    calls = 0

    def edit(old: str) -> EditOutcome:
        nonlocal calls
        calls += 1
        if calls == 1:
            remote.push_commit({"catalog-info.yaml": EXPECTED}, message="same, by hand")
        return annotate(old)

    result = deliver_local(remote, integrations, edit, commit_message="annotate", work_dir=scm_tmp)
    assert not result.changed and result.commit_sha is None
    assert remote.log(fmt="%s") == ["same, by hand", "seed"]


# -- pull requests: GitHub --------------------------------------------------------------------


def test_github_pull_request_is_opened(
    router: respx.MockRouter, remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    find = router.get(GH_PULLS).respond(200, json=[])
    create = router.post(GH_PULLS).respond(201, json=gh_pull(12))
    result = deliver_github(remote, integrations, scm_tmp, draft=True)
    assert result.changed and result.pushed and result.pull_request_created
    assert result.pull_request_url == "https://github.com/acme/payments/pull/12"
    assert result.pull_request_number == 12
    assert result.branch == "pagerduty/annotate-payments" and result.base_branch == "main"
    # The branch holds the edit on top of main; main itself is untouched.
    assert remote.read("catalog-info.yaml", "pagerduty/annotate-payments") == EXPECTED
    assert remote.tip("pagerduty/annotate-payments") == result.commit_sha
    assert remote.read("catalog-info.yaml") == CATALOG and remote.count() == 1
    assert remote.count("pagerduty/annotate-payments") == 2
    # Exactly one lookup and one create, with GitHub's headers and this body.
    assert [c.request.method for c in router.calls] == ["GET", "POST"]
    lookup = find.calls.last.request
    assert dict(lookup.url.params) == {
        "head": "acme:pagerduty/annotate-payments",
        "base": "main",
        "state": "open",
    }
    request = create.calls.last.request
    assert request.url.path == "/repos/acme/payments/pulls"
    assert request.headers["Authorization"] == f"Bearer {FAKE_TOKEN}"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert json.loads(request.content) == {
        "title": "Add PagerDuty annotations",
        "head": "pagerduty/annotate-payments",
        "base": "main",
        "body": "Adds pagerduty.com/service-id.",
        "draft": True,
    }


def test_github_second_run_updates_the_open_pull_request(
    router: respx.MockRouter, remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    router.get(GH_PULLS).respond(200, json=[])
    router.post(GH_PULLS).respond(201, json=gh_pull(12))
    first = deliver_github(remote, integrations, scm_tmp)
    router.reset()
    router.routes.clear()
    find = router.get(GH_PULLS).respond(200, json=[gh_pull(12)])
    create = router.post(GH_PULLS).respond(201, json=gh_pull(13))
    patch = router.patch(f"{GH_PULLS}/12").respond(200, json=gh_pull(12))
    second = deliver_github(remote, integrations, scm_tmp, title="New title", body="New body")
    assert not create.called and find.call_count == 1 and patch.call_count == 1
    assert json.loads(patch.calls.last.request.content) == {"title": "New title",
                                                            "body": "New body"}  # fmt: skip
    assert second.changed and not second.pull_request_created
    assert second.pull_request_number == 12
    # The branch already held exactly this change: nothing new was pushed.
    assert not second.pushed and second.commit_sha == first.commit_sha
    assert remote.tip("pagerduty/annotate-payments") == first.commit_sha


def test_github_rerun_after_base_moved_rebuilds_our_branch(
    router: respx.MockRouter, remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    router.get(GH_PULLS).respond(200, json=[])
    router.post(GH_PULLS).respond(201, json=gh_pull(12))
    first = deliver_github(remote, integrations, scm_tmp)
    new_main = remote.push_commit({"docs/new.md": b"new\n"}, message="docs")
    router.routes.clear()
    router.get(GH_PULLS).respond(200, json=[gh_pull(12)])
    create = router.post(GH_PULLS).respond(201, json=gh_pull(13))
    patch = router.patch(f"{GH_PULLS}/12").respond(200, json=gh_pull(12))
    second = deliver_github(remote, integrations, scm_tmp)
    assert second.pushed and second.commit_sha != first.commit_sha
    assert not create.called and patch.called
    branch = "pagerduty/annotate-payments"
    assert remote.log(branch, fmt="%P")[0] == new_main  # reset to base + edit, not stacked
    assert remote.count(branch) == 3
    assert remote.read("catalog-info.yaml", branch) == EXPECTED


def test_github_no_change_means_no_api_call(
    router: respx.MockRouter, remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    remote.push_commit({"catalog-info.yaml": EXPECTED}, message="already annotated")
    result = deliver_github(remote, integrations, scm_tmp)
    assert not result.changed and result.pull_request_url is None and not result.pushed
    assert not router.calls
    assert remote.branches() == ["main"]


def test_github_401_is_an_auth_error_and_nothing_is_pushed(
    router: respx.MockRouter, remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    router.get(GH_PULLS).respond(401, json={"message": "Bad credentials"})
    with pytest.raises(ScmAuthError) as err:
        deliver_github(remote, integrations, scm_tmp)
    assert "github.com" in err.value.message
    assert "integrations.github[host=github.com]" in err.value.message
    assert remote.branches() == ["main"]


def test_token_never_leaks(
    router: respx.MockRouter,
    remote: Remote,
    integrations: dict[str, Any],
    scm_tmp: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Scan the temp clone's .git/config, every file of the workspace, logs and errors."""
    caplog.set_level(logging.DEBUG)
    router.get(GH_PULLS).respond(200, json=[])
    router.post(GH_PULLS).respond(500, json={"message": f"echo {FAKE_TOKEN}"})
    scanned: list[Path] = []

    def inspecting_edit(old: str) -> EditOutcome:
        for path in scm_tmp.rglob("*"):
            if path.is_file() and not path.is_symlink():
                assert FAKE_TOKEN.encode() not in path.read_bytes(), path
                scanned.append(path)
        return annotate(old)

    with pytest.raises(ScmError) as err:
        deliver_github(remote, integrations, scm_tmp, edit=inspecting_edit)
    assert any(p.name == "config" and p.parent.name == ".git" for p in scanned)
    texts = [str(err.value), repr(err.value), err.value.message, caplog.text]
    for text in texts:
        assert FAKE_TOKEN not in text
    assert list(scm_tmp.iterdir()) == []


# -- pull requests: GitLab and local ----------------------------------------------------------


def test_gitlab_merge_request_then_update(
    router: respx.MockRouter, remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    location = parse_repo_url("https://gitlab.example.com/group/svc", integrations)
    mr = {
        "iid": 4,
        "web_url": "https://gitlab.example.com/group/svc/-/merge_requests/4",
        "source_branch": "pagerduty/pd",
        "target_branch": "main",
        "title": "Draft: PD",
    }
    find = router.get(url__startswith=GL_MRS).respond(200, json=[])
    create = router.post(GL_MRS).respond(201, json=mr)
    request = DeliveryRequest(
        location, {"catalog-info.yaml": annotate}, integrations, mode="pull-request",
        branch_name="pd", title="PD", body="b", draft=True, commit_message="m", work_dir=scm_tmp,
    )  # fmt: skip
    result = deliver(request, HostAccess(clone_url=remote.url))
    assert result.pull_request_number == 4 and result.pull_request_created
    assert find.calls.last.request.headers["PRIVATE-TOKEN"] == FAKE_TOKEN
    assert json.loads(create.calls.last.request.content) == {
        "source_branch": "pagerduty/pd",
        "target_branch": "main",
        "title": "Draft: PD",
        "description": "b",
    }
    router.reset()
    router.routes.clear()
    router.get(url__startswith=GL_MRS).respond(200, json=[mr])
    put = router.put(f"{GL_MRS}/4").respond(200, json=mr)
    again = deliver(request, HostAccess(clone_url=remote.url))
    assert again.pull_request_number == 4 and not again.pull_request_created
    assert json.loads(put.calls.last.request.content) == {"title": "Draft: PD", "description": "b"}
    assert [c.request.method for c in router.calls] == ["GET", "PUT"]


def test_local_pull_request_mode_pushes_the_branch_only(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    result = deliver_local(
        remote,
        integrations,
        annotate,
        mode="pull-request",
        title="Annotate payments",
        commit_message="m",
        work_dir=scm_tmp,
    )
    assert result.branch == "pagerduty/annotate-payments"
    assert result.pull_request_url is None and result.pull_request_number is None
    assert remote.read("catalog-info.yaml", "pagerduty/annotate-payments") == EXPECTED
    assert remote.read("catalog-info.yaml") == CATALOG


def test_injected_provider_is_used(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    from pagerduty_actions.scm import PullRequest

    class Recorder:
        def __init__(self) -> None:
            self.calls: list[tuple[Any, ...]] = []

        def find_open(self, head_branch: str, base: str) -> PullRequest | None:
            self.calls.append(("find", head_branch, base))
            return None

        def create(self, head: str, base: str, title: str, body: str, draft: bool) -> PullRequest:
            self.calls.append(("create", head, base, title, body, draft))
            return PullRequest(1, "https://example.invalid/1", head, base, created=True)

        def update(self, pr: PullRequest, title: str, body: str) -> PullRequest:
            raise AssertionError("no update expected")

    provider = Recorder()
    result = deliver_github(remote, integrations, scm_tmp, provider=provider)
    assert result.pull_request_url == "https://example.invalid/1"
    assert provider.calls == [
        ("find", "pagerduty/annotate-payments", "main"),
        ("create", "pagerduty/annotate-payments", "main", "Add PagerDuty annotations",
         "Adds pagerduty.com/service-id.", False),
    ]  # fmt: skip


def test_transport_injection_reaches_the_provider(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.method == "GET":
            return httpx.Response(200, json=[])
        return httpx.Response(201, json=gh_pull(3))

    result = deliver_github(remote, integrations, scm_tmp, transport=httpx.MockTransport(handler))
    assert result.pull_request_number == 3
    assert seen == ["GET /repos/acme/payments/pulls", "POST /repos/acme/payments/pulls"]


@pytest.mark.parametrize("branch_update", ["stack", "rebuild"])
def test_race_on_our_own_branch(
    remote: Remote,
    integrations: dict[str, Any],
    scm_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
    branch_update: str,
) -> None:
    """Another run creates our branch between our look at it and our push: the lease catches
    it. Stacking, our commit goes on top of that run's commit (its result named that commit:
    it must stay on the branch); rebuilding, the branch is retaken as base + our change."""
    from pagerduty_actions.scm import Workspace

    original = Workspace.fetch_branch_beyond
    raced: list[str] = []

    def racing(self: Workspace, branch: str, base: str) -> Any:
        tip = original(self, branch, base)
        if not raced:
            raced.append(remote.push_commit({"x.txt": b"other run\n"}, branch=branch))
        return tip

    monkeypatch.setattr(Workspace, "fetch_branch_beyond", racing)
    edits: list[str] = []

    def edit(old: str) -> EditOutcome:
        edits.append(old)
        return annotate(old)

    result = deliver_local(
        remote,
        integrations,
        edit,
        mode="pull-request",
        title="Annotate payments",
        commit_message="m",
        work_dir=scm_tmp,
        branch_update=branch_update,
    )
    branch = "pagerduty/annotate-payments"
    assert result.pushed and not result.superseded and remote.tip(branch) == result.commit_sha
    assert remote.read("catalog-info.yaml", branch) == EXPECTED
    assert remote.read("catalog-info.yaml") == CATALOG
    assert "+    pagerduty.com/service-id: PABC123\r\n" in result.diff  # against the base
    assert len(edits) == 2  # on the base, then again on the tip chosen after the race
    if branch_update == "stack":
        assert remote.log(branch, fmt="%H") == [result.commit_sha, raced[0], remote.tip()]
        assert remote.read("x.txt", branch) == b"other run\n"
    else:
        assert remote.log(branch, fmt="%H") == [result.commit_sha, remote.tip()]


def test_a_later_rebuild_on_a_moved_base_is_reported_as_superseding(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    """While we open the pull request, a later run rebuilds our branch on a base that moved:
    our commit is gone from the branch, and the result says so."""
    from pagerduty_actions.scm import PullRequest

    branch = "pagerduty/annotate-payments"
    later: list[str] = []

    class LaterRunMeanwhile:
        def find_open(self, head_branch: str, base: str) -> PullRequest | None:
            return None

        def create(self, head: str, base: str, title: str, body: str, draft: bool) -> PullRequest:
            remote.push_commit({"docs/new.md": b"new\n"}, message="base moved")
            later.append(rebuild_on_main(remote, branch))
            return PullRequest(1, "https://example.invalid/1", head, base, created=True)

        def update(self, pr: PullRequest, title: str, body: str) -> PullRequest:
            raise AssertionError("no update expected")

    result = deliver_github(remote, integrations, scm_tmp, provider=LaterRunMeanwhile())
    assert result.pushed and result.superseded
    assert remote.tip(branch) == later[0] != result.commit_sha


def test_a_later_run_stacking_on_ours_does_not_supersede_it(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    from pagerduty_actions.scm import PullRequest

    branch = "pagerduty/annotate-payments"

    class LaterRunMeanwhile:
        def find_open(self, head_branch: str, base: str) -> PullRequest | None:
            return None

        def create(self, head: str, base: str, title: str, body: str, draft: bool) -> PullRequest:
            remote.push_commit({"later.txt": b"later run\n"}, branch=branch)
            return PullRequest(1, "https://example.invalid/1", head, base, created=True)

        def update(self, pr: PullRequest, title: str, body: str) -> PullRequest:
            raise AssertionError("no update expected")

    result = deliver_github(
        remote, integrations, scm_tmp, provider=LaterRunMeanwhile(), branch_update="stack"
    )
    assert result.pushed and not result.superseded
    assert remote.log(branch, fmt="%H")[1] == result.commit_sha


def rebuild_on_main(remote: Remote, branch: str) -> str:
    """Play a later run that rebuilt ``branch`` on the base's tip: force it to a new commit
    on ``main``."""
    work = remote.scratch / f"rebuild-{len(list(remote.scratch.iterdir()))}"
    git("clone", "-q", remote.url, str(work), cwd=remote.scratch)
    (work / "rebuilt.txt").write_bytes(b"rebuilt\n")
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "rebuilt", cwd=work)
    git("push", "-q", "--force", "origin", f"HEAD:refs/heads/{branch}", cwd=work)
    return git("rev-parse", "HEAD", cwd=work)


def test_pull_request_branch_must_differ_from_base(
    remote: Remote, integrations: dict[str, Any], scm_tmp: Path
) -> None:
    remote.push_commit({"a.txt": b"a"}, branch="pagerduty/x")
    with pytest.raises(InvalidDeliveryError, match="also the base branch"):
        deliver_local(
            remote,
            integrations,
            annotate,
            mode="pull-request",
            title="t",
            branch="pagerduty/x",
            branch_name="x",
            commit_message="m",
            work_dir=scm_tmp,
        )
    assert list(scm_tmp.iterdir()) == []
