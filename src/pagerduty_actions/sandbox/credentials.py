"""The sandbox's OAuth apps and the access tokens it issued.

Apart from the state that keeps them, so a seed document (``seed``) can register apps without
importing the state that loads seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

from pagerduty_actions.sandbox.ids import redact

DEFAULT_OAUTH_EXPIRES_IN = 2592000


@dataclass
class OAuthClient:
    """A registered OAuth app (client credentials grant) bound to one account."""

    client_id: str
    client_secret: str
    account: str
    scopes: set[str]
    expires_in: int = DEFAULT_OAUTH_EXPIRES_IN

    def __repr__(self) -> str:
        return f"OAuthClient({self.client_id!r}, secret={redact(self.client_secret)!r})"


@dataclass
class OAuthGrant:
    """An issued access token."""

    account: str
    scopes: set[str]
    expires_at: float
    client_id: str = ""
