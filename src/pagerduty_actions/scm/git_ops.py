"""A short-lived git checkout: shallow clone, edit, commit, push, and always clean up.

Each delivery gets its own :class:`Workspace` in a fresh temporary directory, removed on exit,
so runs never share state. That directory is made in ``tmp_root`` when given, else in this
process's work folder under ``<dataDir>/work/`` (see :mod:`..work_area`; the system temp dir
only for a process that has none), where a process killed mid-clone leaves nothing that the
next start does not sweep. git is driven through GitPython's
command runner with our own argument lists, never through a shell.

Credentials: the integration's token is handed to git per command through ``GIT_ASKPASS`` (a
tiny script that prints an environment variable) and never appears on a command line, in the
remote URL, in ``.git/config`` or in a credential store (``credential.helper`` is reset for
every command). Error messages are built by us from git's stderr, classified (auth, not found,
unavailable, conflict) and redacted, so a caller learns what to fix but never sees a token.

Safety: a push is a plain fast-forward unless it targets one of our own ``pagerduty/...``
branches, which alone may be moved with ``--force-with-lease`` (when a pull request of ours is
refreshed). Hooks are disabled and commits are never signed with the host's keys.
"""

from __future__ import annotations

import re
import shutil
import stat
import tempfile
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from git.cmd import Git

from .. import work_area
from . import push_race
from .errors import (
    BranchNotFoundError,
    InvalidBranchError,
    PushConflictError,
    RepositoryNotFoundError,
    ScmAuthError,
    ScmError,
    ScmUnavailableError,
)
from .paths import resolve_repo_path
from .repo_url import RepoLocation, find_integration, integration_label

OUR_BRANCH_PREFIX = "pagerduty/"
DEFAULT_TIMEOUT_S = 120.0
_USERNAME_ENV = "PAGERDUTY_ACTIONS_GIT_USERNAME"
_PASSWORD_ENV = "PAGERDUTY_ACTIONS_GIT_PASSWORD"  # noqa: S105 - the variable's name, not a value
_ASKPASS_SCRIPT = f"""#!/bin/sh
case "$1" in
  [Uu]sername*) printf '%s\\n' "${_USERNAME_ENV}" ;;
  *) printf '%s\\n' "${_PASSWORD_ENV}" ;;
esac
"""
# Applied to every git command: no credential store may see (or save) the token, no hook of
# the cloned repository runs, nothing is signed, and bytes are committed as written.
_SAFE_CONFIG = (
    "credential.helper=",
    "core.hooksPath=/dev/null",
    "commit.gpgsign=false",
    "core.autocrlf=false",
    "core.askPass=",
    "advice.detachedHead=false",
)
_REF_CHARS = re.compile(r"^[A-Za-z0-9._/-]+\Z")


@dataclass(frozen=True)
class Author:
    """Who a commit is by; also its committer."""

    name: str = "pagerduty-actions"
    email: str = "pagerduty-actions@noreply.invalid"

    @classmethod
    def from_value(cls, value: Author | Mapping[str, Any] | None) -> Author:
        """Accept an :class:`Author`, a ``{name, email}`` mapping (either key optional) or None."""
        if value is None:
            return cls()
        if isinstance(value, Author):
            author = value
        else:
            author = cls(
                name=str(value.get("name") or cls.name), email=str(value.get("email") or cls.email)
            )
        for text in (author.name, author.email):
            if not text.strip() or any(c in text for c in "<>\n\r\x00"):
                raise ScmError(
                    "commit author name and email must be non-empty and free of <, > and newlines"
                )
        return author


@dataclass(frozen=True)
class GitCredentials:
    """The username and token git sends over https; ``integration`` names the config entry."""

    username: str
    token: str = field(repr=False)
    integration: str = ""


