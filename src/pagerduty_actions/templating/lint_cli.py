"""What ``template lint FILE`` prints and its exit code, without click.

The click command (``cli_template``) and the console script's fast path (``entry``) both run
this, so the two print the same lines and exit with the same code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pagerduty_actions.action_manifests import input_schemas
from pagerduty_actions.templating.known_actions import DEFAULT_PROXY_NAME
from pagerduty_actions.templating.lint import lint_file


def run_lint(
    file: str | Path,
    write: Callable[[str], object],
    *,
    as_json: bool = False,
    proxy_name: str = DEFAULT_PROXY_NAME,
) -> int:
    """Lint ``file``, hand each output line to ``write``, return the exit code (1 on errors).

    Raises ``action_manifests.RegistryError`` when the actions' manifests cannot be read.
    """
    report = lint_file(file, input_schemas(), proxy_name=proxy_name)
    if as_json:
        write(json.dumps(report.as_dict(), indent=2))
    else:
        for finding in report.sorted():
            write(finding.text(report.source))
        verdict = "OK" if report.ok else "FAILED"
        write(
            f"{report.source}: {verdict} ({len(report.errors)} error(s), "
            f"{len(report.warnings)} warning(s))"
        )
    return report.exit_code
