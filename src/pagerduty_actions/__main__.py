"""``python -m pagerduty_actions`` is the ``pagerduty-actions`` command."""

from .cli import main

main()
