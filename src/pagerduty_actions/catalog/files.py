"""Catalog files on disk as a catalog source: the components they hold and where they live.

People without a catalog API token, monorepos and tests point the sync at ``catalog.files``
globs instead of the Backstage API. Each component keeps its file as its location, and when the
file sits in a git checkout with a remote, the repository URL, branch and path inside the
repository too: the ``pagerduty`` strategy then proposes its edit to that repository (one pull
request per repository) rather than rewriting a working copy in place. Remote URLs are reduced
to ``https://host/owner/repo`` with any credentials removed, so a token embedded in a remote
never reaches a report or a log.
"""

from __future__ import annotations

import glob
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..fast_yaml import fast_load_all
from ._entity_lookup import Parsed, entity_identity
from .component import CatalogEntity, Location
from .entity_ref import DEFAULT_KIND, DEFAULT_NAMESPACE, EntityRef
from .errors import CatalogBudgetError, CatalogError, CatalogYamlError

_SCP_LIKE = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?P<path>(?!/).+)\Z")
_GIT_TIMEOUT = 10.0
_BOM = "\ufeff"


class CatalogFileError(CatalogError):
    """A catalog file could not be used; ``path`` names it, ``line``/``column`` are 1-based."""

    def __init__(
        self, path: Path, problem: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"{path}{where}: {problem}")


@dataclass(frozen=True)
class GitCheckout:
    """The repository a file belongs to: its root, normalised remote URL and current branch."""

    root: Path
    repo_url: str
    branch: str | None


def load_catalog_files(
    globs: list[str], base: Path, problems: list[str] | None = None
) -> list[CatalogEntity]:
    """Every ``kind: Component`` entity in the files matching ``globs`` (relative to ``base``
    unless absolute; ``**`` recurses), in file then document order.

    Raises :class:`CatalogFileError` when a file cannot be used (unreadable, not YAML, more
    aliases or nesting than ``yaml_budget`` allows; naming file, line, column), when no file
    matches at all, or when two documents declare the same component. Given a ``problems``
    list, a file that cannot be used is skipped and its message appended there instead, so
    that one bad file among thousands is a problem of that file, not of the whole sync.
    """
    paths = find_catalog_files(globs, base)
    if not paths:
        shown = ", ".join(globs) or "(none)"
        raise CatalogFileError(
            base, f"no catalog file matches catalog.files ({shown}); check the globs"
        )
    checkouts = _CheckoutCache()
    found: list[CatalogEntity] = []
    seen: dict[str, Path] = {}
    for path in paths:
        try:
            components = _components_of(path, checkouts)
        except CatalogFileError as exc:
            if problems is None:
                raise
            problems.append(exc.message)
            continue
        for entity in components:
            first = seen.get(entity.ref)
            if first is not None:
                problem = (
                    f"component {entity.ref} is declared twice in this file"
                    if first == path
                    else f"component {entity.ref} is also declared in {first}; keep one"
                )
                raise CatalogFileError(path, problem)
            seen[entity.ref] = path
            found.append(entity)
    return found


def find_catalog_files(globs: Iterable[str], base: Path) -> list[Path]:
    """The files the globs match, absolute, each once, sorted per glob in glob order."""
    out: dict[Path, None] = {}
    for pattern in globs:
        matches = glob.glob(pattern, root_dir=base, recursive=True)
        for match in sorted(matches):
            path = Path(match) if Path(match).is_absolute() else base / match
            if path.is_file():
                out.setdefault(path.resolve(), None)
    return list(out)


def _components_of(path: Path, checkouts: _CheckoutCache) -> list[CatalogEntity]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogFileError(path, f"cannot be read ({type(exc).__name__})") from None
    location: Location | None = None
    out = []
    for index, data in enumerate(_documents_of(path, text)):
        identity = entity_identity(data)
        if identity is None or identity[0].casefold() != "component":
            continue
        location = location or file_location(path, checkouts.lookup(path.parent))
        out.append(component_from_data(data, replace(location, document=index + 1)))
    return out


def _documents_of(path: Path, text: str) -> list[Any]:
    """The data of each document of a catalog file, read only.

    libyaml reads it (``fast_yaml``) where its reading cannot differ from ruamel's YAML 1.2;
    otherwise, and for any text it refuses or that exceeds the YAML budget, the round-trip
    parser an edit uses reads it and names the problem. Files the sync edits are read again
    by that parser when they are edited (``yaml_edit``), so only they pay for it.
    """
    fast = fast_load_all(text.removeprefix(_BOM))
    if fast is not None:
        return fast
    try:
        parsed = Parsed.of(text)
    except CatalogYamlError as exc:
        raise CatalogFileError(
            path, f"not valid YAML: {exc.problem}", exc.line, exc.column
        ) from None
    except CatalogBudgetError as exc:
        raise CatalogFileError(path, exc.problem, exc.line, exc.column) from None
    return [document.data for document in parsed.documents]


