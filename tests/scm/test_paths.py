"""catalogPath stays inside the checkout, and "not found" lists the catalog files present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pagerduty_actions.scm import (
    UnsafePathError,
    find_catalog_files,
    normalize_repo_path,
    resolve_repo_path,
)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / ".git" / "hooks").mkdir(parents=True)
    (root / "svc").mkdir()
    (root / "catalog-info.yaml").write_text("apiVersion: backstage.io/v1alpha1\n")
    (root / "svc" / "catalog-info.yml").write_text("kind: Component\n")
    (root / "svc" / "api.yaml").write_text("# api\napiVersion: backstage.io/v1alpha1\nkind: API\n")
    (root / "svc" / "quoted.yaml").write_text("apiVersion: 'backstage.io/v1beta1'\n")
    (root / "svc" / "values.yaml").write_text("apiVersion: apps/v1\n")
    (root / "node_modules" / "x").mkdir(parents=True)
    (root / "node_modules" / "x" / "catalog-info.yaml").write_text("x")
    (root / ".git" / "catalog-info.yaml").write_text("x")
    (tmp_path / "secret.yaml").write_text("apiVersion: backstage.io/v1alpha1\n")
    return root


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("catalog-info.yaml", "catalog-info.yaml"),
        ("./catalog-info.yaml", "catalog-info.yaml"),
        ("svc//catalog-info.yml", "svc/catalog-info.yml"),
        ("svc/./api.yaml", "svc/api.yaml"),
    ],
)
def test_normal_forms(given: str, normal: str) -> None:
    assert normalize_repo_path(given) == normal


@pytest.mark.parametrize(
    "given",
    [
        "",
        " ",
        "/etc/passwd",
        "C:/x.yaml",
        "..",
        "../x.yaml",
        "svc/../../x.yaml",
        "svc/../catalog-info.yaml",
        "svc\\..\\x.yaml",
        ".git/hooks/pre-commit",
        "svc/.GIT/config",
        ".",
        "a\x00b",
    ],
)
def test_refused_lexically(given: str) -> None:
    with pytest.raises(UnsafePathError) as err:
        normalize_repo_path(given)
    assert err.value.field == "catalogPath"
    assert err.value.message.startswith("catalogPath: ")
    assert err.value.status == 400


def test_resolves_inside(checkout: Path) -> None:
    path = resolve_repo_path(checkout, "svc/api.yaml")
    assert path == (checkout / "svc" / "api.yaml").resolve()
    # A file that does not exist yet is fine (a caller may create it).
    assert resolve_repo_path(checkout, "new/catalog-info.yaml").name == "catalog-info.yaml"


def test_symlink_leaving_the_repo_is_refused(checkout: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "secret.yaml", checkout / "link.yaml")
    os.symlink(tmp_path, checkout / "up")
    os.symlink(checkout / ".git", checkout / "gitdir")
    for given in ("link.yaml", "up/secret.yaml", "gitdir/hooks/pre-commit"):
        with pytest.raises(UnsafePathError):
            resolve_repo_path(checkout, given)


def test_symlink_inside_the_repo_is_allowed(checkout: Path) -> None:
    os.symlink(checkout / "svc" / "api.yaml", checkout / "api-link.yaml")
    assert resolve_repo_path(checkout, "api-link.yaml") == (checkout / "svc" / "api.yaml")


def test_directory_is_refused(checkout: Path) -> None:
    with pytest.raises(UnsafePathError, match="directory"):
        resolve_repo_path(checkout, "svc")


def test_custom_field_name_is_reported() -> None:
    with pytest.raises(UnsafePathError) as err:
        normalize_repo_path("../x", field="files")
    assert err.value.field == "files"


def test_find_catalog_files(checkout: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "secret.yaml", checkout / "linked.yaml")
    assert find_catalog_files(checkout) == [
        "catalog-info.yaml",
        "svc/api.yaml",
        "svc/catalog-info.yml",
        "svc/quoted.yaml",
    ]
    assert find_catalog_files(checkout, limit=2) == ["catalog-info.yaml", "svc/api.yaml"]