def credentials_for(
    location: RepoLocation, integrations: Mapping[str, Any] | None
) -> GitCredentials | None:
    """Credentials of the location's integration, or None (local repos, or no token set)."""
    entry = find_integration(location, integrations)
    token = str(entry.get("token") or "") if entry else ""
    if not token:
        return None
    username = "x-access-token" if location.kind == "github" else "oauth2"
    return GitCredentials(username, token, integration_label(location))


def is_our_branch(branch: str) -> bool:
    """Whether ``branch`` is in our ``pagerduty/`` namespace (the only ones we force-update)."""
    return branch.startswith(OUR_BRANCH_PREFIX) and len(branch) > len(OUR_BRANCH_PREFIX)


def validate_branch_name(branch: str, *, field: str = "branch") -> str:
    """Return ``branch`` if git accepts it as a branch name, else raise an input error."""
    bad = (
        not isinstance(branch, str)
        or not _REF_CHARS.match(branch)
        or branch.startswith(("-", "/", "."))
        or branch.endswith(("/", ".", ".lock"))
        or ".." in branch
        or "//" in branch
        or "/." in branch
        or branch == "HEAD"
    )
    if bad:
        raise InvalidBranchError(f"{field}: {str(branch)[:100]!r} is not a valid git branch name")
    return branch


