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


class ScmInputError(ScmError):
    """The caller asked for something the git side cannot do (400, ``InputError``); the
    message names what to change. The base of every such refusal below."""

    status = 400
    name = "InputError"


class InvalidRepoUrlError(ScmInputError):
    """``repoUrl`` is in no form we understand (or carries credentials)."""

    field = "repoUrl"


class HostNotAllowedError(ScmInputError):
    """The repository's host (or local path) is not in the ``integrations`` allow-list.

    Raised before any request or subprocess, so an unlisted host is never contacted.
    """

    field = "repoUrl"


class UnsafePathError(ScmInputError):
    """A path inside the checkout would escape it (absolute, ``..``, symlink out, ``.git``)."""

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
    """The host refused the integration's token (401/403 or a git authentication failure);
    502, as every host failure."""


class PushConflictError(ScmError):
    """The branch moved on the remote while we worked, again after one fetch-and-reapply."""

    status = 409
    name = "ConflictError"
    default_retryable = True


class PullRequestError(ScmError):
    """The host refused to create, find or update a pull (merge) request (502)."""


class ScmUnavailableError(ScmError):
    """The host failed (5xx) or did not answer in time (502); the message carries its own
    words."""

    default_retryable = True


class InvalidBranchError(ScmInputError):
    """A branch name from the caller is not a valid git ref name."""


class BranchNotFoundError(ScmInputError):
    """The branch to clone or commit to does not exist in the repository."""


class InvalidDeliveryError(ScmInputError):
    """The delivery request is incomplete (no title for a pull request, an unknown mode...)."""
