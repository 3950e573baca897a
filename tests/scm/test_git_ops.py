"""Workspaces against real git: shallow clones, credentials kept out of the checkout, pushes."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from scm_git_helpers import FAKE_TOKEN, Remote, git, make_remote

from pagerduty_actions.scm import (
    Author,
    BranchNotFoundError,
    GitCredentials,
    PushConflictError,
    RepoLocation,
    RepositoryNotFoundError,
    ScmAuthError,
    ScmUnavailableError,
    UnsafePathError,
    Workspace,
    branch_slug,
    credentials_for,
    our_branch,
)
from pagerduty_actions.scm.errors import InvalidBranchError


def local(remote: Remote) -> RepoLocation:
    return RepoLocation("local", "", "", "repo", remote.url, remote.path)


GITHUB = RepoLocation("github", "github.com", "acme", "payments", "https://x.invalid/a.git")
CREDS = GitCredentials("x-access-token", FAKE_TOKEN, "integrations.github[host=github.com]")


def test_shallow_clone_of_the_default_branch(remote: Remote, scm_tmp: Path) -> None:
    remote.push_commit({"later.txt": b"2\n"})
    remote.push_commit({"r.txt": b"r\n"}, branch="release")
    with Workspace(local(remote), tmp_root=scm_tmp) as ws:
        assert ws.base_branch == "main"
        assert (ws.root / "catalog-info.yaml").read_bytes() == remote.read("catalog-info.yaml")
        assert git("rev-parse", "--is-shallow-repository", cwd=ws.root) == "true"
        assert git("rev-list", "--count", "HEAD", cwd=ws.root) == "1"
        remotes = git("for-each-ref", "--format=%(refname)", "refs/remotes", cwd=ws.root)
        assert "refs/remotes/origin/release" not in remotes.split()
        assert ws.head_sha() == remote.tip()
    assert list(scm_tmp.iterdir()) == []


def test_default_branch_is_discovered(tmp_path: Path, scm_tmp: Path) -> None:
    remote = make_remote(tmp_path, {"a.txt": b"a"}, default_branch="trunk")
    with Workspace(local(remote), tmp_root=scm_tmp) as ws:
        assert ws.base_branch == "trunk"


def test_explicit_branch_and_missing_branch(remote: Remote, scm_tmp: Path) -> None:
    remote.push_commit({"r.txt": b"r"}, branch="release")
    with Workspace(local(remote), branch="release", tmp_root=scm_tmp) as ws:
        assert (ws.root / "r.txt").exists()
    with pytest.raises(BranchNotFoundError, match="'nope'"):
        Workspace(local(remote), branch="nope", tmp_root=scm_tmp).open()
    assert list(scm_tmp.iterdir()) == []


def test_missing_repository(tmp_path: Path, scm_tmp: Path) -> None:
    missing = tmp_path / "missing.git"
    loc = RepoLocation("local", "", "", "missing", missing.as_uri(), missing)
    with pytest.raises(RepositoryNotFoundError) as err, Workspace(loc, tmp_root=scm_tmp):
        pass
    assert err.value.status == 404
    assert list(scm_tmp.iterdir()) == []


def test_empty_repository(tmp_path: Path, scm_tmp: Path) -> None:
    remote = make_remote(tmp_path, {})
    with pytest.raises(RepositoryNotFoundError, match="no commits"):
        Workspace(local(remote), tmp_root=scm_tmp).open()


def test_commit_author_and_push(remote: Remote, scm_tmp: Path) -> None:
    author = {"name": "Backstage Bot", "email": "bot@example.invalid"}
    with Workspace(local(remote), author=author, tmp_root=scm_tmp) as ws:
        ws.write_bytes("catalog-info.yaml", b"changed\r\n")
        sha = ws.commit("Change it", ["catalog-info.yaml"])
        assert sha is not None
        ws.push("main")
    assert remote.tip() == sha
    assert remote.log()[0] == "Backstage Bot <bot@example.invalid>|Change it"
    assert remote.log(fmt="%cn <%ce>")[0] == "Backstage Bot <bot@example.invalid>"
    assert remote.read("catalog-info.yaml") == b"changed\r\n"
    assert remote.changed_files(sha) == ["catalog-info.yaml"]


def test_commit_without_changes_is_none(remote: Remote, scm_tmp: Path) -> None:
    with Workspace(local(remote), tmp_root=scm_tmp) as ws:
        ws.write_bytes("README.md", remote.read("README.md"))
        assert ws.commit("nothing", ["README.md"]) is None


def test_default_author(remote: Remote, scm_tmp: Path) -> None:
    assert Author.from_value(None) == Author(
        "pagerduty-actions", "pagerduty-actions@noreply.invalid"
    )
    assert Author.from_value({"name": "X"}).email == "pagerduty-actions@noreply.invalid"
    with pytest.raises(Exception, match="author"):
        Author.from_value({"name": "X <evil@example.invalid>"})


def test_workspace_paths_are_checked(remote: Remote, scm_tmp: Path, tmp_path: Path) -> None:
    with Workspace(local(remote), tmp_root=scm_tmp) as ws:
        for bad in ("../escape.txt", "/etc/hosts", ".git/config"):
            with pytest.raises(UnsafePathError):
                ws.write_bytes(bad, b"x")
        os.symlink(tmp_path, ws.root / "out")
        with pytest.raises(UnsafePathError):
            ws.write_bytes("out/escape.txt", b"x")
        assert ws.read_bytes("nothing-here.yaml") is None
    assert not (tmp_path / "escape.txt").exists()


def test_push_rejected_when_the_remote_moved(remote: Remote, scm_tmp: Path) -> None:
    with Workspace(local(remote), tmp_root=scm_tmp) as ws:
        ws.write_bytes("README.md", b"ours\n")
        ws.commit("ours", ["README.md"])
        other = remote.push_commit({"other.txt": b"o\n"})
        with pytest.raises(PushConflictError) as err:
            ws.push("main")
    assert err.value.status == 409 and err.value.retryable
    assert remote.tip() == other


def test_push_with_retry_reapplies_once(remote: Remote, scm_tmp: Path) -> None:
    calls: list[str] = []
    with Workspace(local(remote), tmp_root=scm_tmp) as ws:

        def reapply() -> bool:
            calls.append(ws.head_sha())
            ws.write_bytes("README.md", b"ours\n")
            return ws.commit("ours", ["README.md"]) is not None

        reapply()
        other = remote.push_commit({"other.txt": b"o\n"})
        assert ws.push_with_retry("main", reapply)
    assert calls[1] == other  # reapplied on the fresh tip
    assert remote.log() == [
        "pagerduty-actions <pagerduty-actions@noreply.invalid>|ours",
        "Seed <seed@example.invalid>|other",
        "Seed <seed@example.invalid>|seed",
    ]


def test_push_with_retry_keeps_going_until_it_wins(remote: Remote, scm_tmp: Path) -> None:
    """Four lost races in a row, then the branch stays still: the fifth push lands, on top
    of every other writer's commit."""
    others: list[str] = []
    waits: list[float] = []
    with Workspace(local(remote), tmp_root=scm_tmp) as ws:

        def reapply() -> bool:
            ws.write_bytes("README.md", b"ours\n")
            ok = ws.commit("ours", ["README.md"]) is not None
            if len(others) < 4:
                others.append(remote.push_commit({"other.txt": os.urandom(4)}, message="other"))
            return ok

        reapply()
        assert ws.push_with_retry("main", reapply, sleep=waits.append)
        assert remote.tip() == ws.head_sha()
    assert len(waits) == 4 and len(set(waits)) == 4  # jittered, one wait per lost race
    assert remote.log(fmt="%s") == ["ours", "other", "other", "other", "other", "seed"]


