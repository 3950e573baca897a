"""One long-lived client per configured account, shared by every request of the process.

A client owns the connection pool and, for OAuth, the cached access token; building a client
per action run would fetch a new token each time and defeat both. Handlers ask the pool for an
account's client instead of constructing one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from .accounts import AccountSet
from .client import PagerDutyClient
from .errors import PagerDutyError
from .scopes import REQUIRED_SCOPES


class ClientPool:
    """Lazily built clients keyed by account id; ``client_options`` go to each client."""

    def __init__(self, accounts: AccountSet, **client_options: Any) -> None:
        self.accounts = accounts
        self._options = client_options
        self._lock = threading.Lock()
        self._clients: dict[str, PagerDutyClient] = {}

    def get(self, account_id: str | None = None) -> PagerDutyClient:
        """The client of the named account, or of the default one (``UnknownAccountError``)."""
        account = self.accounts.get(account_id)
        with self._lock:
            client = self._clients.get(account.id)
            if client is None:
                client = PagerDutyClient(account, **self._options)
                self._clients[account.id] = client
            return client

    def missing_scopes(self, required: Iterable[str] = REQUIRED_SCOPES) -> dict[str, list[str]]:
        """Per account id, the ``required`` scopes its OAuth token was not granted.

        Accounts lacking none are left out, and so are API-token accounts (those keys are not
        scoped), so an empty dict means every action can run. This fetches a token for each
        OAuth account: call it once at start-up. A token that cannot be fetched at all raises
        the :class:`PagerDutyError`, its message naming the account.
        """
        wanted = tuple(required)
        report: dict[str, list[str]] = {}
        for account in self.accounts:
            try:
                missing = self.get(account.id).missing_scopes(wanted)
            except PagerDutyError as exc:
                exc.message = f"account {account.id!r}: {exc.message}"
                raise
            if missing:
                report[account.id] = missing
        return report

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def __enter__(self) -> ClientPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