def branch_slug(text: str, *, max_length: int = 60) -> str:
    """A branch-safe slug of ``text``.

    ``"Add PagerDuty: payments/API"`` -> ``add-pagerduty-payments-api``.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "change"


def our_branch(name: str) -> str:
    """``name`` inside our namespace: ``x`` -> ``pagerduty/x``; already prefixed names stay."""
    branch = name if name.startswith(OUR_BRANCH_PREFIX) else OUR_BRANCH_PREFIX + name
    return validate_branch_name(branch, field="branchName")


class RemoteTip(NamedTuple):
    """A remote branch's tip; ``fetched``: its commits are in the checkout's object store."""

    sha: str
    fetched: bool


class Workspace:
    """A shallow clone of one branch in a temporary directory, removed when the block ends.

    Use as ``with Workspace(location, credentials=...) as ws:``; ``ws.root`` is the checkout,
    ``ws.base_branch`` the branch cloned (``branch`` if given, else the remote's default).
    ``clone_url`` overrides ``location.clone_url`` (tests point a GitHub location at a bare
    repository on disk).
    """

    def __init__(
        self,
        location: RepoLocation,
        *,
        credentials: GitCredentials | None = None,
        branch: str | None = None,
        clone_url: str | None = None,
        author: Author | Mapping[str, Any] | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        tmp_root: Path | None = None,
    ) -> None:
        self.location = location
        self.credentials = credentials
        self.url = clone_url or location.clone_url
        self.author = Author.from_value(author)
        self.timeout = timeout
        self._requested_branch = validate_branch_name(branch) if branch else None
        self._tmp_root = tmp_root
        self._tmp: Path | None = None
        self._base: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Workspace:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        """Find the branch and clone it (depth 1, that branch only)."""
        where = self._tmp_root or work_area.default_dir()
        self._tmp = Path(tempfile.mkdtemp(prefix="pda-scm-", dir=where))
        try:
            if self.credentials is not None:
                script = self._tmp / "askpass.sh"
                script.write_text(_ASKPASS_SCRIPT)
                script.chmod(stat.S_IRWXU)
            self._base = self._requested_branch or self.default_branch()
            self._git(
                "clone", "--quiet", "--depth", "1", "--single-branch", "--no-tags",
                "--branch", self._base, "--", self.url, str(self._tmp / "checkout"),
                cwd=self._tmp, op="clone",
            )  # fmt: skip
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Remove the temporary directory (the checkout and the askpass script)."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    @property
    def root(self) -> Path:
        if self._tmp is None:
            raise RuntimeError("the workspace is not open")
        return self._tmp / "checkout"

    @property
    def base_branch(self) -> str:
        if self._base is None:
            raise RuntimeError("the workspace is not open")
        return self._base

    # -- remote queries ----------------------------------------------------------------------

    def default_branch(self) -> str:
        """The remote's default branch, from ``git ls-remote --symref <url> HEAD``."""
        out = self._git("ls-remote", "--symref", "--", self.url, "HEAD", op="ls-remote")
        match = re.search(r"^ref: refs/heads/(\S+)\s+HEAD$", out, re.MULTILINE)
        has_commit = re.search(r"^[0-9a-f]{40}\s+HEAD$", out, re.MULTILINE)
        if not match or not has_commit:
            raise RepositoryNotFoundError(
                f"{self.location.display} has no commits (no default branch); push an initial "
                "commit first",
                host=self.location.host or None,
            )
        return match.group(1)

    def remote_branch_sha(self, branch: str) -> str | None:
        """The remote tip of ``branch``, or None when the remote has no such branch."""
        out = self._git(
            "ls-remote", "--heads", "--", self.url, f"refs/heads/{branch}", op="ls-remote"
        )
        match = re.search(r"^([0-9a-f]{40})\s+refs/heads/" + re.escape(branch) + "$", out, re.M)
        return match.group(1) if match else None

    def fetch_branch(self, branch: str, *, depth: int = 1) -> str:
        """Fetch ``branch`` from origin (shallow) and return its tip."""
        ref = f"refs/remotes/origin/{branch}"
        self._git(
            "fetch", "--quiet", "--no-tags", "--depth", str(depth), "origin",
            f"+refs/heads/{branch}:{ref}", op="fetch", branch=branch,
        )  # fmt: skip
        return self.rev_parse(ref)

    # -- local work --------------------------------------------------------------------------

    def rev_parse(self, rev: str) -> str:
        return self._git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", op="rev-parse")

    def tree_of(self, rev: str) -> str:
        return self._git("rev-parse", "--verify", "--quiet", f"{rev}^{{tree}}", op="rev-parse")

    def head_sha(self) -> str:
        return self.rev_parse("HEAD")

    def read_bytes(self, relative: str, *, field: str = "catalogPath") -> bytes | None:
        """The file's bytes in the checkout, or None when it does not exist."""
        path = resolve_repo_path(self.root, relative, field=field)
        return path.read_bytes() if path.is_file() else None

    def write_bytes(self, relative: str, data: bytes, *, field: str = "catalogPath") -> None:
        """Write the file's bytes exactly (parents created); the path must stay inside."""
        path = resolve_repo_path(self.root, relative, field=field)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def reset_to(self, rev: str) -> None:
        """Make the checkout (on a detached HEAD) exactly ``rev``; local edits are dropped."""
        self._git("checkout", "--quiet", "--force", "--detach", rev, op="checkout")
        self._git("clean", "-fdq", op="clean")

    def commit(self, message: str, paths: Sequence[str]) -> str | None:
        """Commit ``paths`` (relative) with our author; None when nothing changed."""
        if not message.strip():
            raise ScmError("the commit message must not be empty")
        self._git("add", "--", *paths, op="add")
        if not self._git("diff", "--cached", "--name-only", op="diff"):
            return None
        self._git("commit", "--quiet", "--no-verify", "-m", message, op="commit")
        return self.head_sha()

    # -- push --------------------------------------------------------------------------------

    def push(self, branch: str, *, force_with_lease: str | None = None) -> None:
        """Push HEAD to ``branch``; PushConflictError when another writer moved it first.

        ``force_with_lease`` (the sha we expect the remote branch at, or ``""`` for "must not
        exist") is only accepted for our own ``pagerduty/...`` branches. Every wording of a
        lost race (see :mod:`.push_race`) is a PushConflictError; a branch name clashing with
        an existing branch is an :class:`InvalidBranchError`.
        """
        args = ["push", "--porcelain", "--no-verify"]
        if force_with_lease is not None:
            if not is_our_branch(branch):
                raise ValueError(f"refusing to force-update {branch!r}: not one of our branches")
            args.append(f"--force-with-lease=refs/heads/{branch}:{force_with_lease}")
        args += ["origin", f"HEAD:refs/heads/{branch}"]
        status, out, err = self._run(args, self.root)
        if status == 0:
            return
        text = f"{out}\n{err}"
        clash = push_race.branch_name_clash(text)
        if clash is not None:
            raise InvalidBranchError(
                f"branch {branch!r} cannot be created in {self.location.display}: "
                f"{clash[0].removeprefix('refs/heads/')!r} exists, and a branch name cannot "
                "also be the folder of another; choose another branch name",
                host=self.location.host or None,
            )
        if push_race.is_lost_race(text):
            raise PushConflictError(
                f"branch {branch!r} of {self.location.display} changed on the remote while we "
                "worked; nothing was pushed",
                host=self.location.host or None,
            )
        raise self._classify(text, "push")

    def push_with_retry(
        self,
        branch: str,
        reapply: Callable[[], bool],
        *,
        attempts: int = push_race.PUSH_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> bool:
        """Push HEAD to ``branch`` (fast-forward only), surviving races with other writers.

        Each time the push loses a race, this waits a jittered moment, fetches the branch's
        new tip, resets the checkout to it and calls ``reapply()`` to redo the change and
        commit it there. ``reapply`` returning False means nothing is left to push (another
        writer made the same change): this returns False too. After ``attempts`` lost races
        in a row it raises :class:`PushConflictError`. On True, HEAD is the commit on the
        branch (later writers can only add commits after it: pushes here are fast-forwards).
        """
        for attempt in range(1, attempts + 1):
            try:
                self.push(branch)
                return True
            except PushConflictError:
                if attempt == attempts:
                    raise self.busy_branch_error(branch, attempts) from None
            sleep(push_race.backoff_delay(attempt))
            self.reset_to(self.fetch_branch(branch))
            if not reapply():
                return False
        raise AssertionError("unreachable")  # pragma: no cover

    def busy_branch_error(self, branch: str, attempts: int) -> PushConflictError:
        """The error for a branch that kept moving under us: what happened, what to do."""
        return PushConflictError(
            f"branch {branch!r} of {self.location.display} kept moving while we worked: "
            f"{attempts} pushes in a row lost the race to other writers (each after fetching "
            "and re-applying the change); nothing was pushed; run the action again later",
            host=self.location.host or None,
        )

    # -- our pull-request branch -------------------------------------------------------------

    def fetch_branch_beyond(self, branch: str, base: str) -> RemoteTip | None:
        """Fetch the commits of ``branch`` that ``base`` does not have, and nothing else.

        ``--shallow-exclude`` keeps the base's history out of the fetch, so looking at our own
        (short) branch costs its own commits only. None when the remote has no such branch.
        When every commit of ``branch`` is already on ``base`` nothing is fetched and the tip
        comes from ``ls-remote`` (``fetched=False``). A server that does not understand
        ``--shallow-exclude`` gets a plain depth-1 fetch instead.
        """
        ref = f"refs/remotes/origin/{branch}"
        refspec = f"+refs/heads/{branch}:{ref}"
        args = ["fetch", "--quiet", "--no-tags", f"--shallow-exclude=refs/heads/{base}"]
        status, out, err = self._run([*args, "origin", refspec], self.root)
        text = f"{out}\n{err}"
        if status != 0 and "no commits selected for shallow requests" in text:
            sha = self.remote_branch_sha(branch)
            return RemoteTip(sha, fetched=False) if sha else None
        if status != 0 and re.search(r"does not support (--)?shallow-exclude|deepen-not", text):
            status, out, err = self._run(
                ["fetch", "--quiet", "--no-tags", "--depth", "1", "origin", refspec], self.root
            )
            text = f"{out}\n{err}"
        if status != 0:
            error = self._classify(text, "fetch", branch=branch)
            if isinstance(error, BranchNotFoundError):
                return None
            raise error
        return RemoteTip(self.rev_parse(ref), fetched=True)

    def parents_within(self, tip: str, limit: int = 200) -> set[str]:
        """The parents recorded in ``tip`` and the fetched commits below it (at most
        ``limit``), read from the commit objects themselves: a shallow boundary hides a
        parent from ``rev-list``, but the object still names it."""
        out = self._git("log", "--format=raw", f"--max-count={limit}", tip, "--", op="log")
        return set(re.findall(r"^parent ([0-9a-f]{40})$", out, re.MULTILINE))

    def commits_within(self, tip: str, limit: int = 200) -> set[str]:
        """``tip`` and the fetched commits below it (at most ``limit``)."""
        out = self._git("rev-list", f"--max-count={limit}", tip, "--", op="rev-list")
        return set(out.split())

    # -- running git -------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": self.author.name,
            "GIT_AUTHOR_EMAIL": self.author.email,
            "GIT_COMMITTER_NAME": self.author.name,
            "GIT_COMMITTER_EMAIL": self.author.email,
            "GIT_ASKPASS": "/bin/false",
            _USERNAME_ENV: "",
            _PASSWORD_ENV: "",
        }
        if self.credentials is not None and self._tmp is not None:
            env["GIT_ASKPASS"] = str(self._tmp / "askpass.sh")
            env[_USERNAME_ENV] = self.credentials.username
            env[_PASSWORD_ENV] = self.credentials.token
        return env

    def _run(self, args: Sequence[str], cwd: Path) -> tuple[int, str, str]:
        command = ["git"]
        for item in _SAFE_CONFIG:
            command += ["-c", item]
        command += list(args)
        result = Git(str(cwd)).execute(
            command,
            with_extended_output=True,
            with_exceptions=False,
            kill_after_timeout=self.timeout,
            env=self._env(),
        )
        status, out, err = result
        return int(status or 0), str(out), str(err)

    def _git(self, *args: str, op: str, cwd: Path | None = None, branch: str | None = None) -> str:
        status, out, err = self._run(args, cwd or self.root)
        if status != 0:
            raise self._classify(err or out, op, branch=branch)
        return out

    def _classify(self, text: str, op: str, *, branch: str | None = None) -> ScmError:
        """Turn git's failure text into an actionable, secret-free error."""
        where = self.location.display
        host = self.location.host or None
        secrets = [self.credentials.token] if self.credentials else []
        if "did not complete in" in text:
            return ScmUnavailableError(
                f"git {op} on {where} did not finish within {self.timeout:g} s", host=host
            )
        if re.search(
            r"Remote branch \S+ not found|couldn't find remote ref|"
            r"src refspec \S+ does not match",
            text,
        ):
            return BranchNotFoundError(
                f"branch {branch or self._requested_branch or ''!r} does not exist in {where}",
                host=host,
            )
        if re.search(
            r"Authentication failed|could not read (Username|Password)|terminal prompts disabled|"
            r"returned error: 40[13]|HTTP Basic: Access denied|Permission denied|"
            r"[Ii]nvalid username or password|access denied",
            text,
        ):
            who = self.credentials.integration if self.credentials else "no integration token"
            return ScmAuthError(
                f"{self.location.host or where} refused git {op} with the token of {who}; "
                "check the token is valid and may read and write this repository",
                host=host,
            )
        if re.search(
            r"[Rr]epository not found|does not appear to be a git repository|"
            r"returned error: 404|not found|No such file or directory",
            text,
        ):
            return RepositoryNotFoundError(
                f"repository {where} was not found (or the integration's token cannot see it)",
                host=host,
            )
        if re.search(
            r"Could not resolve host|Failed to connect|Connection (refused|reset|timed out)|"
            r"timed out|returned error: 5\d\d|RPC failed|early EOF|unable to access",
            text,
        ):
            return ScmUnavailableError(
                f"{self.location.host or where} is unavailable for git {op}: {_tail(text)}",
                host=host,
                secrets=secrets,
            )
        return ScmError(f"git {op} on {where} failed: {_tail(text)}", host=host, secrets=secrets)


def _tail(text: str, lines: int = 3) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:])[:500] or "no message"