def test_push_with_retry_gives_up_after_its_attempts(remote: Remote, scm_tmp: Path) -> None:
    calls: list[str] = []
    with Workspace(local(remote), tmp_root=scm_tmp) as ws:

        def reapply() -> bool:
            calls.append(ws.head_sha())
            ws.write_bytes("README.md", b"ours\n")
            ok = ws.commit("ours", ["README.md"]) is not None
            remote.push_commit({"other.txt": os.urandom(4)})
            return ok

        reapply()
        with pytest.raises(PushConflictError, match="3 pushes in a row") as err:
            ws.push_with_retry("main", reapply, attempts=3, sleep=lambda _: None)
    assert err.value.status == 409 and "run the action again later" in err.value.message
    assert len(calls) == 3  # the first apply, then one re-apply per lost race but the last
    assert "ours" not in "".join(remote.log())


def test_a_held_ref_lock_is_a_lost_race_and_retried(remote: Remote, scm_tmp: Path) -> None:
    """Another push holding ``refs/heads/main.lock`` on the server: git says ``[remote
    rejected] (failed to update ref)`` / ``cannot lock ref``; we fetch, re-apply, push again."""
    lock = remote.path / "refs" / "heads" / "main.lock"
    with Workspace(local(remote), tmp_root=scm_tmp) as ws:
        ws.write_bytes("README.md", b"ours\n")
        ws.commit("ours", ["README.md"])
        lock.write_text("held by another push\n")
        with pytest.raises(PushConflictError):
            ws.push("main")

        def reapply() -> bool:
            lock.unlink(missing_ok=True)  # the other push finished
            ws.write_bytes("README.md", b"ours\n")
            return ws.commit("ours", ["README.md"]) is not None

        assert ws.push_with_retry("main", reapply, sleep=lambda _: None)
    assert remote.log(fmt="%s") == ["ours", "seed"]


