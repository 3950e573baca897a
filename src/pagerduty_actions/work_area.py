"""Scratch folders under ``<dataDir>/work/``: one per live process, swept once it is dead.

Template dry-runs and lints (their ``directoryContents``), git checkouts and ``template run``
workspaces need a folder for the length of one request. In the system temp dir, a process
killed mid-request (``kill -9``, the OOM killer, a container stopped hard) left them there for
good. Now they all live under the data dir, inside the folder of the process that made them::

    <dataDir>/work/p<pid>-<UTC start>-<random>/        the process's folder
    <dataDir>/work/p<pid>-<UTC start>-<random>.lock    held with fcntl.flock while it lives

The kernel drops a flock when its process dies, however it dies (the file is opened
close-on-exec, so a git child left running does not keep it). At start (``serve``, and every
CLI command that builds services) :func:`sweep` tries each lock without waiting: one it gets
belonged to a dead process, whose folder and lock it removes; one it cannot get is held by a
live process (another server or CLI on the same data dir), whose folder it leaves alone. The
pid and start time in a name are for whoever reads ``ls``; only the lock decides.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

WORK_DIR = "work"
_LOCK = ".lock"
_NAME = re.compile(r"^p\d+-\d{8}T\d{6}Z-[0-9a-f]{8}\Z")
_CLAIM_TRIES = 5
_LOG = logging.getLogger("pagerduty_actions.work_area")
_OPEN: list[WorkArea] = []  # this process's open areas, latest last (see default_dir)
_OPEN_LOCK = threading.Lock()


class WorkArea:
    """This process's folder under ``<dataDir>/work/``; :meth:`claim` to get one."""

    def __init__(self, root: Path, name: str, fd: int) -> None:
        self.root = root
        self.folder = root / name
        self._lock_path = root / (name + _LOCK)
        self._fd: int | None = fd

    @classmethod
    def claim(cls, data_dir: Path) -> WorkArea:
        """Sweep what dead processes left in ``<data_dir>/work/``, then claim a folder there
        for this process, held until :meth:`close` or the process's end.

        The folder is absolute even for a relative ``dataDir`` (the default ``.data``): git
        runs in subfolders of it and would read a relative path from there."""
        root = data_dir.resolve() / WORK_DIR
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        sweep(root)
        for _ in range(_CLAIM_TRIES):
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            name = f"p{os.getpid()}-{stamp}-{secrets.token_hex(4)}"
            lock_path = root / (name + _LOCK)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            # A sweeper may take this lock between our create and our flock (it then removes
            # the file): lock without waiting, check the file is still ours, else a new name.
            if _try_lock(fd) and _is_same_file(fd, lock_path):
                os.write(fd, f"pid {os.getpid()}, started {stamp}\n".encode())
                (root / name).mkdir(mode=0o700)
                area = cls(root, name, fd)
                with _OPEN_LOCK:
                    _OPEN.append(area)
                return area
            os.close(fd)
        raise OSError(f"could not claim a work folder in {root}: it is swept too often")

    def mkdtemp(self, prefix: str) -> Path:
        """A new folder inside this process's folder, for one request's files."""
        if self._fd is None:
            raise RuntimeError("the work area is closed")
        self.folder.mkdir(mode=0o700, exist_ok=True)  # put back if someone removed it
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.folder))

    def close(self) -> None:
        """Remove this process's folder and lock (what is still in it goes too)."""
        if self._fd is None:
            return
        with _OPEN_LOCK:
            if self in _OPEN:
                _OPEN.remove(self)
        shutil.rmtree(self.folder, ignore_errors=True)
        self._lock_path.unlink(missing_ok=True)  # still holding the lock: no sweeper races us
        os.close(self._fd)
        self._fd = None


def sweep(root: Path) -> list[str]:
    """Remove the folders of dead processes from ``root`` (a ``work/`` folder); return their
    names. A folder whose lock is held by a live process is never touched."""
    removed: list[str] = []
    if not root.is_dir():
        return removed
    for entry in sorted(root.iterdir()):
        name = entry.name.removesuffix(_LOCK)
        if not _NAME.match(name):
            continue  # not ours: leave it
        if entry.name.endswith(_LOCK):
            if _sweep_locked(root, name):
                removed.append(name)
        elif not (root / (name + _LOCK)).exists() and _remove(entry):
            removed.append(name)  # a folder with no lock at all: its process is long gone
    if removed:
        _LOG.info("removed the work folders of %d ended process(es) from %s", len(removed), root)
    return removed


def default_dir() -> Path | None:
    """The folder of this process's latest open work area (None when it has none), for
    callers that create temporary folders without being handed one."""
    with _OPEN_LOCK:
        return _OPEN[-1].folder if _OPEN else None


def _sweep_locked(root: Path, name: str) -> bool:
    lock_path = root / (name + _LOCK)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False  # another sweeper, or its owner closing, got there first
    try:
        if not _try_lock(fd):
            return False  # a live process holds it
        if not _is_same_file(fd, lock_path):
            return False  # removed (and perhaps re-made) since we opened it
        if not _remove(root / name):
            return False  # keep the lock file: the next start tries again
        lock_path.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def _remove(folder: Path) -> bool:
    shutil.rmtree(folder, ignore_errors=True)
    if folder.exists():
        _LOG.warning("could not remove the stale work folder %s; it is tried again", folder)
        return False
    return True


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _is_same_file(fd: int, path: Path) -> bool:
    try:
        now = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)
