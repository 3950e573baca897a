"""Browser sessions: a person signs in once with a server token (one of ``auth.tokens``) and
then carries a signed cookie, never the token.

The cookie holds the token's name, a fingerprint of the token (so rotating a token ends its
sessions) and an expiry, signed with HMAC-SHA256 under a key derived from every configured
token (a restart keeps sessions; changing the tokens ends them all). It is ``HttpOnly``
(scripts cannot read it), ``SameSite=Strict`` (no other site's page sends it) and ``Secure``
behind HTTPS. Every form carries a CSRF token, an HMAC of the session cookie: a page of
another site can neither read it nor compute it. Before sign-in, a random "pre-session" cookie
plays the session's part, so the sign-in form is protected the same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..registry import Caller

COOKIE = "pda_ui_session"
PRE_COOKIE = "pda_ui_pre"
LIFETIME_SECONDS = 8 * 3600
MAX_COOKIE = 1024  # a longer cookie is not ours: refused before any decoding


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Session:
    caller: Caller
    cookie: str
    expires: int


class SessionSigner:
    """Makes and checks session cookies and CSRF tokens for the configured tokens."""

    def __init__(self, tokens: Iterable[Mapping[str, Any]], clock: Any = time.time) -> None:
        self._callers: dict[str, Caller] = {}
        material = hashlib.sha256(b"pagerduty-actions ui session v1")
        for entry in tokens:
            token, name = str(entry["token"]), str(entry["name"])
            actions = entry.get("actions")
            caller = Caller(name, tuple(actions) if actions is not None else None)
            self._callers[fingerprint(token)] = caller
            material.update(len(token).to_bytes(4, "big") + token.encode())
        self._key = material.digest()
        self._clock = clock

    def _mac(self, purpose: str, value: str) -> str:
        digest = hmac.new(self._key, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, token: str, caller: Caller) -> str:
        """A cookie value for a caller who proved ``token``."""
        payload = {
            "n": caller.name,
            "f": fingerprint(token),
            "e": int(self._clock()) + LIFETIME_SECONDS,
        }
        body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
        text = body.decode().rstrip("=")
        return f"{text}.{self._mac('session', text)}"

    def check(self, cookie: str | None) -> Session | None:
        """The session a cookie stands for, or None: forged, expired, or its token is gone."""
        if not cookie or len(cookie) > MAX_COOKIE or cookie.count(".") != 1:
            return None
        text, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac("session", text)):
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            name, print_, expires = str(payload["n"]), str(payload["f"]), int(payload["e"])
        except (ValueError, KeyError, TypeError):
            return None
        caller = self._callers.get(print_)
        if caller is None or caller.name != name or expires < self._clock():
            return None
        return Session(caller, cookie, expires)

    def csrf(self, anchor: str) -> str:
        """The CSRF token of a session cookie (or of a pre-session cookie)."""
        return self._mac("csrf", anchor)

    def csrf_ok(self, anchor: str | None, presented: str | None) -> bool:
        if not anchor or not presented or len(presented) > 100:
            return False
        return hmac.compare_digest(self.csrf(anchor), presented)


def new_pre_session() -> str:
    return secrets.token_urlsafe(24)