def test_a_branch_name_clash_is_an_input_error_not_a_race(remote: Remote, scm_tmp: Path) -> None:
    remote.push_commit({"a.txt": b"a"}, branch="pagerduty/x")
    with Workspace(local(remote), tmp_root=scm_tmp) as ws:
        ws.write_bytes("README.md", b"ours\n")
        ws.commit("ours", ["README.md"])
        with pytest.raises(InvalidBranchError, match="'pagerduty/x' exists") as err:
            ws.push("pagerduty/x/y", force_with_lease="")
    assert err.value.status == 400 and "choose another branch name" in err.value.message


def test_force_is_refused_for_branches_we_do_not_own(remote: Remote, scm_tmp: Path) -> None:
    with Workspace(local(remote), tmp_root=scm_tmp) as ws:
        for branch in ("main", "feature/x", "pagerduty/"):
            with pytest.raises(ValueError, match="refusing to force-update"):
                ws.push(branch, force_with_lease="")


def test_force_with_lease_protects_our_branch(remote: Remote, scm_tmp: Path) -> None:
    with Workspace(local(remote), tmp_root=scm_tmp) as ws:
        ws.write_bytes("README.md", b"v1\n")
        ws.commit("v1", ["README.md"])
        ws.push("pagerduty/x", force_with_lease="")
        first = remote.tip("pagerduty/x")
        # "must not exist" now fails: the branch exists.
        ws.write_bytes("README.md", b"v1b\n")
        ws.commit("v1b", ["README.md"])
        with pytest.raises(PushConflictError):
            ws.push("pagerduty/x", force_with_lease="")
        ws.reset_to(ws.fetch_branch("main"))
        ws.write_bytes("README.md", b"v2\n")
        ws.commit("v2", ["README.md"])
        assert first is not None
        ws.push("pagerduty/x", force_with_lease=first)
    assert remote.read("README.md", "pagerduty/x") == b"v2\n"
    assert remote.count("pagerduty/x") == 2  # rebuilt on main, not stacked


def test_branch_names() -> None:
    assert (
        branch_slug("Add PagerDuty: payments/API ünïcode!") == "add-pagerduty-payments-api-unicode"
    )
    assert branch_slug("***") == "change"
    assert len(branch_slug("x" * 200)) == 60
    assert our_branch("annotate-payments") == "pagerduty/annotate-payments"
    assert our_branch("pagerduty/sync") == "pagerduty/sync"
    for bad in ("a..b", "x.lock", "a b", "a//b", "x/", "a/.b", "@{x}", "a~1", "a:b"):
        with pytest.raises(InvalidBranchError):
            our_branch(bad)
    for bad in ("bad..name", "-upload-pack=x", "HEAD"):
        with pytest.raises(InvalidBranchError):
            Workspace(GITHUB, branch=bad)


