"""The git and pull-request adapter: where a repository is, and how a file change reaches it.

Handlers call :func:`parse_repo_url` (allow-listed against the ``integrations`` config) and
then :func:`deliver` with a :class:`DeliveryRequest` holding an edit function per file; everything
else here (workspaces, providers, path checks) is what those are built from. Every failure is
an :class:`ScmError` with a secret-free, actionable message and a suggested HTTP status.
"""

from .delivery import (
    DeliveryMode,
    DeliveryRequest,
    DeliveryResult,
    Edit,
    EditOutcome,
    HostAccess,
    deliver,
)
from .errors import (
    BranchNotFoundError,
    HostNotAllowedError,
    InvalidBranchError,
    InvalidDeliveryError,
    InvalidRepoUrlError,
    PullRequestError,
    PushConflictError,
    RepositoryFileNotFoundError,
    RepositoryNotFoundError,
    ScmAuthError,
    ScmError,
    ScmUnavailableError,
    UnsafePathError,
    redact,
)
from .git_ops import (
    OUR_BRANCH_PREFIX,
    Author,
    GitCredentials,
    Workspace,
    branch_slug,
    credentials_for,
    our_branch,
)
from .paths import find_catalog_files, normalize_repo_path, resolve_repo_path
from .pull_requests import (
    GitHubProvider,
    GitLabProvider,
    PullRequest,
    PullRequestProvider,
    provider_for,
)
from .repo_url import RepoLocation, find_integration, parse_repo_url

__all__ = [
    "OUR_BRANCH_PREFIX",
    "Author",
    "BranchNotFoundError",
    "DeliveryMode",
    "DeliveryRequest",
    "DeliveryResult",
    "Edit",
    "EditOutcome",
    "GitCredentials",
    "GitHubProvider",
    "GitLabProvider",
    "HostAccess",
    "HostNotAllowedError",
    "InvalidBranchError",
    "InvalidDeliveryError",
    "InvalidRepoUrlError",
    "PullRequest",
    "PullRequestError",
    "PullRequestProvider",
    "PushConflictError",
    "RepoLocation",
    "RepositoryFileNotFoundError",
    "RepositoryNotFoundError",
    "ScmAuthError",
    "ScmError",
    "ScmUnavailableError",
    "UnsafePathError",
    "Workspace",
    "branch_slug",
    "credentials_for",
    "deliver",
    "find_catalog_files",
    "find_integration",
    "normalize_repo_path",
    "our_branch",
    "parse_repo_url",
    "provider_for",
    "redact",
    "resolve_repo_path",
]
