"""Small request helpers shared by the sandbox's route modules."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request

from pagerduty_actions.sandbox.account import Record, SandboxAccount
from pagerduty_actions.sandbox.errors import invalid_input, not_found
from pagerduty_actions.sandbox.render import Links
from pagerduty_actions.sandbox.state import SandboxState

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
MAX_OFFSET_PLUS_LIMIT = 10000


def state() -> SandboxState:
    """The state this app serves."""
    found: SandboxState = current_app.extensions["pagerduty_sandbox"]
    return found


def account() -> SandboxAccount:
    """The account of the authenticated caller."""
    found: SandboxAccount = g.caller.account
    return found


def links() -> Links:
    """Links for the caller's account as seen through this server."""
    return Links.for_account(request.host_url, account())


def body() -> dict[str, Any]:
    """The JSON request body as an object (400 otherwise)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise invalid_input("The request body must be a JSON object")
    return data


def wrapped(key: str) -> dict[str, Any]:
    """``body()[key]`` as an object, e.g. the ``service`` of ``{"service": {...}}``."""
    inner = body().get(key)
    if not isinstance(inner, dict):
        raise invalid_input(f"{key} must be an object")
    return inner


def list_arg(name: str) -> list[str]:
    """A repeated query parameter, accepting both ``name[]`` and ``name``."""
    return request.args.getlist(name + "[]") + request.args.getlist(name)


def include() -> set[str]:
    """The ``include[]`` values."""
    return set(list_arg("include"))


def int_arg(name: str, default: int) -> int:
    """An integer query parameter (400 when malformed)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise invalid_input(f"{name} must be an integer") from None


def paginate(key: str, items: list[Any]) -> dict[str, Any]:
    """PagerDuty's classic offset pagination over ``items``."""
    limit = min(max(int_arg("limit", DEFAULT_LIMIT), 1), MAX_LIMIT)
    offset = max(int_arg("offset", 0), 0)
    if offset + limit > MAX_OFFSET_PLUS_LIMIT:
        raise invalid_input(f"Offset plus limit must not exceed {MAX_OFFSET_PLUS_LIMIT}")
    wants_total = request.args.get("total", "false").lower() == "true"
    return {
        key: items[offset : offset + limit],
        "limit": limit,
        "offset": offset,
        "more": offset + limit < len(items),
        "total": len(items) if wants_total else None,
    }


def matches_query(name: str) -> bool:
    """Case-insensitive substring match against the ``query`` parameter."""
    query = request.args.get("query")
    return not query or query.casefold() in name.casefold()


def visible(record_id: str) -> bool:
    """False while an object is hidden by the eventual-consistency fault."""
    return not state().faults.hidden(account().created.get(record_id))


def get_or_404(table: dict[str, Record], record_id: str, what: str) -> Record:
    """A record that exists and is visible, else PagerDuty's 404."""
    record = table.get(record_id)
    if record is None or not visible(record_id):
        raise not_found(f"{what} {record_id} not found")
    return record
