"""The console script runs a plain ``template lint`` without click: it must print the same
lines and exit with the same code as the click command, and leave every other form of the
arguments to click."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pagerduty_actions.cli import main as click_main
from pagerduty_actions.entry import _plain_lint, main
from pagerduty_actions.paths import data_dir

TEMPLATES = sorted(data_dir("templates").glob("*/template.yaml"))
BROKEN = "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: -x-}\n"


@pytest.fixture(autouse=True)
def _collector_back_on() -> Iterator[None]:
    """The plain lint turns the collector off for its short process; not for the suite's."""
    yield
    gc.enable()


def through_entry(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    code = exited.value.code
    return (code if isinstance(code, int) else 0), capsys.readouterr().out


def through_click(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(click_main, args)
    return result.exit_code, result.output


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.parent.name)
@pytest.mark.parametrize(
    "options", [[], ["--json"], ["--proxy-name", "pd"], ["--proxy-name=pd", "--json"]]
)
def test_the_plain_lint_prints_what_the_click_command_prints(
    template: Path, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["template", "lint", *options, str(template)]
    assert _plain_lint(args) is not None
    assert through_entry(args, capsys) == through_click(args)


def test_a_failing_lint_exits_1_with_the_same_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "template.yaml"
    bad.write_text(BROKEN, encoding="utf-8")
    args = ["template", "lint", str(bad)]
    code, out = through_entry(args, capsys)
    assert code == 1 and "FAILED" in out
    assert (code, out) == through_click(args)


@pytest.mark.parametrize(
    "args",
    [
        ["template", "lint", "--help"],
        ["template", "lint"],
        ["template", "lint", "missing.yaml"],
        ["template", "lint", "--jsn", "x.yaml"],
        ["template", "lint", "--proxy-name"],
        ["template", "lint", "--json", "--json", "x.yaml"],
        ["template", "run", "x.yaml"],
        ["--version"],
    ],
)
def test_everything_else_is_left_to_click(args: list[str]) -> None:
    assert _plain_lint(args) is None


def test_a_missing_file_gets_clicks_own_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["template", "lint", "no-such-template.yaml"])
    assert exited.value.code == 2
    assert "does not exist" in capsys.readouterr().err
