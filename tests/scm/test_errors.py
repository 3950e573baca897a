"""The ScmError hierarchy: suggested statuses, and secrets that never survive into messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pagerduty_actions.scm import (
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

TOKEN_CHARS = st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="[]")


@given(
    token=st.text(TOKEN_CHARS, min_size=8, max_size=60),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
)
def test_a_known_secret_never_survives(token: str, before: str, after: str) -> None:
    token += "7"  # a digit: the token can then never be part of "[REDACTED]" itself
    error = ScmError(f"{before}{token}{after}", secrets=[token])
    assert token not in error.message and token not in repr(error)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (
            "fatal: unable to access 'https://x-access-token:abc123def@github.com/a/b.git/'",
            "abc123def",
        ),
        ("remote: https://oauth2:glpat-0123456789abcdefghij@gitlab.example.com", "glpat-"),
        ("Authorization: Bearer ghp_0123456789abcdefABCDEF0123", "ghp_0123"),
        ("PRIVATE-TOKEN: sekr1t-value", "sekr1t"),
        ("token github_pat_11ABCDEFG0123456789_abcdefghijklmnop leaked", "github_pat_11"),
    ],
)
def test_credential_shapes_are_redacted(text: str, secret: str) -> None:
    assert secret not in redact(text)
    assert "[REDACTED]" in redact(text)


def test_plain_text_is_left_alone() -> None:
    text = "branch 'main' of github.com/acme/payments changed on the remote"
    assert redact(text) == text


@pytest.mark.parametrize(
    ("error", "status", "name"),
    [
        (InvalidRepoUrlError("x"), 400, "InputError"),
        (HostNotAllowedError("x"), 400, "InputError"),
        (UnsafePathError("x"), 400, "InputError"),
        (InvalidBranchError("x"), 400, "InputError"),
        (BranchNotFoundError("x"), 400, "InputError"),
        (InvalidDeliveryError("x"), 400, "InputError"),
        (RepositoryNotFoundError("x"), 404, "NotFoundError"),
        (RepositoryFileNotFoundError("a.yaml", []), 404, "NotFoundError"),
        (PushConflictError("x"), 409, "ConflictError"),
        (ScmAuthError("x"), 502, "UpstreamError"),
        (PullRequestError("x"), 502, "UpstreamError"),
        (ScmUnavailableError("x"), 502, "UpstreamError"),
    ],
)
def test_suggested_statuses(error: ScmError, status: int, name: str) -> None:
    assert (error.status, error.name) == (status, name)
    assert error.retryable == isinstance(error, PushConflictError | ScmUnavailableError)


def test_file_not_found_message_lists_at_most_twenty() -> None:
    names = [f"svc{i:02}/catalog-info.yaml" for i in range(25)]
    error = RepositoryFileNotFoundError("x.yaml", names)
    assert "svc19/catalog-info.yaml" in error.message
    assert "svc20/catalog-info.yaml" not in error.message
    assert "(and 5 more)" in error.message
    assert "no catalog-info.yaml" in RepositoryFileNotFoundError("x.yaml", []).message
