"""Deliver an edit of files in a repository: as a direct commit, or as a pull request.

This is the one entry point the handlers call (``pagerduty:entity:annotate`` for one catalog
file, the dependency sync for several files of one repository). The caller supplies the edit
as a function of the file's old text, so this module knows nothing about YAML; it owns the git
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
from typing import Any, Literal, NamedTuple, Protocol

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


class EditOutcome(NamedTuple):
    """What an edit function returns: the new text, whether it differs, and a unified diff."""

    new_text: str
    changed: bool
    diff: str


class EditResultLike(Protocol):
    """Also accepted from an edit: any object with ``text``, ``changed`` and ``diff``."""

    @property
    def text(self) -> str: ...

    @property
    def changed(self) -> bool: ...

    @property
    def diff(self) -> str: ...


Edit = Callable[[str], EditOutcome | tuple[str, bool, str] | EditResultLike]


@dataclass(frozen=True)
class DeliveryResult:
    """What a delivery did.

    ``changed``: the edits change the base branch (False: nothing committed, no pull request).
    ``commit_sha``: the commit now on ``branch`` holding the change (None when unchanged or
    in a dry run). ``branch``: where the change lives (the base branch in ``commit`` mode, our
    ``pagerduty/...`` branch in ``pull-request`` mode). ``pushed``: whether this run pushed
    (False when our branch already held exactly this change). ``files``: the paths changed.
    ``diff`` joins the edits' diffs (against the base branch); it is left out of the repr as
    it may hold secrets. ``superseded`` (pull-request mode): by the time this run finished,
    a later run had rebuilt our branch on a moved base, so ``commit_sha`` is no longer on it.
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


def deliver_file_change(
    location: RepoLocation,
    *,
    integrations: Mapping[str, Any] | None,
    path: str,
    edit: Edit,
    commit_message: str,
    mode: DeliveryMode = "commit",
    branch: str | None = None,
    branch_name: str | None = None,
    title: str | None = None,
    body: str = "",
    draft: bool = False,
    author: Author | Mapping[str, Any] | None = None,
    dry_run: bool = False,
    clone_url: str | None = None,
    provider: PullRequestProvider | None = None,
    transport: httpx.BaseTransport | None = None,
    tmp_root: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    branch_update: BranchUpdate = "rebuild",
) -> DeliveryResult:
    """Edit one file (``path``, reported as ``catalogPath``) and deliver it; see
    :func:`deliver_changes` for the arguments."""
    return deliver_changes(
        location,
        {path: edit},
        integrations=integrations,
        commit_message=commit_message,
        mode=mode,
        branch=branch,
        branch_name=branch_name,
        title=title,
        body=body,
        draft=draft,
        author=author,
        dry_run=dry_run,
        clone_url=clone_url,
        provider=provider,
        transport=transport,
        tmp_root=tmp_root,
        timeout=timeout,
        branch_update=branch_update,
    )


def deliver_changes(
    location: RepoLocation,
    files: Mapping[str, Edit],
    *,
    integrations: Mapping[str, Any] | None,
    commit_message: str,
    mode: DeliveryMode = "commit",
    branch: str | None = None,
    branch_name: str | None = None,
    title: str | None = None,
    body: str = "",
    draft: bool = False,
    author: Author | Mapping[str, Any] | None = None,
    dry_run: bool = False,
    clone_url: str | None = None,
    provider: PullRequestProvider | None = None,
    transport: httpx.BaseTransport | None = None,
    tmp_root: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    branch_update: BranchUpdate = "rebuild",
) -> DeliveryResult:
    """Apply ``files`` (repo-relative path -> edit) in one commit, delivered by ``mode``.

    ``branch`` is the base branch (default: the remote's default branch). In ``commit`` mode
    the commit is pushed to it (fast-forward only; on a lost race: fetch, re-apply, push
    again, up to ``push_race.PUSH_ATTEMPTS`` times). In ``pull-request`` mode the commit goes
    to ``pagerduty/<branch_name or slug of title>`` (see :mod:`.pull_request_branch`) and a
    pull request into ``branch`` is opened or updated; ``title`` is required. When our branch
    exists, ``branch_update`` says what becomes of it: ``"stack"`` adds this run's commit on
    top while the branch sits on the base's tip (runs at once keep each other's edits; the
    pull request accumulates them), ``"rebuild"`` makes it the base's tip plus this run's
    change alone (the pull request shows exactly the latest run; a run it replaces at once is
    ``superseded``). Either way a branch on a moved base is rebuilt. ``dry_run``
    clones and applies the edits but commits and pushes nothing. ``clone_url``, ``provider``
    and ``transport`` are injection points for tests.
    """
    if mode not in ("commit", "pull-request"):
        raise InvalidDeliveryError(f"mode must be 'commit' or 'pull-request', not {mode!r}")
    if branch_update not in ("stack", "rebuild"):
        raise InvalidDeliveryError(
            f"branch_update must be 'stack' or 'rebuild', not {branch_update!r}"
        )
    if not files:
        raise InvalidDeliveryError("no files to change")
    if not commit_message or not commit_message.strip():
        raise InvalidDeliveryError("a commit message is required")
    _check_allowed(location, integrations)
    field_name = "catalogPath" if len(files) == 1 else "files"
    edits = {normalize_repo_path(p, field=field_name): e for p, e in files.items()}
    head: str | None = None
    if mode == "pull-request":
        if not title or not title.strip():
            raise InvalidDeliveryError("a pull request needs a title")
        head = our_branch(branch_name or branch_slug(title))
    author_value = Author.from_value(author)
    job = _Job(edits, field_name, commit_message)
    with Workspace(
        location,
        credentials=credentials_for(location, integrations),
        branch=branch,
        clone_url=clone_url,
        author=author_value,
        timeout=timeout,
        tmp_root=tmp_root,
    ) as ws:
        job.ws = ws
        if head == ws.base_branch:
            raise InvalidDeliveryError(
                f"the pull request branch {head!r} is also the base branch; choose another"
            )
        if head is None:
            return _deliver_commit(job, dry_run)
        owned = None
        if provider is None and location.kind != "local":
            provider = owned = provider_for(location, integrations, transport=transport)
        try:
            return _deliver_pull_request(
                job, head, provider, title or "", body, draft, dry_run, branch_update
            )
        finally:
            if owned is not None:
                owned.close()


