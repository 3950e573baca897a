"""Deliver an edit of files in a repository: as a direct commit, or as a pull request.

:func:`deliver` is the one entry point the handlers call (``pagerduty:entity:annotate`` for
one catalog file, the dependency sync for several files of one repository): one
:class:`DeliveryRequest` in, one :class:`DeliveryResult` out. The caller supplies each edit as
a function of the file's old text returning an :class:`EditOutcome`, so this module knows
nothing about YAML; what an edit learned from the file comes back in the result. It owns the git
side: clone, apply, commit only when something changed, push safely, open or refresh the pull
request. Re-running is safe: unchanged files make no commit and no pull request, and an open
pull request from our branch is updated (our commit added on top of the branch, or the branch
rebuilt on a moved base; pushed with a lease), never duplicated. Runs racing on one branch
fetch, re-apply and push again (bounded, jittered) until their commit is on it.

Files are read and written as bytes and decoded as UTF-8 without newline translation, so CRLF
line endings and a BOM survive untouched outside what the edit changes.

Local repositories (``integrations.local``) have no pull-request API: in ``pull-request`` mode
the branch is pushed and the result carries ``pull_request_url=None`` and
``pull_request_number=None``; whoever watches that repository opens the request by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeAlias, TypeVar

import httpx

from . import pull_request_branch
from .errors import (
    HostNotAllowedError,
    InvalidDeliveryError,
    RepositoryFileNotFoundError,
    ScmError,
)
from .git_ops import (
    DEFAULT_TIMEOUT_S,
    Author,
    Workspace,
    branch_slug,
    credentials_for,
    our_branch,
)
from .paths import find_catalog_files, normalize_repo_path
from .pull_requests import PullRequest, PullRequestProvider, provider_for
from .repo_url import RepoLocation, find_integration, parse_repo_url

DeliveryMode = Literal["commit", "pull-request"]
BranchUpdate = Literal["stack", "rebuild"]
R = TypeVar("R")


@dataclass(frozen=True)
class EditOutcome(Generic[R]):
    """What an edit made of one file: the new ``text``, whether it ``changed``, the unified
    ``diff`` shown to people, and a ``report`` of what the edit learned from the file that its
    caller needs back (the entity it found, the changes it had to refuse).

    The report comes back in :attr:`DeliveryResult.reports`, so a caller reads what its edit
    found as a return value rather than collecting it on the side; an edit may run several
    times (once more after each lost push race) and the report kept is the last run's. An edit
    whose diff would show a secret masks it itself: the diff is handed on as it is. ``text``
    and ``diff`` are left out of the repr for the same reason.
    """

    text: str = field(repr=False)
    changed: bool
    diff: str = field(repr=False)
    report: R | None = None


Edit: TypeAlias = Callable[[str], EditOutcome[R]]
"""Changes one file: its current text (UTF-8, newlines as stored) to an :class:`EditOutcome`."""


@dataclass(frozen=True)
class DeliveryRequest(Generic[R]):
    """One delivery: which files of which repository to edit, and how the change reaches it.

    ``edits`` maps repo-relative paths to their edit, all applied in one commit (a single path
    is reported as ``catalogPath`` in errors, several as ``files``). ``integrations`` is the
    config section the location must be allowed by and the host's token comes from.

    ``branch`` is the base branch (default: the remote's default branch). In ``commit`` mode
    the commit is pushed to it (fast-forward only; on a lost race: fetch, re-apply, push
    again, up to ``push_race.PUSH_ATTEMPTS`` times). In ``pull-request`` mode the commit goes
    to ``pagerduty/<branch_name or slug of title>`` (see :mod:`.pull_request_branch`) and a
    pull request (``title``, ``body``, ``draft``) into ``branch`` is opened or updated;
    ``title`` is required. When our branch exists, ``branch_update`` says what becomes of it:
    ``"stack"`` adds this run's commit on top while the branch sits on the base's tip (runs at
    once keep each other's edits; the pull request accumulates them), ``"rebuild"`` makes it
    the base's tip plus this run's change alone (the pull request shows exactly the latest
    run; a run it replaces at once is ``superseded``). Either way a branch on a moved base is
    rebuilt. ``dry_run`` clones and applies the edits but commits and pushes nothing.
    ``work_dir`` is where the checkout is made (default: this process's work folder under the
    data dir, see :mod:`..work_area`); ``timeout`` bounds each git command.
    """

    location: RepoLocation
    edits: Mapping[str, Edit[R]]
    integrations: Mapping[str, Any] | None
    commit_message: str
    mode: DeliveryMode = "commit"
    branch: str | None = None
    branch_name: str | None = None
    branch_update: BranchUpdate = "rebuild"
    title: str | None = None
    body: str = ""
    draft: bool = False
    author: Author | Mapping[str, Any] | None = None
    dry_run: bool = False
    work_dir: Path | None = None
    timeout: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class HostAccess:
    """How the repository and its pull-request API are reached when not as the location and
    the integrations config say: tests point a GitHub location at a bare repository on disk
    (``clone_url``) and its API at a stand-in ``provider`` or a mock ``transport``."""

    clone_url: str | None = None
    provider: PullRequestProvider | None = None
    transport: httpx.BaseTransport | None = None


@dataclass(frozen=True)
class DeliveryResult(Generic[R]):
    """What a delivery did.

    ``changed``: the edits change the base branch (False: nothing committed, no pull request).
    ``commit_sha``: the commit now on ``branch`` holding the change (None when unchanged or
    in a dry run). ``branch``: where the change lives (the base branch in ``commit`` mode, our
    ``pagerduty/...`` branch in ``pull-request`` mode). ``pushed``: whether this run pushed
    (False when our branch already held exactly this change). ``files``: the paths changed.
    ``diff`` joins the edits' diffs (against the base branch); it is left out of the repr as
    it may hold secrets. ``superseded`` (pull-request mode): by the time this run finished,
    a later run had rebuilt our branch on a moved base, so ``commit_sha`` is no longer on it.
    ``reports``: the report of each edit's last run (see :class:`EditOutcome`), under its path
    as the request spelled it.
    """

    changed: bool
    commit_sha: str | None
    branch: str | None
    pull_request_url: str | None
    pull_request_number: int | None
    diff: str = field(repr=False)
    base_branch: str | None = None
    pushed: bool = False
    pull_request_created: bool = False
    files: tuple[str, ...] = ()
    dry_run: bool = False
    superseded: bool = False
    reports: Mapping[str, R | None] = field(default_factory=dict, repr=False)


def deliver(request: DeliveryRequest[R], via: HostAccess | None = None) -> DeliveryResult[R]:
    """Apply ``request.edits`` in one commit and deliver it as ``request.mode`` says.

    Everything that can be refused without the network is checked first (mode, commit
    message, title, paths, the allow-list), so a bad request clones nothing.
    """
    via = via or HostAccess()
    if request.mode not in ("commit", "pull-request"):
        raise InvalidDeliveryError(f"mode must be 'commit' or 'pull-request', not {request.mode!r}")
    if request.branch_update not in ("stack", "rebuild"):
        raise InvalidDeliveryError(
            f"branch_update must be 'stack' or 'rebuild', not {request.branch_update!r}"
        )
    if not request.edits:
        raise InvalidDeliveryError("no files to change")
    if not request.commit_message or not request.commit_message.strip():
        raise InvalidDeliveryError("a commit message is required")
    location, integrations = request.location, request.integrations
    _check_allowed(location, integrations)
    field_name = "catalogPath" if len(request.edits) == 1 else "files"
    edits = {normalize_repo_path(p, field=field_name): (p, e) for p, e in request.edits.items()}
    head: str | None = None
    if request.mode == "pull-request":
        title = request.title
        if not title or not title.strip():
            raise InvalidDeliveryError("a pull request needs a title")
        head = our_branch(request.branch_name or branch_slug(title))
    job = _Job(edits, field_name, request.commit_message)
    with Workspace(
        location,
        credentials=credentials_for(location, integrations),
        branch=request.branch,
        clone_url=via.clone_url,
        author=Author.from_value(request.author),
        timeout=request.timeout,
        tmp_root=request.work_dir,
    ) as ws:
        job.ws = ws
        if head == ws.base_branch:
            raise InvalidDeliveryError(
                f"the pull request branch {head!r} is also the base branch; choose another"
            )
        if head is None:
            return _deliver_commit(job, request.dry_run)
        provider, owned = via.provider, None
        if provider is None and location.kind != "local":
            provider = owned = provider_for(location, integrations, transport=via.transport)
        try:
            return _deliver_pull_request(job, request, head, provider)
        finally:
            if owned is not None:
                owned.close()


class _Job(Generic[R]):
    """The edits of one delivery, re-appliable on a fresh tip after a push race."""

    def __init__(
        self, edits: Mapping[str, tuple[str, Edit[R]]], field_name: str, message: str
    ) -> None:
        self.edits = edits  # normalised path -> (the path as the request spelled it, its edit)
        self.field_name = field_name
        self.message = message
        self.ws: Workspace | None = None
        self.changed: list[str] = []
        self.diff = ""
        self.reports: dict[str, R | None] = {}

    @property
    def workspace(self) -> Workspace:
        assert self.ws is not None
        return self.ws

    def apply(self) -> bool:
        """Run every edit on the checkout; remember which files changed, the diff and what
        each edit reported."""
        ws = self.workspace
        changed: list[str] = []
        diffs: list[str] = []
        for rel, (given, edit) in self.edits.items():
            data = ws.read_bytes(rel, field=self.field_name)
            if data is None:
                raise RepositoryFileNotFoundError(
                    rel,
                    find_catalog_files(ws.root),
                    field=self.field_name,
                    host=ws.location.host or None,
                )
            try:
                old = data.decode("utf-8")
            except UnicodeDecodeError:
                raise ScmError(
                    f"{self.field_name}: {rel!r} is not UTF-8 text; it cannot be edited"
                ) from None
            outcome = edit(old)
            self.reports[given] = outcome.report
            if outcome.changed and outcome.text != old:
                ws.write_bytes(rel, outcome.text.encode("utf-8"), field=self.field_name)
                changed.append(rel)
                diff = outcome.diff
                diffs.append(diff if not diff or diff.endswith("\n") else diff + "\n")
        self.changed = changed
        self.diff = "".join(diffs)
        return bool(changed)

    def commit(self) -> str | None:
        return self.workspace.commit(self.message, self.changed)

    def reapply(self) -> bool:
        """For ``push_with_retry``: redo the edits on the fresh tip and commit them."""
        return self.apply() and self.commit() is not None


def _deliver_commit(job: _Job[R], dry_run: bool) -> DeliveryResult[R]:
    ws = job.workspace
    base = ws.base_branch
    if not job.apply():
        return _result(job, changed=False, branch=base, dry_run=dry_run)
    if dry_run:
        return _result(job, changed=True, branch=base, dry_run=True)
    job.commit()
    if not ws.push_with_retry(base, job.reapply):
        return _result(job, changed=False, branch=base)
    return _result(job, changed=True, branch=base, sha=ws.head_sha(), pushed=True)


def _deliver_pull_request(
    job: _Job[R],
    request: DeliveryRequest[R],
    head: str,
    provider: PullRequestProvider | None,
) -> DeliveryResult[R]:
    ws = job.workspace
    base = ws.base_branch
    dry_run = request.dry_run
    if not job.apply():
        return _result(job, changed=False, branch=head, dry_run=dry_run)
    existing = provider.find_open(head, base) if provider is not None else None
    if dry_run:
        return _result(job, changed=True, branch=head, pr=existing, dry_run=True)
    against_base = (job.diff, list(job.changed))  # what the pull request shows, reported
    stack = request.branch_update == "stack"
    update = pull_request_branch.update_branch(ws, head, job, stack=stack)
    job.diff, job.changed = against_base
    if update is None:  # the base branch got the same change meanwhile
        return _result(job, changed=False, branch=head, pr=existing)
    pr: PullRequest | None = None
    title, body = request.title or "", request.body
    if provider is not None:
        if existing is not None:
            pr = provider.update(existing, title, body)
        else:
            pr = provider.create(head, base, title, body, request.draft)
    return _result(
        job, changed=True, branch=head, sha=update.sha, pushed=update.pushed, pr=pr,
        superseded=pull_request_branch.superseded(ws, head, update.sha),
    )  # fmt: skip


def _result(
    job: _Job[R],
    *,
    changed: bool,
    branch: str,
    sha: str | None = None,
    pushed: bool = False,
    pr: PullRequest | None = None,
    dry_run: bool = False,
    superseded: bool = False,
) -> DeliveryResult[R]:
    return DeliveryResult(
        changed=changed,
        commit_sha=sha,
        branch=branch,
        pull_request_url=pr.url if pr else None,
        pull_request_number=pr.number if pr else None,
        diff=job.diff if changed else "",
        base_branch=job.workspace.base_branch,
        pushed=pushed,
        pull_request_created=bool(pr and pr.created),
        files=tuple(job.changed) if changed else (),
        dry_run=dry_run,
        superseded=superseded,
        reports=dict(job.reports),
    )


def _check_allowed(location: RepoLocation, integrations: Mapping[str, Any] | None) -> None:
    """Refuse a location the allow-list does not cover, even one built by hand."""
    if location.kind == "local":
        if location.path is None:
            raise HostNotAllowedError("a local repository location needs its path")
        parse_repo_url(str(location.path), integrations)
    elif find_integration(location, integrations) is None:
        raise HostNotAllowedError(
            f"host {location.host!r} is not configured under integrations.{location.kind}",
            host=location.host,
        )
