"""Turn a Config into running Services: database (migrated), PagerDuty accounts or sandbox.

Start-up fails here, early and with a message that says what to fix, rather than on the
first request. With no PagerDuty credentials the built-in sandbox is started in-process, so
`make serve` works on a fresh machine and says loudly that PagerDuty objects are simulated
(git repositories are never simulated: commits and pull requests are real).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config
from .errors import StartupError
from .pagerduty import (
    AccountConfigError,
    AccountSet,
    ClientPool,
    OAuthSettings,
    PagerDutyError,
)
from .redaction import register_secret
from .services import NoSandbox, Services
from .store import Database, DatabaseUnavailable, IdempotencyStore
from .store.encryption import KEY_FILE, EncryptionKeyError, RecordCipher
from .store.retention import RetentionPolicy, RetentionPruner
from .work_area import WorkArea

if TYPE_CHECKING:
    from .sandbox import SandboxServer

_LOG = logging.getLogger("pagerduty_actions.startup")


def build_services(config: Config, *, migrate: bool = True, check_scopes: bool = True) -> Services:
    """Every adapter, made now so a problem stops start-up; what is made is closed again
    when a later piece fails."""
    with ExitStack() as made:
        db = _database(config, migrate=migrate)
        made.callback(db.dispose)
        work = _claim_work_area(config)
        made.callback(work.close)
        cipher = _prepare_encryption(config, db, seal_old_rows=migrate)
        sandbox, pool = _pagerduty(config)
        made.callback(sandbox.stop)
        made.callback(pool.close)
        services = Services(
            config=config, db=db, pagerduty=pool, sandbox=sandbox, work=work, cipher=cipher
        )
        made.pop_all()
    if check_scopes:
        services.startup_problems.update(check_oauth_scopes(services))
    return services


def _database(config: Config, *, migrate: bool) -> Database:
    db = Database(config.database_url)
    if migrate:
        try:
            db.migrate()
        except DatabaseUnavailable as exc:
            db.dispose()
            raise StartupError(
                f"{exc}. Check database.url in {config.source} and that the server is running."
            ) from None
    return db


def check_oauth_scopes(services: Services) -> dict[str, str]:
    """Say at start-up, by name, which scopes an OAuth account's token lacks.

    Users of PagerDuty's plugin found out only on the first failing call. A missing scope or a
    token PagerDuty refuses to issue is logged as an error and kept for ``/readyz``; the server
    still starts (PagerDuty may be briefly unreachable), and the action that needs the scope
    fails with PagerDuty's 403. API-token accounts are not scoped and cost no call here.
    """
    if not any(isinstance(a.auth, OAuthSettings) for a in services.pagerduty.accounts):
        return {}
    problems: dict[str, str] = {}
    try:
        missing = services.pagerduty.missing_scopes()
    except PagerDutyError as exc:
        problems["pagerduty"] = f"could not obtain an OAuth token: {exc.message}"
        _LOG.error("PagerDuty %s", problems["pagerduty"])
        return problems
    for account, scopes in missing.items():
        problems[f"pagerduty:{account}"] = (
            f"the OAuth client of account {account!r} lacks the scopes {', '.join(scopes)}: "
            "grant them to the app in PagerDuty (actions that need them will fail with 403)"
        )
        _LOG.error("%s", problems[f"pagerduty:{account}"])
    return problems


def _claim_work_area(config: Config) -> WorkArea:
    """Sweep the work folders of processes that died, and claim this process's (see
    work_area); a data dir we cannot write to is a start-up error, not a failing request."""
    try:
        return WorkArea.claim(config.data_dir)
    except OSError as exc:
        raise StartupError(
            f"dataDir {config.data_dir}: cannot keep work folders in it "
            f"({exc.strerror or exc}); set dataDir (or serve --data-dir) to a writable folder"
        ) from None


def _prepare_encryption(config: Config, db: Database, *, seal_old_rows: bool) -> RecordCipher:
    """Load (or generate) the key that encrypts stored idempotency responses, and encrypt the
    rows an older version wrote in clear; a key that cannot be used stops start-up."""
    try:
        cipher = RecordCipher.from_config(config)
    except EncryptionKeyError as exc:
        raise StartupError(f"{exc} (config: {config.source})") from None
    if db.dialect != "sqlite" and not config.section("idempotency").get("encryptionKey"):
        _LOG.warning(
            "idempotency.encryptionKey is not set: stored responses are encrypted with the key "
            "generated in %s; every server process sharing this database needs the same key, "
            "so set idempotency.encryptionKey in each",
            config.data_dir / KEY_FILE,
        )
    if not seal_old_rows:
        return cipher
    try:
        sealed = IdempotencyStore(db, cipher=cipher).seal_clear_rows()
        if sealed:
            db.purge_freed_space()
    except DatabaseUnavailable as exc:
        raise StartupError(f"{exc}. Check database.url in {config.source}.") from None
    if sealed:
        _LOG.info("encrypted %d idempotency value(s) stored in clear by an older version", sealed)
    return cipher


def _pagerduty(config: Config) -> tuple[SandboxServer | NoSandbox, ClientPool]:
    """The client pool of the configured accounts; with no credentials, of the built-in
    sandbox, started here."""
    section = config.section("pagerDuty")
    sandbox: SandboxServer | NoSandbox = NoSandbox()
    if not config.has_pagerduty_credentials:
        from .sandbox import DEFAULT_TOKEN, sandbox_server

        sandbox = sandbox_server(persist_path=config.data_dir / "sandbox-state.json")
        section = {
            "apiToken": DEFAULT_TOKEN,
            "apiBaseUrl": sandbox.base_url,
            "eventsBaseUrl": sandbox.events_url,
        }
        _LOG.warning(
            "no PagerDuty credentials configured (pagerDuty.apiToken, .oauth or .accounts): "
            "using the built-in PagerDuty sandbox at %s; PagerDuty objects are simulated, "
            "but commits and pull requests to configured git repositories are real",
            sandbox.base_url,
        )
    _register_secrets(section)
    try:
        accounts = AccountSet.from_config(section)
    except AccountConfigError as exc:
        sandbox.stop()
        raise StartupError(f"pagerDuty in {config.source} is not usable: {exc}") from None
    return sandbox, ClientPool(accounts)


def _register_secrets(section: Mapping[str, Any]) -> None:
    """Configured secrets are scrubbed from every log line, whatever the code path."""
    for entry in [section, *(section.get("accounts") or [])]:
        if isinstance(entry, dict):
            register_secret(entry.get("apiToken"))
            oauth = entry.get("oauth")
            if isinstance(oauth, dict):
                register_secret(oauth.get("clientSecret"))


def ensure_local_token(config: Config) -> tuple[Config, str | None]:
    """With no ``auth.tokens``, generate a local token (kept in the data dir, mode 0600).

    Returns the config with the token added and the token itself when it was needed, so
    ``make serve`` works with no set-up and still never serves an unauthenticated API.
    """
    if config.auth_tokens:
        return config, None
    path = config.data_dir / "local-token"
    token = _read_token(path)
    if token is None:
        token = "pda_" + secrets.token_urlsafe(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(token + "\n", encoding="utf-8")
    auth = {"tokens": [{"name": "local", "token": token}]}
    return config.with_overrides(auth=auth), token


def _read_token(path: Path) -> str | None:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return value or None


def start_retention(services: Services) -> RetentionPruner:
    """``serve``'s wiring: start the pruner, stopped by ``services.close()``."""
    pruner = RetentionPruner(services.db, RetentionPolicy.from_config(services.config)).start()
    services.extras["retention"] = pruner
    return pruner
