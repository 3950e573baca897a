"""PagerDuty actions for Backstage software templates."""

__version__ = "0.1.0"
