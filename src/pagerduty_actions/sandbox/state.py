"""The whole sandbox behind one lock: accounts, credentials, fault model, request log.

Tests drive it over HTTP or through the Python methods here; both paths take ``lock`` so a test
can read consistent data while requests are being served.

A persisted sandbox (``persist_path``) may be shared by several processes: ``serve`` and a CLI
command in one data dir each run the built-in sandbox on the same ``sandbox-state.json``. Each
request holds the file's lock (``fcntl.flock`` on ``<file>.lock``) while it runs, first loads
what another process saved since this one last read or wrote the file, and a write saves the
whole state (atomically, by rename) before the lock is let go; so no process ever writes over
a change it has not seen. Faults, the request log and issued OAuth tokens stay per process.
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pagerduty_actions.sandbox.account import SandboxAccount
from pagerduty_actions.sandbox.credentials import OAuthClient, OAuthGrant
from pagerduty_actions.sandbox.faults import Faults
from pagerduty_actions.sandbox.ids import IdFactory, access_token
from pagerduty_actions.sandbox.reqlog import LoggedRequest, RequestLog
from pagerduty_actions.sandbox.seed import apply_seed, default_seed, dump_seed

DEFAULT_TOKEN = "sandbox-token"  # noqa: S105 - the documented test credential
MAX_DEPENDENCIES_PER_SERVICE = 2000


@dataclass
class SandboxCaller:
    """Who a request authenticated as: the account and, for OAuth, the granted scopes."""

    account: SandboxAccount
    scopes: set[str] | None
    rate_key: str = field(default="")


class SandboxState:
    """Thread-safe in-memory PagerDuty with any number of accounts."""

    def __init__(self, seed: int | None = 0, persist_path: str | Path | None = None) -> None:
        self.lock = threading.RLock()
        self.ids = IdFactory(seed)
        self.faults = Faults(seed)
        self.log = RequestLog()
        self.accounts: dict[str, SandboxAccount] = {}
        self.tokens: dict[str, str] = {}
        self.vendors: dict[str, dict[str, Any]] = {}
        self.oauth_clients: dict[str, OAuthClient] = {}
        self.oauth_grants: dict[str, OAuthGrant] = {}
        self.unique_service_names = True
        self.max_dependencies_per_service = MAX_DEPENDENCIES_PER_SERVICE
        self.persist_path = Path(persist_path) if persist_path else None
        self.seed_document: dict[str, Any] = {}
        self.extra_tokens: list[str] = []
        self._file_lock_fd: int | None = None
        self._file_depth = 0
        # What the persist file was when this process last read or wrote it.
        self._seen: tuple[Any, ...] | None = None

    def __repr__(self) -> str:
        return f"SandboxState(accounts={sorted(self.accounts)})"

    # ---------------------------------------------------------------- building
    @classmethod
    def from_seed(
        cls,
        document: dict[str, Any] | None = None,
        tokens: list[str] | tuple[str, ...] = (),
        seed: int | None = 0,
        persist_path: str | Path | None = None,
    ) -> SandboxState:
        """A state loaded from a seed document (``None``: the default seed).

        ``tokens`` are extra API tokens for the first account. With ``persist_path`` pointing at
        an existing dump, the dump is loaded instead of ``document``.
        """
        state = cls(seed=seed, persist_path=persist_path)
        state.extra_tokens = list(tokens)
        with state.lock:
            state.acquire_file(load=False)
            try:
                if state.persist_path is not None and state.persist_path.exists():
                    document = json.loads(state.persist_path.read_text(encoding="utf-8"))
                    state._seen = state._file_version()
                state.seed_document = copy.deepcopy(
                    document if document is not None else default_seed()
                )
                apply_seed(state, copy.deepcopy(state.seed_document))
            finally:
                state.release_file()
        return state

    def add_account(self, name: str, subdomain: str, region: str = "us") -> SandboxAccount:
        """Create an empty account."""
        with self.lock:
            account = SandboxAccount(name=name, subdomain=subdomain, ids=self.ids, region=region)
            self.accounts[name] = account
            return account

    def add_token(self, token: str, account: str) -> None:
        """Accept ``token`` (``Token token=`` or ``Bearer``) for ``account``."""
        with self.lock:
            self.tokens[token] = account

    def add_oauth_client(self, client: OAuthClient) -> None:
        """Register an OAuth app."""
        with self.lock:
            self.oauth_clients[client.client_id] = client

    # ---------------------------------------------------------- authentication
    def authenticate(self, header: str | None) -> SandboxCaller | None:
        """The caller behind an ``Authorization`` header, or ``None`` when not accepted."""
        if not header:
            return None
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "token" and value.startswith("token="):
            value = value[len("token=") :]
        elif scheme.lower() != "bearer":
            return None
        with self.lock:
            if value in self.tokens:
                return SandboxCaller(self.accounts[self.tokens[value]], None, "token:" + value)
            grant = self.oauth_grants.get(value)
            if grant is None or grant.expires_at <= time.time():
                return None
            return SandboxCaller(self.accounts[grant.account], set(grant.scopes), "oauth:" + value)

    def issue_oauth_token(self, client: OAuthClient, scopes: set[str]) -> tuple[str, OAuthGrant]:
        """Mint an access token for ``client`` carrying ``scopes``."""
        with self.lock:
            token = access_token()
            grant = OAuthGrant(
                client.account, scopes, time.time() + client.expires_in, client.client_id
            )
            self.oauth_grants[token] = grant
            return token, grant

    def expire_oauth_tokens(self) -> int:
        """Make every issued OAuth token expired (as if a day had passed); returns how many."""
        with self.lock:
            for grant in self.oauth_grants.values():
                grant.expires_at = 0.0
            return len(self.oauth_grants)

    # ------------------------------------------------------------ fault control
    def configure_faults(self, spec: dict[str, Any]) -> None:
        """Apply a fault description (see ``Faults.configure``)."""
        with self.lock:
            self.faults.configure(spec)

    def set_rate_limit(self, limit: int, window_seconds: float) -> None:
        """Change the request budget per credential."""
        self.configure_faults({"rate_limit": {"limit": limit, "window_seconds": window_seconds}})

    def fail_next(
        self, count: int, status: int | str, method: str | None = None, path: str | None = None
    ) -> None:
        """Fail the next ``count`` matching requests (``status`` ``"drop"`` closes the socket)."""
        with self.lock:
            self.faults.fail_next(count, status, method, path)

    def set_abilities(self, account: str, abilities: list[str] | set[str]) -> None:
        """Replace an account's abilities."""
        with self.lock:
            self.accounts[account].abilities = set(abilities)

    # ------------------------------------------------------------- request log
    def record(self, entry: LoggedRequest) -> None:
        """Append to the request log."""
        with self.lock:
            self.log.append(entry)

    def requests(self, method: str | None = None, path: str | None = None) -> list[LoggedRequest]:
        """Logged exchanges, optionally filtered by method and path (template or concrete)."""
        with self.lock:
            return self.log.entries(method, path)

    def request_counts(self) -> dict[tuple[str, str], int]:
        """Requests per (method, path template)."""
        with self.lock:
            return self.log.counts()

    # ------------------------------------------------------ reset, persistence
    def reset(self, data: bool = True) -> None:
        """Clear faults and the request log; with ``data`` also restore the seed data."""
        with self.lock:
            self.faults.reset()
            self.log.clear()
            if data:
                self.accounts.clear()
                self.tokens.clear()
                self.oauth_clients.clear()
                self.oauth_grants.clear()
                self.vendors.clear()
                apply_seed(self, copy.deepcopy(self.seed_document))

    def dump(self) -> dict[str, Any]:
        """All data as a seed document (loading it reproduces this state)."""
        with self.lock:
            return dump_seed(self)

    def persist(self) -> None:
        """Write the dump to ``persist_path`` when one is configured.

        Under the file's lock, after loading what another process saved since (so a process
        that stops never writes back its stale copy over their services)."""
        if self.persist_path is None:
            return
        with self.lock:
            self.acquire_file()
            try:
                text = json.dumps(self.dump(), indent=1, sort_keys=True)
                tmp = self.persist_path.with_name(f".{self.persist_path.name}.{os.getpid()}.tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(self.persist_path)
                assert self._file_lock_fd is not None
                stamp = uuid.uuid4().hex.encode("ascii")
                os.ftruncate(self._file_lock_fd, 0)
                os.pwrite(self._file_lock_fd, stamp, 0)
                self._seen = self._file_version()
            finally:
                self.release_file()

    def acquire_file(self, load: bool = True) -> None:
        """Hold the persist file against other processes (re-entrant; call with ``lock``
        held) and, with ``load``, take in what another process saved since we last saw it."""
        if self.persist_path is None:
            return
        if self._file_depth == 0:
            if self._file_lock_fd is None:
                self.persist_path.parent.mkdir(parents=True, exist_ok=True)
                lock_path = self.persist_path.with_name(self.persist_path.name + ".lock")
                self._file_lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._file_lock_fd, fcntl.LOCK_EX)
            try:
                if load:
                    self._load_if_changed()
            except BaseException:
                fcntl.flock(self._file_lock_fd, fcntl.LOCK_UN)
                raise
        self._file_depth += 1

    def release_file(self) -> None:
        """Let other processes at the persist file again (after ``acquire_file``)."""
        if self.persist_path is None or self._file_depth == 0:
            return
        self._file_depth -= 1
        if self._file_depth == 0 and self._file_lock_fd is not None:
            fcntl.flock(self._file_lock_fd, fcntl.LOCK_UN)

    def _file_version(self) -> tuple[Any, ...] | None:
        """The write stamp in the lock file plus the state file's identity: any save by any
        process changes it, even two within one tick of the file system's clock."""
        assert self.persist_path is not None and self._file_lock_fd is not None
        try:
            st = os.stat(self.persist_path)
        except FileNotFoundError:
            return None
        stamp = os.pread(self._file_lock_fd, 64, 0)
        return (stamp, st.st_ino, st.st_mtime_ns, st.st_size)

    def _load_if_changed(self) -> None:
        version = self._file_version()
        if version is None or version == self._seen:
            return
        assert self.persist_path is not None
        document = json.loads(self.persist_path.read_text(encoding="utf-8"))
        grants = self.oauth_grants
        self.accounts.clear()
        self.tokens.clear()
        self.oauth_clients.clear()
        self.vendors.clear()
        apply_seed(self, {k: v for k, v in document.items() if k != "faults"})
        self.oauth_grants = {t: g for t, g in grants.items() if g.account in self.accounts}
        self._seen = version