def test_credentials_for_integrations() -> None:
    integ = {"github": [{"host": "github.com", "token": FAKE_TOKEN}]}
    creds = credentials_for(GITHUB, integ)
    assert creds is not None
    assert (creds.username, creds.token) == ("x-access-token", FAKE_TOKEN)
    assert FAKE_TOKEN not in repr(creds)
    assert credentials_for(GITHUB, {"github": [{"host": "github.com"}]}) is None
    gitlab = RepoLocation("gitlab", "gl.example.com", "g", "r", "https://gl.example.com/g/r.git")
    gl = credentials_for(gitlab, {"gitlab": [{"host": "gl.example.com", "token": "glpat-abc"}]})
    assert gl is not None and gl.username == "oauth2"


def test_token_never_lands_in_the_checkout(remote: Remote, scm_tmp: Path) -> None:
    with Workspace(local(remote), credentials=CREDS, tmp_root=scm_tmp) as ws:
        ws.write_bytes("README.md", b"x\n")
        ws.commit("x", ["README.md"])
        ws.push("main")
        config = (ws.root / ".git" / "config").read_bytes()
        assert FAKE_TOKEN.encode() not in config
        assert b"extraheader" not in config.lower()
        everything = b"".join(
            p.read_bytes() for p in scm_tmp.rglob("*") if p.is_file() and not p.is_symlink()
        )
        assert FAKE_TOKEN.encode() not in everything
    assert list(scm_tmp.iterdir()) == []


# -- over http: what git sends, and how failures are reported ---------------------------------


class _GitHost(BaseHTTPRequestHandler):
    """Answers every git smart-HTTP request with a fixed status, recording Authorization."""

    status = 401
    seen: list[str | None]

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Authorization"))
        self.send_response(self.status)
        if self.status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def git_host() -> Iterator[tuple[str, type[_GitHost]]]:
    handler = type("Handler", (_GitHost,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/acme/payments.git", handler
    server.shutdown()
    server.server_close()


def test_git_sends_the_token_via_askpass_and_401_is_an_auth_error(
    git_host: tuple[str, type[_GitHost]], scm_tmp: Path
) -> None:
    url, handler = git_host
    with pytest.raises(ScmAuthError) as err:
        Workspace(GITHUB, credentials=CREDS, clone_url=url, tmp_root=scm_tmp).open()
    expected = "Basic " + base64.b64encode(f"x-access-token:{FAKE_TOKEN}".encode()).decode()
    assert expected in handler.seen
    message = str(err.value)
    assert "github.com" in message and "integrations.github[host=github.com]" in message
    assert FAKE_TOKEN not in message and FAKE_TOKEN not in repr(err.value)
    assert list(scm_tmp.iterdir()) == []


def test_without_token_git_never_prompts(
    git_host: tuple[str, type[_GitHost]], scm_tmp: Path
) -> None:
    url, handler = git_host
    with pytest.raises(ScmAuthError, match="no integration token"):
        Workspace(GITHUB, clone_url=url, tmp_root=scm_tmp).open()
    assert all(h is None for h in handler.seen)


@pytest.mark.parametrize(
    ("status", "error"), [(404, RepositoryNotFoundError), (503, ScmUnavailableError)]
)
def test_http_failures_are_classified(
    git_host: tuple[str, type[_GitHost]], scm_tmp: Path, status: int, error: type[Exception]
) -> None:
    url, handler = git_host
    handler.status = status
    with pytest.raises(error) as err:
        Workspace(GITHUB, credentials=CREDS, clone_url=url, tmp_root=scm_tmp).open()
    assert FAKE_TOKEN not in str(err.value)


def test_unreachable_host(scm_tmp: Path) -> None:
    with pytest.raises(ScmUnavailableError) as err:
        Workspace(
            GITHUB, credentials=CREDS, clone_url="http://127.0.0.1:9/a.git", tmp_root=scm_tmp
        ).open()
    assert "github.com is unavailable" in err.value.message