def component_from_data(data: Mapping[str, Any], location: Location | None) -> CatalogEntity:
    """A :class:`CatalogEntity` from an entity's data (as in a file or from the catalog API).

    ``ref`` is normalised (``component:namespace/name``, lower-cased); ``dependsOn`` entries
    are kept as written, skipping non-strings (they cannot be refs); non-string annotation
    values are skipped the same way.
    """
    metadata = data.get("metadata")
    if not isinstance(metadata, Mapping):
        metadata = {}
    namespace = metadata.get("namespace")
    ref = EntityRef(
        str(data.get("kind", DEFAULT_KIND)),
        namespace if isinstance(namespace, str) and namespace else DEFAULT_NAMESPACE,
        str(metadata.get("name", "")),
    )
    raw_annotations = metadata.get("annotations")
    annotations = (
        tuple(
            (str(k), v)
            for k, v in raw_annotations.items()
            if isinstance(v, str) and isinstance(k, str)
        )
        if isinstance(raw_annotations, Mapping)
        else ()
    )
    spec = data.get("spec")
    raw_depends = spec.get("dependsOn") if isinstance(spec, Mapping) else None
    depends_on = (
        tuple(entry for entry in raw_depends if isinstance(entry, str))
        if isinstance(raw_depends, list)
        else ()
    )
    owner = spec.get("owner") if isinstance(spec, Mapping) else None
    return CatalogEntity(
        ref=ref.normalised(),
        depends_on=depends_on,
        annotations=annotations,
        location=location,
        owner=owner if isinstance(owner, str) and owner else None,
    )


def file_location(path: Path, checkout: GitCheckout | None) -> Location:
    """A ``file`` location; with repository URL, branch and repo-relative path when known."""
    target = str(path)
    if checkout is None:
        return Location(kind="file", target=target)
    relative = path.relative_to(checkout.root).as_posix()
    return Location(
        kind="file",
        target=target,
        repo_url=checkout.repo_url,
        path=relative,
        branch=checkout.branch,
    )


class _CheckoutCache:
    """Git lookups once per directory and once per repository root, not once per file."""

    def __init__(self) -> None:
        self._by_dir: dict[Path, GitCheckout | None] = {}
        self._by_root: dict[Path, GitCheckout | None] = {}

    def lookup(self, directory: Path) -> GitCheckout | None:
        if directory not in self._by_dir:
            root = _git_root(directory)
            if root is None:
                self._by_dir[directory] = None
            else:
                if root not in self._by_root:
                    self._by_root[root] = git_checkout(root)
                self._by_dir[directory] = self._by_root[root]
        return self._by_dir[directory]


def _git_root(directory: Path) -> Path | None:
    """The nearest ancestor holding ``.git`` (a directory, or a file for worktrees)."""
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def git_checkout(root: Path) -> GitCheckout | None:
    """The checkout at ``root`` if it has an ``origin`` remote, else None."""
    remote = _git(root, "config", "--get", "remote.origin.url")
    if not remote:
        return None
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    if not branch or branch == "HEAD":  # no commit yet, or a detached HEAD
        branch = _git(root, "symbolic-ref", "--short", "-q", "HEAD")
    return GitCheckout(root=root, repo_url=normalise_remote_url(remote), branch=branch or None)


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(cwd), *args],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value else None


def normalise_remote_url(remote: str) -> str:
    """``https://host/owner/repo`` for https, ssh and scp-like remotes (credentials and
    ``.git`` dropped); local paths and ``file:`` URLs are kept as they are."""
    text = remote.strip()
    if text.startswith("/") or text.lower().startswith("file:"):
        return text
    if "://" in text:
        parts = urlsplit(text)
        host = parts.hostname or ""
        if parts.port and parts.scheme in ("http", "https"):
            host = f"{host}:{parts.port}"
        scheme = parts.scheme if parts.scheme in ("http", "https") else "https"
        path = _strip_git_suffix(parts.path)
        return urlunsplit((scheme, host, path, "", ""))
    match = _SCP_LIKE.match(text)
    if match:
        path = _strip_git_suffix("/" + match.group("path"))
        return f"https://{match.group('host')}{path}"
    return text


def _strip_git_suffix(path: str) -> str:
    path = path.rstrip("/")
    return path[: -len(".git")] if path.endswith(".git") else path
