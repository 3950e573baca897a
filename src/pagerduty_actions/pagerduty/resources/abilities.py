"""Account abilities: what the plan allows (alert grouping types, for one)."""

from __future__ import annotations

from ..client import PagerDutyClient
from ..errors import AbilityRequiredError


def list_abilities(client: PagerDutyClient) -> list[str]:
    """``GET /abilities`` (OAuth needs the ``abilities.read`` scope)."""
    return [str(a) for a in client.get("/abilities").get("abilities") or []]


def has(client: PagerDutyClient, ability: str) -> bool:
    """``GET /abilities/{id}``: 204 when the account has it, 402 when it does not."""
    try:
        client.get("/abilities/{id}", path_params={"id": ability})
    except AbilityRequiredError:
        return False
    return True
