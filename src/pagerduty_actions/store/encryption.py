"""Encryption at rest for what the idempotency table keeps about a request.

A stored response carries what the action answered, integration keys included, and a run's
progress may name what it made: both are kept as Fernet tokens (AES-128-CBC with an
HMAC-SHA256, from ``cryptography``), so a copy of the database file or a dump of the table
holds no secret in clear.

The key is ``idempotency.encryptionKey``; without one, a key is generated once into
``<dataDir>/idempotency.key`` (mode 0600), as the local API token is, so ``make serve`` needs
no set-up. Several server processes sharing one PostgreSQL database must be given the same
configured key. Rotation: put the new key in ``encryptionKey`` and the old one in
``previousEncryptionKeys``; new rows use the new key, old rows stay readable until they expire.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ..config import Config
from ..redaction import register_secret

KEY_FILE = "idempotency.key"
GENERATE_HINT = (
    "generate one with: python -c "
    '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)
# Every Fernet token starts with its version byte 0x80, which base64 writes as "gAAAAA".
_TOKEN_PREFIX = "gAAAAA"  # noqa: S105 - a format marker, not a credential


class EncryptionKeyError(Exception):
    """No usable key: the message names the config key or file and how to fix it."""


class StoredDataUnreadable(Exception):
    """A stored value was encrypted with a key this process does not have."""


class RecordCipher:
    """Encrypts with the first key; decrypts with any of them."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise EncryptionKeyError("no encryption key given")
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    @staticmethod
    def new_key() -> str:
        """A fresh random key, in the form ``idempotency.encryptionKey`` takes."""
        return Fernet.generate_key().decode("ascii")

    @classmethod
    def generated(cls) -> RecordCipher:
        """A cipher with a fresh random key (tests, throw-away stores)."""
        return cls([cls.new_key()])

    @classmethod
    def from_config(cls, config: Config) -> RecordCipher:
        """The configured keys, else the data dir's generated key (created on first use)."""
        section = config.section("idempotency")
        configured = section.get("encryptionKey")
        previous = [str(k) for k in section.get("previousEncryptionKeys") or []]
        if configured:
            where = "idempotency.encryptionKey / idempotency.previousEncryptionKeys"
            keys = [str(configured), *previous]
        else:
            path = config.data_dir / KEY_FILE
            where = f"{path} (generated because idempotency.encryptionKey is not set)"
            keys = [_read_or_create_key(path), *previous]
        for key in keys:
            register_secret(key)  # scrubbed from every log line, whatever the code path
        try:
            return cls(keys)
        except ValueError:
            raise EncryptionKeyError(
                f"{where}: a key must be 32 random bytes in url-safe base64 (44 characters "
                f"ending in '='); {GENERATE_HINT}"
            ) from None

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str, what: str) -> str:
        """The clear text of ``token``; ``what`` names the value in the error."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise StoredDataUnreadable(
                f"{what} cannot be decrypted with this server's idempotency.encryptionKey: it "
                "was stored under another key. Configure that key (as encryptionKey, or in "
                "idempotency.previousEncryptionKeys next to the new one)"
            ) from None

    @staticmethod
    def is_sealed(text: str) -> bool:
        """False for a value written in clear (JSON) before encryption was introduced."""
        return text.startswith(_TOKEN_PREFIX)


def _read_or_create_key(path: Path) -> str:
    """The key in ``path``, made on first use; two processes racing both end with the same key
    (the file appears whole, by a hard link, or not at all)."""
    existing = _read(path)
    if existing is not None:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(RecordCipher.new_key() + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    value = _read(path)
    if value is None:
        raise EncryptionKeyError(f"{path} is empty: remove it, or set idempotency.encryptionKey")
    return value


def _read(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeError) as exc:
        raise EncryptionKeyError(
            f"{path}: cannot read the idempotency encryption key ({exc}); fix its permissions "
            "or set idempotency.encryptionKey"
        ) from None
    return text or None
