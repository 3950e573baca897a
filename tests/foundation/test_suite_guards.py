"""The suite's own guards: it never writes into the checkout's .data/, and without PostgreSQL
the store tests say how to start it instead of showing a connection traceback.

Each runs the real tests/conftest.py in a pytest subprocess over a throwaway copy of the
tests folder, so the guard's failure is seen as a developer would see it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import data_guard

TESTS = Path(__file__).resolve().parent.parent


def pytest_in_copy(tmp_path: Path, test_source: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``test_source`` as the only test of a checkout copy holding our conftest."""
    checkout = tmp_path / "checkout"
    tests = checkout / "tests"
    (tests / "contracts").mkdir(parents=True)
    for name in ("conftest.py", "data_guard.py"):
        shutil.copy(TESTS / name, tests / name)
    (tests / "test_example.py").write_text(test_source, encoding="utf-8")
    (checkout / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=checkout,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_test_writing_into_the_checkouts_data_fails_the_run(tmp_path: Path) -> None:
    writes = (
        "from pathlib import Path\n"
        "def test_writes():\n"
        "    data = Path(__file__).resolve().parent.parent / '.data'\n"
        "    data.mkdir()\n"
        "    (data / 'local-token').write_text('x')\n"
    )
    done = pytest_in_copy(tmp_path, writes)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("1 passed, 1 error in")
    assert "tests wrote into the checkout's" in done.stdout
    assert "the folder was created; added local-token" in done.stdout
    assert "Traceback" not in done.stdout


def test_a_suite_leaving_data_alone_passes(tmp_path: Path) -> None:
    done = pytest_in_copy(tmp_path, "def test_nothing():\n    assert True\n")
    assert done.returncode == 0, done.stdout + done.stderr


def test_snapshot_differences_are_named() -> None:
    before = {"a": (1, 10), "b": (2, 20), "work": (-1, 0)}
    after = {"a": (1, 10), "b": (3, 30), "c": (1, 40), "work": (-1, 0)}
    assert data_guard.changes(before, after) == ["added c", "changed b"]
    assert data_guard.changes(after, before) == ["removed c", "changed b"]
    assert data_guard.changes(before, before) == []
    assert data_guard.changes(before, None) == ["the folder was removed"]


def test_without_postgres_the_store_tests_say_how_to_start_it(tmp_path: Path) -> None:
    uses_postgres = "def test_store(postgres_url):\n    assert postgres_url\n"
    done = pytest_in_copy(
        tmp_path,
        uses_postgres,
        PAGERDUTY_ACTIONS_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:1/test",
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("1 error in")
    assert "PostgreSQL does not answer at 127.0.0.1:1/test" in done.stdout
    assert "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start" in (
        done.stdout
    )
    assert "PAGERDUTY_ACTIONS_TEST_POSTGRES_URL" in done.stdout
    for noise in ("Traceback", "The above exception", "During handling", "sqlalche.me"):
        assert noise not in done.stdout
