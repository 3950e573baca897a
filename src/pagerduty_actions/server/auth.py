"""Bearer-token authentication against ``auth.tokens``.

Every configured token is compared in constant time, whichever matches, so response timing
says nothing about how close a guess was. The 401 text says which credential is missing or
wrong — the most common mistake is the Backstage proxy not injecting the header.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import AuthenticationError
from ..redaction import register_secret
from ..registry import Caller


class CallerAuthenticator:
    """Who is calling: the ``Authorization: Bearer`` token of a request, checked against
    ``auth.tokens``. (Not to be confused with ``pagerduty.auth``, our credentials towards
    PagerDuty.)"""

    def __init__(self, tokens: Iterable[Mapping[str, Any]]) -> None:
        self._tokens: list[tuple[bytes, Caller]] = []
        for entry in tokens:
            token = str(entry["token"])
            register_secret(token)
            actions = entry.get("actions")
            caller = Caller(str(entry["name"]), tuple(actions) if actions is not None else None)
            self._tokens.append((token.encode(), caller))

    def authenticate(self, header: str | None) -> Caller:
        if not self._tokens:
            raise AuthenticationError(
                "this server has no auth.tokens configured; add one to its config file"
            )
        if not header:
            raise AuthenticationError(
                "missing Authorization header; send 'Authorization: Bearer <token>' with a "
                "token from auth.tokens (through the Backstage proxy: set it in the proxy "
                "route's headers)"
            )
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthenticationError("the Authorization header must be 'Bearer <token>'")
        presented = value.strip().encode()
        match: Caller | None = None
        for token, caller in self._tokens:
            if hmac.compare_digest(token, presented):
                match = caller
        if match is None:
            raise AuthenticationError(
                "the bearer token is not one of auth.tokens; check the token the caller sends"
            )
        return match
