"""Where a repository lives, parsed from ``repoUrl`` and checked against the allow-list.

Templates pass ``repoUrl`` in Backstage's RepoUrlPicker form (``github.com?owner=o&repo=r``);
people paste https clone URLs; tests and on-premise setups use local paths. All three end up
as one :class:`RepoLocation`. The allow-list is the ``integrations`` config: a host that is not
listed there is refused here, before any request or subprocess, so a template cannot make the
service talk to (and hand a token to) a host nobody configured. Local repositories must sit
under a configured ``root``; symlinks are resolved first so they cannot lead out of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from ..redaction import REDACTED, clip
from .errors import HostNotAllowedError, InvalidRepoUrlError

RepoKind = Literal["github", "gitlab", "local"]
HOSTED_KINDS: tuple[Literal["github", "gitlab"], ...] = ("github", "gitlab")
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?\Z")
#: How much of a refused repoUrl a message quotes (ScmError redacts the whole message too).
_SHOWN_CHARS = 200


@dataclass(frozen=True)
class RepoLocation:
    """One repository: its kind, host, ``owner`` (a GitLab group path may hold ``/``) and name.

    ``clone_url`` is what git fetches from; ``path`` is set for local repositories only.
    ``host`` is empty for local repositories.
    """

    kind: RepoKind
    host: str
    owner: str
    repo: str
    clone_url: str
    path: Path | None = None

    @property
    def full_name(self) -> str:
        """``owner/repo`` (GitLab's project path), or the local directory name."""
        return f"{self.owner}/{self.repo}" if self.owner else self.repo

    @property
    def display(self) -> str:
        """How messages name the repository: ``host/owner/repo`` or the local path."""
        if self.kind == "local":
            return str(self.path)
        return f"{self.host}/{self.full_name}"


def parse_repo_url(value: str, integrations: Mapping[str, Any] | None) -> RepoLocation:
    """Parse ``value`` and check it against ``integrations``; raise before touching any host.

    Forms: ``host?owner=o&repo=r`` (optionally ``&workspace=``/``&project=``, used as the
    owner path when ``owner`` is absent), ``https://host/owner.../repo(.git)``, an absolute
    local path or a ``file://`` URL.
    """
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidRepoUrlError("repoUrl is empty; give e.g. github.com?owner=org&repo=name")
    integrations = integrations or {}
    if text.startswith("/") or text.lower().startswith("file:"):
        return _parse_local(text, integrations)
    if "://" in text:
        return _parse_https(text, integrations)
    if text.startswith("git@") or re.match(r"^[^/?]+@[^/?]+:", text):
        raise InvalidRepoUrlError(
            f"repoUrl {_shown(text)}: SSH URLs are not supported; use host?owner=...&repo=... "
            "or an https URL"
        )
    if "?" in text:
        return _parse_picker(text, integrations)
    raise InvalidRepoUrlError(
        f"repoUrl {_shown(text)}: expected host?owner=...&repo=..., an https URL or an "
        "absolute local path"
    )


def find_integration(
    location: RepoLocation, integrations: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    """The ``integrations.<kind>`` entry for the location's host (None for local repos)."""
    if location.kind == "local":
        return None
    for entry in _entries(integrations or {}, location.kind):
        if str(entry.get("host", "")).lower() == location.host:
            return entry
    return None


def integration_label(location: RepoLocation) -> str:
    """How messages name the integration whose token was used (never the token itself)."""
    return f"integrations.{location.kind}[host={location.host}]"


# -- forms ------------------------------------------------------------------------------------


def _parse_picker(text: str, integrations: Mapping[str, Any]) -> RepoLocation:
    host_part, _, query = text.partition("?")
    host = _check_host(host_part, text)
    params = parse_qs(query, keep_blank_values=True)

    def one(key: str) -> str:
        values = params.get(key, [])
        return values[0].strip() if values else ""

    owner = one("owner").strip("/")
    if not owner:
        owner = "/".join(p for p in (one("workspace"), one("project")) if p)
    repo = one("repo")
    if not owner or not repo:
        raise InvalidRepoUrlError(
            f"repoUrl {_shown(text)}: both owner and repo are required, "
            "as in github.com?owner=org&repo=name"
        )
    kind = _kind_for(host, integrations, text)
    return _hosted(kind, host, owner.split("/"), repo, text)


def _parse_https(text: str, integrations: Mapping[str, Any]) -> RepoLocation:
    parts = urlsplit(text)
    if parts.scheme.lower() != "https":
        raise InvalidRepoUrlError(
            f"repoUrl {_shown(text)}: the {parts.scheme!r} scheme is not supported; use "
            "https:// or host?owner=...&repo=..."
        )
    if "@" in parts.netloc:
        # Never echo the user-info: it may be a token. The rest of the URL is shown.
        hidden = parts._replace(netloc=f"{REDACTED}@{parts.netloc.rpartition('@')[2]}").geturl()
        raise InvalidRepoUrlError(
            f"repoUrl {_shown(hidden)} must not carry credentials; the token comes from the "
            "integrations config"
        )
    if parts.query or parts.fragment:
        raise InvalidRepoUrlError(
            f"repoUrl {_shown(text)}: an https repository URL takes no ?query or #fragment"
        )
    host = _check_host(parts.netloc, text)
    kind = _kind_for(host, integrations, text)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if kind == "gitlab" and "-" in segments:
        segments = segments[: segments.index("-")]
    if kind == "github" and len(segments) > 2 and segments[2] in ("tree", "blob"):
        segments = segments[:2]
    if segments and segments[-1].endswith(".git"):
        segments[-1] = segments[-1][: -len(".git")]
    if len(segments) < 2:
        raise InvalidRepoUrlError(f"repoUrl {_shown(text)}: expected https://{host}/<owner>/<repo>")
    return _hosted(kind, host, segments[:-1], segments[-1], text)


def _parse_local(text: str, integrations: Mapping[str, Any]) -> RepoLocation:
    if text.lower().startswith("file:"):
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise InvalidRepoUrlError(
                f"repoUrl {_shown(text)}: a file:// URL must name a local path"
            )
        raw = unquote(parts.path)
    else:
        raw = text
    if "\x00" in raw or not raw.startswith("/"):
        raise InvalidRepoUrlError(
            f"repoUrl {_shown(text)}: a local repository must be an absolute path"
        )
    roots = [
        Path(str(e["root"])).resolve()
        for e in _entries(integrations, "local")
        if isinstance(e.get("root"), str) and e.get("root")
    ]
    path = Path(raw).resolve()
    if not any(path == root or path.is_relative_to(root) for root in roots):
        listed = ", ".join(str(r) for r in roots) or "none configured"
        raise HostNotAllowedError(
            f"repoUrl {_shown(text)}: local repository is not under a configured "
            f"integrations.local root (roots: {listed}); symlinks and '..' are resolved "
            f"first. To allow it: integrations: {{local: [{{root: {path.parent}}}]}}"
        )
    name = path.name[: -len(".git")] if path.name.endswith(".git") else path.name
    return RepoLocation(
        kind="local",
        host="",
        owner="",
        repo=name or "repository",
        clone_url=path.as_uri(),
        path=path,
    )


# -- helpers ----------------------------------------------------------------------------------


def _entries(integrations: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    value = integrations.get(kind) or []
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [e for e in value if isinstance(e, Mapping)]


def _shown(value: str) -> str:
    """The refused value as a message quotes it: cut short, quoted (redacted by ScmError)."""
    return repr(clip(value, _SHOWN_CHARS))


def _check_host(raw: str, text: str) -> str:
    host = raw.strip().lower().rstrip("/")
    if not _HOST.match(host):
        raise InvalidRepoUrlError(f"repoUrl {_shown(text)}: {clip(raw, 80)!r} is not a host name")
    return host


def _kind_for(host: str, integrations: Mapping[str, Any], text: str) -> Literal["github", "gitlab"]:
    for kind in HOSTED_KINDS:
        if any(str(e.get("host", "")).lower() == host for e in _entries(integrations, kind)):
            return kind
    raise HostNotAllowedError(
        f"repoUrl {_shown(text)}: host {host!r} is not configured; add it under "
        "integrations.github or integrations.gitlab (with a token) to allow it",
        host=host,
    )


def _hosted(
    kind: Literal["github", "gitlab"],
    host: str,
    owner_segments: list[str],
    repo: str,
    text: str,
) -> RepoLocation:
    if kind == "github" and len(owner_segments) != 1:
        raise InvalidRepoUrlError(
            f"repoUrl {_shown(text)}: a GitHub repository is owner/repo; got "
            f"{'/'.join(owner_segments)}/{repo}"
        )
    for segment in [*owner_segments, repo]:
        if not _SEGMENT.match(segment) or segment.endswith("."):
            raise InvalidRepoUrlError(
                f"repoUrl {_shown(text)}: {clip(segment, 80)!r} is not a valid owner, group "
                "or repository name"
            )
    owner = "/".join(owner_segments)
    return RepoLocation(
        kind=kind,
        host=host,
        owner=owner,
        repo=repo,
        clone_url=f"https://{host}/{owner}/{repo}.git",
    )
