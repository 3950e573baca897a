"""Fixtures for contract tests: the OpenAPI documents load once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import openapi_check


@pytest.fixture(scope="session")
def contracts() -> object:
    """The checker module with both documents already loaded."""
    openapi_check.rest_spec()
    openapi_check.events_spec()
    return openapi_check
