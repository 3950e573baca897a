"""Every way git or pull-request work can fail, as one hierarchy under :class:`ScmError`.

Handlers catch these by kind rather than by parsing git's output. Each error carries a
suggested HTTP ``status`` and ``name`` in the server's vocabulary (``InputError`` 400,
``NotFoundError`` 404, ``ConflictError`` 409, ``UpstreamError`` 502) so the integrator can map
them in one place. Messages say what to fix and are always passed through :func:`redact`
first: git's own error text and a host's answer can echo a URL with credentials or a token,
and those must never reach a log or a caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..redaction import redact as redact


class ScmError(Exception):
    """Base of every git / pull-request error; ``message`` is safe to show to a caller.

    ``status``/``name`` suggest the server error it maps to; ``retryable`` says whether the
    same call may succeed later; ``host`` names the git host involved when there is one.
    """

    status = 502
    name = "UpstreamError"
    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        host: str | None = None,
        retryable: bool | None = None,
        secrets: Iterable[str | None] = (),
    ) -> None:
        self.message = redact(message, secrets)
        self.host = host
        self.retryable = self.default_retryable if retryable is None else retryable
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InvalidRepoUrlError(ScmError):
    """``repoUrl`` is in no form we understand (or carries credentials)."""

    status = 400
    name = "InputError"
    field = "repoUrl"


class HostNotAllowedError(ScmError):
    """The repository's host (or local path) is not in the ``integrations`` allow-list.

    Raised before any request or subprocess, so an unlisted host is never contacted.
    """

    status = 400
    name = "InputError"
    field = "repoUrl"


class UnsafePathError(ScmError):
    """A path inside the checkout would escape it (absolute, ``..``, symlink out, ``.git``)."""

    status = 400
    name = "InputError"

    def __init__(self, message: str, *, field: str = "catalogPath") -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class RepositoryNotFoundError(ScmError):
    """The repository does not exist, or the integration's token cannot see it."""

    status = 404
    name = "NotFoundError"


class RepositoryFileNotFoundError(ScmError):
    """The file to edit is not in the repository; ``candidates`` lists catalog-like files."""

    status = 404
    name = "NotFoundError"

    def __init__(
        self,
        path: str,
        candidates: Sequence[str],
        *,
        field: str = "catalogPath",
        host: str | None = None,
    ) -> None:
        self.path = path
        self.field = field
        self.candidates = list(candidates)
        if self.candidates:
            shown = ", ".join(self.candidates[:20])
            more = f" (and {len(self.candidates) - 20} more)" if len(self.candidates) > 20 else ""
            hint = f" Catalog files present: {shown}{more}."
        else:
            hint = " The repository holds no catalog-info.yaml or other Backstage YAML file."
        super().__init__(f"{field}: {path!r} does not exist on the branch.{hint}", host=host)


class ScmAuthError(ScmError):
    """The host refused the integration's token (401/403 or a git authentication failure)."""

    status = 502
    name = "UpstreamError"


class PushConflictError(ScmError):
    """The branch moved on the remote while we worked, again after one fetch-and-reapply."""

    status = 409
    name = "ConflictError"
    default_retryable = True


class PullRequestError(ScmError):
    """The host refused to create, find or update a pull (merge) request."""

    status = 502
    name = "UpstreamError"


class ScmUnavailableError(ScmError):
    """The host failed (5xx) or did not answer in time; the message carries its own words."""

    status = 502
    name = "UpstreamError"
    default_retryable = True


class InvalidBranchError(ScmError):
    """A branch name from the caller is not a valid git ref name."""

    status = 400
    name = "InputError"


class BranchNotFoundError(ScmError):
    """The branch to clone or commit to does not exist in the repository."""

    status = 400
    name = "InputError"


class InvalidDeliveryError(ScmError):
    """The delivery request is incomplete (no title for a pull request, an unknown mode...)."""

    status = 400
    name = "InputError"
