"""A stateful, in-memory PagerDuty (REST API, Events API v2, OAuth) served over loopback HTTP.

Tests, benchmarks and template authors use it instead of PagerDuty: it follows PagerDuty's
OpenAPI shapes and rules, hosts several accounts keyed by token, and injects faults (rate limits,
5xx, latency, dropped connections, read-after-write lag) on demand. See ``admin`` for the
``/_sandbox`` control routes and ``seed`` for the seed-file format.
"""

from pagerduty_actions.sandbox.account import ALL_ABILITIES, SandboxAccount
from pagerduty_actions.sandbox.app import create_sandbox_app
from pagerduty_actions.sandbox.credentials import OAuthClient
from pagerduty_actions.sandbox.errors import ErrorCode, PagerDutyErrorResponse
from pagerduty_actions.sandbox.grouping import validate_config, validate_services
from pagerduty_actions.sandbox.reqlog import LoggedRequest, RequestLog
from pagerduty_actions.sandbox.seed import (
    BACKSTAGE_VENDOR_ID,
    default_seed,
    generate_graph,
    load_seed_file,
)
from pagerduty_actions.sandbox.server import SandboxServer, main, run_sandbox, sandbox_server
from pagerduty_actions.sandbox.state import DEFAULT_TOKEN, SandboxState

__all__ = [
    "ALL_ABILITIES",
    "BACKSTAGE_VENDOR_ID",
    "DEFAULT_TOKEN",
    "ErrorCode",
    "LoggedRequest",
    "OAuthClient",
    "PagerDutyErrorResponse",
    "RequestLog",
    "SandboxAccount",
    "SandboxServer",
    "SandboxState",
    "create_sandbox_app",
    "default_seed",
    "generate_graph",
    "load_seed_file",
    "main",
    "run_sandbox",
    "sandbox_server",
    "validate_config",
    "validate_services",
]