class _Job:
    """The edits of one delivery, re-appliable on a fresh tip after a push race."""

    def __init__(self, edits: Mapping[str, Edit], field_name: str, message: str) -> None:
        self.edits = edits
        self.field_name = field_name
        self.message = message
        self.ws: Workspace | None = None
        self.changed: list[str] = []
        self.diff = ""

    @property
    def workspace(self) -> Workspace:
        assert self.ws is not None
        return self.ws

    def apply(self) -> bool:
        """Run every edit on the checkout; remember which files changed and the diff."""
        ws = self.workspace
        changed: list[str] = []
        diffs: list[str] = []
        for rel, edit in self.edits.items():
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
            new_text, is_changed, diff = _outcome(edit(old))
            if is_changed and new_text != old:
                ws.write_bytes(rel, new_text.encode("utf-8"), field=self.field_name)
                changed.append(rel)
                diffs.append(diff if not diff or diff.endswith("\n") else diff + "\n")
        self.changed = changed
        self.diff = "".join(diffs)
        return bool(changed)

    def commit(self) -> str | None:
        return self.workspace.commit(self.message, self.changed)

    def reapply(self) -> bool:
        """For ``push_with_retry``: redo the edits on the fresh tip and commit them."""
        return self.apply() and self.commit() is not None


def _deliver_commit(job: _Job, dry_run: bool) -> DeliveryResult:
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
    job: _Job,
    head: str,
    provider: PullRequestProvider | None,
    title: str,
    body: str,
    draft: bool,
    dry_run: bool,
    branch_update: BranchUpdate,
) -> DeliveryResult:
    ws = job.workspace
    base = ws.base_branch
    if not job.apply():
        return _result(job, changed=False, branch=head, dry_run=dry_run)
    existing = provider.find_open(head, base) if provider is not None else None
    if dry_run:
        return _result(job, changed=True, branch=head, pr=existing, dry_run=True)
    against_base = (job.diff, list(job.changed))  # what the pull request shows, reported
    update = pull_request_branch.update_branch(ws, head, job, stack=branch_update == "stack")
    job.diff, job.changed = against_base
    if update is None:  # the base branch got the same change meanwhile
        return _result(job, changed=False, branch=head, pr=existing)
    pr: PullRequest | None = None
    if provider is not None:
        if existing is not None:
            pr = provider.update(existing, title, body)
        else:
            pr = provider.create(head, base, title, body, draft)
    return _result(
        job, changed=True, branch=head, sha=update.sha, pushed=update.pushed, pr=pr,
        superseded=pull_request_branch.superseded(ws, head, update.sha),
    )  # fmt: skip


def _result(
    job: _Job,
    *,
    changed: bool,
    branch: str,
    sha: str | None = None,
    pushed: bool = False,
    pr: PullRequest | None = None,
    dry_run: bool = False,
    superseded: bool = False,
) -> DeliveryResult:
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


def _outcome(value: EditOutcome | tuple[str, bool, str] | EditResultLike) -> tuple[str, bool, str]:
    if isinstance(value, tuple):
        new_text, changed, diff = value
        return str(new_text), bool(changed), str(diff)
    return str(value.text), bool(value.changed), str(value.diff)
