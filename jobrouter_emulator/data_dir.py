"""The emulator's data directory: private to its owner, and used by one emulator at a time.

It holds the SQLite database (with the secrets stored in policies: function keys, client secrets) and the generated
TLS key, so the directory is created ``0700`` and every file the emulator makes in it ``0600``, created with those
modes rather than changed after writing. An exclusive lock on ``emulator.lock`` (which holds the owner's process id)
keeps a second emulator from opening the same state: two emulators on one database diverged silently.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path
from typing import IO, Optional

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(".jobrouter-emulator")  # relative to the working directory of the emulator's start
LOCK_FILE = "emulator.lock"


class StartupError(ValueError):
    """The emulator cannot start as asked; the message says what to change."""


class DataDir:
    """``path``, created if missing; :meth:`lock` it before using the state in it, :meth:`release` when done."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock_file: Optional[IO[str]] = None
        if self.path.exists() and not self.path.is_dir():
            raise StartupError(f"the data directory {self.path} is a file; pass --data-dir a directory")
        try:
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StartupError(f"cannot create the data directory {self.path}: {exc.strerror or exc}") from None
        mode = stat.S_IMODE(self.path.stat().st_mode)
        if mode & 0o077 and sys.platform != "win32":
            # Not changed: it may be a directory the user shares on purpose (even the current one).
            logger.warning(
                "The data directory %s is readable by others (mode %o); it holds the emulator's secrets. "
                "chmod 700 it, or let the emulator create a new one.",
                self.path,
                mode,
            )

    def private_file(self, name: str) -> Path:
        """``name`` in the directory, created empty with mode 0600 if it does not exist yet."""
        path = self.path / name
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path
        except OSError as exc:
            raise StartupError(f"cannot write in the data directory {self.path}: {exc.strerror or exc}") from None
        os.close(descriptor)
        return path

    def lock(self) -> None:
        """Hold the directory for this process; :class:`StartupError` naming the holder if another one has it."""
        path = self.private_file(LOCK_FILE)
        try:
            handle = open(path, "r+", encoding="ascii")
        except OSError as exc:
            raise StartupError(f"cannot write in the data directory {self.path}: {exc.strerror or exc}") from None
        if not _try_lock(handle):
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise StartupError(
                f"the data directory {self.path} is in use by another emulator (process {holder}); stop it, "
                "or pass another --data-dir"
            )
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle

    def release(self) -> None:
        """Let another emulator use the directory."""
        if self._lock_file is not None:
            self._lock_file.close()  # closing the file releases the lock
            self._lock_file = None


def _try_lock(handle: IO[str]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
