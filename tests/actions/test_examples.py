"""Every example in every action manifest runs against the sandbox, for real and as a dry run,
so the documentation a template author copies cannot drift from what works."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pagerduty_actions.registry import Registry

EXAMPLES = [
    pytest.param(spec.id, step["input"], id=f"{spec.id}-{n}")
    for spec in Registry.load().specs()
    for n, example in enumerate(spec.examples)
    for step in example["steps"]
    if step["action"] == spec.id
]


@pytest.mark.parametrize(("action", "payload"), EXAMPLES)
def test_example_runs(call: Callable[..., Any], action: str, payload: dict[str, Any]) -> None:
    dry = call(action, payload, dry_run=True)
    assert dry.status_code == 200, dry.json
    assert dry.json["dryRun"] is True
    real = call(action, payload)
    assert real.status_code == 200, real.json
    assert real.json["dryRun"] is False


def test_every_action_has_examples() -> None:
    for spec in Registry.load().specs():
        assert spec.examples, f"{spec.id} has no examples"
