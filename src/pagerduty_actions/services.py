"""The adapters a handler may use, built once per process from the configuration.

One object so the server, the CLI and the template runner hand handlers the same things,
and tests can swap any adapter (a sandbox, a fake clock) in one place.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config
from .store import Database
from .store.encryption import RecordCipher
from .work_area import WorkArea

if TYPE_CHECKING:
    from .pagerduty import ClientPool, PagerDutyClient
    from .sandbox import SandboxServer


@dataclass
class Services:
    config: Config
    db: Database | None = None
    pagerduty: ClientPool | None = None
    sandbox: SandboxServer | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # What start-up found wrong but survivable (e.g. OAuth scopes not granted), for /readyz.
    startup_problems: dict[str, str] = field(default_factory=dict)
    # This process's folder under <dataDir>/work/ for temporary files (see work_area).
    work: WorkArea | None = None
    # Encrypts what the idempotency table keeps (store.encryption); made on first use.
    cipher: RecordCipher | None = None
    _work_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    @property
    def sandbox_mode(self) -> bool:
        """True when PagerDuty calls go to the built-in sandbox (no credentials configured)."""
        return self.sandbox is not None

    def pagerduty_client(self, account: str | None = None) -> PagerDutyClient:
        """The long-lived client of ``account`` (or the default one)."""
        if self.pagerduty is None:
            raise RuntimeError("PagerDuty is not configured for these services")
        return self.pagerduty.get(account)

    def work_dir(self) -> Path:
        """This process's folder for temporary files, under ``<dataDir>/work/``: make each
        request's folder inside it (``tempfile.mkdtemp(dir=...)``) and remove it when done;
        a folder left by a killed process is swept at the next start."""
        with self._work_lock:
            if self.work is None:
                self.work = WorkArea.claim(self.config.data_dir)
            return self.work.folder

    def record_cipher(self) -> RecordCipher:
        """The key(s) of ``idempotency.encryptionKey``, else of ``<dataDir>/idempotency.key``
        (generated on first use); raises ``EncryptionKeyError`` when neither is usable."""
        with self._work_lock:
            if self.cipher is None:
                self.cipher = RecordCipher.from_config(self.config)
            return self.cipher

    def close(self) -> None:
        if self.work is not None:
            self.work.close()
        for value in self.extras.values():
            closer = getattr(value, "close", None)
            if callable(closer):
                closer()
        if self.pagerduty is not None:
            self.pagerduty.close()
        if self.sandbox is not None:
            self.sandbox.stop()
        if self.db is not None:
            self.db.dispose()
