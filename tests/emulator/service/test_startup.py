"""Starting the emulator: what cannot work is one ``error:`` line and a non-zero exit, never a traceback; a data
directory is used by one emulator at a time; the files holding state and keys are private to their owner."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from jobrouter_emulator import EmbeddedEmulator
from jobrouter_emulator.data_dir import StartupError

from .test_durability import _connection_string, _start

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes and locks")


def _cli(*arguments: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jobrouter_emulator", "--port", "0", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        **options,
    )


def _refused(result: subprocess.CompletedProcess, *words: str) -> None:
    """One line on stderr, starting ``error:`` and naming what to fix; a non-zero exit; no traceback."""
    lines: List[str] = result.stderr.strip().splitlines()
    assert result.returncode != 0, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert all(word in lines[0] for word in words), lines[0]
    assert "Traceback" not in result.stderr and "endpoint=" not in result.stdout


def test_a_data_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    _refused(_cli("--data-dir", str(tmp_path / "file")), "is a file", "--data-dir")


def test_a_corrupted_database(tmp_path: Path) -> None:
    (tmp_path / "state.sqlite3").write_bytes(b"this is not a SQLite database, whatever its name says" * 100)
    _refused(_cli("--data-dir", str(tmp_path)), "state.sqlite3", "move it away")


@POSIX
def test_a_read_only_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "read-only"
    data_dir.mkdir()
    if os.geteuid() != 0:
        data_dir.chmod(0o555)
        try:
            result = _cli("--data-dir", str(data_dir))
        finally:
            data_dir.chmod(0o700)
    else:  # permissions do not bind root: a read-only file system does, mounted in a namespace of its own
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare(1) to mount a read-only file system")
        emulator = [sys.executable, "-m", "jobrouter_emulator", "--port", "0", "--data-dir", str(data_dir)]
        mount_then_run = 'mount -t tmpfs -o ro,mode=0700 tmpfs "$0" && exec "$@"'
        result = subprocess.run(
            ["unshare", "-m", "sh", "-c", mount_then_run, str(data_dir), *emulator],
            capture_output=True,
            text=True,
            timeout=60,
        )
    _refused(result, "cannot write in the data directory", str(data_dir))


def test_a_missing_certificate(tmp_path: Path) -> None:
    _refused(_cli("--in-memory", "--cert", str(tmp_path / "missing.pem"), "--key", str(tmp_path / "k.pem")), "--cert")


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--access-key", "not base64!"], ["--access-key", "base64"]),
        (["--access-key", ""], ["--access-key"]),
        (["--event-webhook", "localhost:5000/events"], ["--event-webhook", "URL"]),
        (["--port", "70000"], ["--port"]),
        (["--cert", "only-a-cert.pem"], ["--cert and --key"]),
    ],
)
def test_options_that_cannot_work(arguments: List[str], words: List[str]) -> None:
    _refused(_cli("--in-memory", *arguments), *words)


@POSIX
def test_a_second_emulator_on_a_locked_data_dir_refuses_to_start(tmp_path: Path) -> None:
    first = _start(tmp_path)
    try:
        _connection_string(first)
        _refused(_cli("--data-dir", str(tmp_path)), "in use", f"process {first.pid}", "--data-dir")
        database = tmp_path / "state.sqlite3"
        size = database.stat().st_size
        _refused(_cli("--reset", "--data-dir", str(tmp_path)), "in use")  # --reset deletes nothing in use
        assert database.stat().st_size == size
        with pytest.raises(StartupError, match=f"process {first.pid}"):  # embedded too
            EmbeddedEmulator(in_memory=False, data_dir=tmp_path).start()
    finally:
        first.terminate()
        first.wait(timeout=10)
    with EmbeddedEmulator(in_memory=False, data_dir=tmp_path) as emulator:  # free once the first has stopped
        emulator.router.upsert("workers", "w", {"capacity": 1})
    assert (tmp_path / "emulator.lock").read_text() == str(os.getpid())  # the last holder


@POSIX
def test_state_and_key_files_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "new"
    old_umask = os.umask(0o022)  # the usual umask, which would leave files readable by all
    try:
        with EmbeddedEmulator(in_memory=False, tls=True, data_dir=data_dir) as emulator:
            emulator.router.upsert("workers", "w", {"capacity": 1})  # a commit: the WAL file exists
            modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in data_dir.iterdir()}
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    for name in ("state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm", "emulator-key.pem", "emulator.lock"):
        assert modes.pop(name) == 0o600, name
    assert modes == {"emulator-cert.pem": 0o644}  # the certificate is public by nature
