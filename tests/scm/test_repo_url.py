"""repoUrl in every form we accept, and the allow-list that refuses the rest before any I/O."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pagerduty_actions.scm import (
    HostNotAllowedError,
    InvalidRepoUrlError,
    RepoLocation,
    find_integration,
    parse_repo_url,
)

INTEGRATIONS = {
    "github": [
        {"host": "github.com", "token": "t-gh"},
        {
            "host": "ghe.example.com",
            "token": "t-ghe",
            "apiBaseUrl": "https://ghe.example.com/api/v3",
        },
    ],
    "gitlab": [{"host": "gitlab.example.com", "token": "t-gl"}],
}


@pytest.mark.parametrize(
    ("value", "kind", "host", "owner", "repo"),
    [
        ("github.com?owner=acme&repo=payments", "github", "github.com", "acme", "payments"),
        ("github.com?repo=payments&owner=acme", "github", "github.com", "acme", "payments"),
        ("GitHub.com?owner=acme&repo=payments", "github", "github.com", "acme", "payments"),
        (
            "ghe.example.com?owner=acme&repo=pay.ments",
            "github",
            "ghe.example.com",
            "acme",
            "pay.ments",
        ),
        (
            "gitlab.example.com?owner=group/sub&repo=svc",
            "gitlab",
            "gitlab.example.com",
            "group/sub",
            "svc",
        ),
        (
            "gitlab.example.com?workspace=group&project=sub&repo=svc",
            "gitlab",
            "gitlab.example.com",
            "group/sub",
            "svc",
        ),
        ("https://github.com/acme/payments", "github", "github.com", "acme", "payments"),
        ("https://github.com/acme/payments.git", "github", "github.com", "acme", "payments"),
        ("https://github.com/acme/payments/", "github", "github.com", "acme", "payments"),
        (
            "https://github.com/acme/payments/tree/main/x",
            "github",
            "github.com",
            "acme",
            "payments",
        ),
        (
            "https://gitlab.example.com/group/sub/svc",
            "gitlab",
            "gitlab.example.com",
            "group/sub",
            "svc",
        ),
        (
            "https://gitlab.example.com/group/sub/svc.git",
            "gitlab",
            "gitlab.example.com",
            "group/sub",
            "svc",
        ),
        (
            "https://gitlab.example.com/group/svc/-/blob/main/catalog-info.yaml",
            "gitlab",
            "gitlab.example.com",
            "group",
            "svc",
        ),
    ],
)
def test_hosted_forms(value: str, kind: str, host: str, owner: str, repo: str) -> None:
    loc = parse_repo_url(value, INTEGRATIONS)
    assert (loc.kind, loc.host, loc.owner, loc.repo) == (kind, host, owner, repo)
    assert loc.clone_url == f"https://{host}/{owner}/{repo}.git"
    assert loc.path is None


def test_integration_entry_is_found_for_the_host() -> None:
    loc = parse_repo_url("https://ghe.example.com/acme/x", INTEGRATIONS)
    entry = find_integration(loc, INTEGRATIONS)
    assert entry is not None and entry["token"] == "t-ghe"
    assert loc.display == "ghe.example.com/acme/x"


@pytest.mark.parametrize(
    "value",
    [
        "evil.example.com?owner=a&repo=b",
        "https://evil.example.com/a/b",
        "https://github.com.evil.example.com/a/b",
        "gitlab.com?owner=a&repo=b",
    ],
)
def test_unlisted_host_is_refused(value: str) -> None:
    with pytest.raises(HostNotAllowedError) as err:
        parse_repo_url(value, INTEGRATIONS)
    assert err.value.status == 400
    assert "integrations.github" in err.value.message


def test_no_integrations_refuses_everything() -> None:
    with pytest.raises(HostNotAllowedError):
        parse_repo_url("github.com?owner=a&repo=b", None)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "github.com?owner=acme",
        "github.com?repo=x",
        "github.com",
        "git@github.com:acme/payments.git",
        "ssh://git@github.com/acme/payments.git",
        "http://github.com/acme/payments",
        "https://github.com/acme",
        "https://github.com/a/b/c",
        "github.com?owner=a/b&repo=c",
        "github.com?owner=..&repo=c",
        "github.com?owner=acme&repo=..",
        "github.com?owner=acme&repo=pay%20ments",
        "https://github.com/acme/payments?ref=x",
        "https://gitlab.example.com/group/../svc",
        "bad host?owner=a&repo=b",
        "relative/path",
    ],
)
def test_malformed_values_are_input_errors(value: str) -> None:
    with pytest.raises(InvalidRepoUrlError) as err:
        parse_repo_url(value, INTEGRATIONS)
    assert err.value.status == 400


def test_credentials_in_the_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(InvalidRepoUrlError) as err:
        parse_repo_url("https://user:s3cr3t-value@github.com/acme/payments", INTEGRATIONS)
    assert "s3cr3t-value" not in str(err.value)
    assert "s3cr3t-value" not in repr(err.value)


# -- local ------------------------------------------------------------------------------------


@pytest.fixture
def local_root(tmp_path: Path) -> Path:
    root = tmp_path / "repos"
    (root / "team" / "svc.git").mkdir(parents=True)
    (tmp_path / "outside.git").mkdir()
    return root


def test_local_path_and_file_url(local_root: Path) -> None:
    integ = {"local": [{"root": str(local_root)}]}
    target = local_root / "team" / "svc.git"
    for value in (str(target), target.as_uri(), f"file://localhost{target}"):
        loc = parse_repo_url(value, integ)
        assert loc == RepoLocation(
            kind="local", host="", owner="", repo="svc", clone_url=target.as_uri(), path=target
        )


def test_local_path_outside_roots_is_refused(local_root: Path, tmp_path: Path) -> None:
    integ = {"local": [{"root": str(local_root)}]}
    for value in (
        str(tmp_path / "outside.git"),
        f"{local_root}/../outside.git",
        f"{local_root}/team/../../outside.git",
        (tmp_path / "outside.git").as_uri(),
    ):
        with pytest.raises(HostNotAllowedError):
            parse_repo_url(value, integ)


def test_symlink_under_root_pointing_out_is_refused(local_root: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "outside.git", local_root / "sneaky.git")
    with pytest.raises(HostNotAllowedError):
        parse_repo_url(str(local_root / "sneaky.git"), {"local": [{"root": str(local_root)}]})


def test_local_root_given_through_a_symlink_still_matches(local_root: Path, tmp_path: Path) -> None:
    os.symlink(local_root, tmp_path / "link-root")
    loc = parse_repo_url(
        str(local_root / "team" / "svc.git"), {"local": [{"root": str(tmp_path / "link-root")}]}
    )
    assert loc.path == (local_root / "team" / "svc.git").resolve()


def test_local_without_local_integration_is_refused(local_root: Path) -> None:
    with pytest.raises(HostNotAllowedError):
        parse_repo_url(str(local_root / "team" / "svc.git"), INTEGRATIONS)


def test_file_url_with_remote_host_is_refused(local_root: Path) -> None:
    with pytest.raises(InvalidRepoUrlError):
        parse_repo_url("file://server/share/repo", {"local": [{"root": str(local_root)}]})


@pytest.mark.parametrize(
    "value",
    [
        "${BARE_GIT_REMOTE}",
        "relative/path",
        "git@github.com:acme/payments.git",
        "http://github.com/acme/payments",
        "https://github.com/acme",
        "github.com?owner=acme",
        "evil.example.com?owner=a&repo=b",
        "github.com?owner=acme&repo=pay%20ments",
        "file://elsewhere/x.git",
    ],
)
def test_a_refused_value_is_shown_in_the_message(value: str) -> None:
    """The author sees what the template actually passed, not only what was expected."""
    with pytest.raises((InvalidRepoUrlError, HostNotAllowedError)) as err:
        parse_repo_url(value, INTEGRATIONS)
    assert repr(value) in err.value.message


def test_a_refused_local_path_is_shown_with_the_config_that_allows_it(tmp_path: Path) -> None:
    target = tmp_path / "repos" / "svc.git"
    with pytest.raises(HostNotAllowedError) as err:
        parse_repo_url(target.as_uri(), {})
    assert repr(target.as_uri()) in err.value.message
    assert "none configured" in err.value.message
    assert f"integrations: {{local: [{{root: {target.parent}}}]}}" in err.value.message


def test_a_long_refused_value_is_cut_short_and_credentials_stay_hidden() -> None:
    long_value = "x" * 5000
    with pytest.raises(InvalidRepoUrlError) as err:
        parse_repo_url(long_value, INTEGRATIONS)
    assert "(truncated, 5000 characters)" in err.value.message
    assert len(err.value.message) < 600
    with pytest.raises(InvalidRepoUrlError) as err:
        parse_repo_url("https://user:s3cr3t-value@github.com/acme/payments", INTEGRATIONS)
    assert "'https://[REDACTED]@github.com/acme/payments'" in err.value.message
