"""The adapters of this process, built once at start-up from the configuration (bootstrap).

One object so the server, the CLI and the template runner hold the same things, and tests
can swap any adapter (a faster client pool, say) in one place. Every field is set: what the
configuration leaves out is an explicit stand-in (``NoSandbox`` when PagerDuty is real), never
a ``None`` each user must check. Handlers never see this object: the registry gives each one
the services its ``run`` names (``registry.PROVIDERS``).
"""

from __future__ import annotations

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


class NoSandbox:
    """PagerDuty credentials are configured: calls go to PagerDuty, no sandbox runs."""

    def stop(self) -> None:
        """Nothing runs, so nothing stops."""


@dataclass
class Services:
    config: Config
    db: Database
    pagerduty: ClientPool
    # The built-in PagerDuty sandbox the client pool talks to when no credentials are set.
    sandbox: SandboxServer | NoSandbox
    # This process's folder under <dataDir>/work/ for temporary files (see work_area).
    work: WorkArea
    # Encrypts what the idempotency table keeps (store.encryption).
    cipher: RecordCipher
    extras: dict[str, Any] = field(default_factory=dict)
    # What start-up found wrong but survivable (e.g. OAuth scopes not granted), for /readyz.
    startup_problems: dict[str, str] = field(default_factory=dict)

    @property
    def sandbox_mode(self) -> bool:
        """True when PagerDuty calls go to the built-in sandbox (no credentials configured)."""
        return not isinstance(self.sandbox, NoSandbox)

    def pagerduty_client(self, account: str | None = None) -> PagerDutyClient:
        """The long-lived client of ``account`` (or the default one)."""
        return self.pagerduty.get(account)

    def work_dir(self) -> Path:
        """This process's folder for temporary files, under ``<dataDir>/work/``: make each
        request's folder inside it (``tempfile.mkdtemp(dir=...)``) and remove it when done;
        a folder left by a killed process is swept at the next start."""
        return self.work.folder

    def close(self) -> None:
        self.work.close()
        for value in self.extras.values():
            closer = getattr(value, "close", None)
            if callable(closer):
                closer()
        self.pagerduty.close()
        self.sandbox.stop()
        self.db.dispose()
