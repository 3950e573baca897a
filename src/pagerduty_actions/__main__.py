"""``python -m pagerduty_actions`` is the ``pagerduty-actions`` command."""

from .entry import main

main()
