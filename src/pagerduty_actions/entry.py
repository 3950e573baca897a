"""The ``pagerduty-actions`` console script: ``template lint FILE`` without click.

A template author runs ``template lint`` on every save and in pre-commit, so what it imports
is most of what it costs. When the arguments are the command's plain form (``template lint
FILE`` with ``--json`` and ``--proxy-name NAME`` in any order, FILE a readable file) the lint
runs here, on ``templating.lint_cli`` as the click command does, and click (about a tenth of
a lint's instructions) is never imported; anything else — ``--help``, a misspelt option, a
missing file, every other command — goes to click's ``cli.main``, which says what is wrong.
"""

from __future__ import annotations

import gc
import os
import sys


def _plain_lint(args: list[str]) -> tuple[str, bool, str | None] | None:
    """(FILE, --json, --proxy-name) when ``args`` are a plain ``template lint``, else None."""
    if args[:2] != ["template", "lint"]:
        return None
    files: list[str] = []
    as_json, proxy_name = False, None
    rest = iter(args[2:])
    for arg in rest:
        if arg == "--json" and not as_json:
            as_json = True
        elif arg == "--proxy-name" and proxy_name is None:
            proxy_name = next(rest, None)
            if proxy_name is None:
                return None
        elif arg.startswith("--proxy-name=") and proxy_name is None:
            proxy_name = arg.partition("=")[2]
        elif arg.startswith("-"):
            return None
        else:
            files.append(arg)
    if len(files) != 1 or not os.path.isfile(files[0]) or not os.access(files[0], os.R_OK):
        return None
    return files[0], as_json, proxy_name


def _write(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    plain = _plain_lint(args)
    if plain is not None:
        # A lint is a short process that makes few cycles: the collector would only walk the
        # objects of every module as it is imported.
        gc.disable()
        from .action_manifests import RegistryError
        from .templating.known_actions import DEFAULT_PROXY_NAME
        from .templating.lint_cli import run_lint

        file, as_json, proxy_name = plain
        try:
            code = run_lint(
                file, _write, as_json=as_json, proxy_name=proxy_name or DEFAULT_PROXY_NAME
            )
        except RegistryError:
            gc.enable()  # click's command reports it, in its own words
        else:
            sys.stdout.flush()
            sys.exit(code)
    from .cli import main as click_main

    click_main(args)
