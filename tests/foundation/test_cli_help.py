"""Every ``pagerduty-actions`` command and option explains itself in ``--help``.

The walk covers the whole click tree, so a command or option added later without a help
text fails here rather than showing a bare flag to a user.
"""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from pagerduty_actions.cli import main


def _commands(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        # Asked as click asks (list_commands/get_command): `sync` is imported only on demand.
        context = click.Context(command)
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            assert sub is not None, name
            yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(main))


def test_the_walk_sees_every_command_group() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"serve", "sandbox", "sync", "actions run", "config check", "template run"} <= names


@pytest.mark.parametrize(
    "path, command", COMMANDS, ids=[" ".join(p) or "pagerduty-actions" for p, _ in COMMANDS]
)
def test_every_command_option_and_argument_has_help(
    path: tuple[str, ...], command: click.Command
) -> None:
    assert (command.help or "").strip(), f"command {' '.join(path)!r} has no help text"
    context = click.Context(command, info_name=path[-1] if path else "pagerduty-actions")
    for param in command.get_params(context):
        if isinstance(param, click.Option):
            assert (param.help or "").strip(), f"{' '.join(path)} {param.opts[0]} has no help"
        elif isinstance(param, click.Argument):
            # click has no help= for arguments: the command's text must name each one.
            metavar = param.make_metavar(context).rstrip(".")
            assert metavar in (command.help or ""), (
                f"{' '.join(path)}: the help text does not explain {metavar}"
            )


@pytest.mark.parametrize(
    "path", [p for p, _ in COMMANDS], ids=[" ".join(p) or "pagerduty-actions" for p, _ in COMMANDS]
)
def test_help_renders_for_every_command(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
