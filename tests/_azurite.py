"""Azurite's queue service (Microsoft's Azure Storage emulator, npm package ``azurite``) in a child process.

``scripts/test.sh`` installs Azurite into ``.tools/node_modules`` when it is missing (Node.js from Debian's ``nodejs``
and ``npm`` packages when the machine has none). Without it these tests skip and say how to get it; under CI
(``CI=true``) they fail instead, so a CI run can never pass without them.

Options, from Azurite's README and ``azurite-queue --help``: ``--inMemoryPersistence`` keeps nothing on disk (a stopped
Azurite forgets its queues); ``--queuePort 0`` lets the system pick a free port, which Azurite prints once it listens;
``--skipApiVersionCheck`` accepts the newest azure-storage-queue's API version before this Azurite knows it;
``--disableTelemetry`` because this machine reaches no network but package registries.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import List, Optional

import pytest

REPO = Path(__file__).resolve().parents[1]
LOCAL_BIN = REPO / ".tools" / "node_modules" / ".bin"
# Azurite's well-known development account, the same in every Azurite (and in Microsoft's docs).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
HOW_TO_GET_IT = (
    "Azurite is not installed: run bash scripts/test.sh (it installs it), or install Node.js (apt-get install nodejs "
    "npm) and then: npm install --prefix .tools azurite@3"
)
_LISTENING = re.compile(r"listens on https?://[^:]+:(\d+)")


def _die_with_parent() -> None:
    """In the child, before Azurite starts (Linux): end it when the test process dies, even by kill -9, so a crashed
    run leaves no Azurite behind."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
    except OSError:
        pass


def azurite_queue_command() -> Optional[str]:
    local = LOCAL_BIN / "azurite-queue"
    if local.exists() and shutil.which("node"):
        return str(local)
    return shutil.which("azurite-queue")


def require_azurite() -> str:
    """The ``azurite-queue`` command, or a skip that says how to get it (a failure under CI)."""
    command = azurite_queue_command()
    if command is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the Storage queue tests: {HOW_TO_GET_IT}")
        pytest.skip(HOW_TO_GET_IT)
    return command


class Azurite:
    """One Azurite queue service on loopback, in memory. :meth:`stop` and :meth:`start` again keep its port (and, in
    memory, lose its queues, as a restarted Azurite does)."""

    def __init__(self, command: str) -> None:
        self._command = command
        self._workspace = tempfile.mkdtemp(prefix="azurite-")  # its cwd: debug logs or stray files land here
        self.port = 0
        self.process: Optional[subprocess.Popen] = None
        self._output: List[str] = []

    def start(self, timeout: float = 30.0) -> Azurite:
        arguments = [
            self._command,
            "--queueHost",
            "127.0.0.1",
            "--queuePort",
            str(self.port),
            "--inMemoryPersistence",
            "--extentMemoryLimit",
            "64",
            "--skipApiVersionCheck",
            "--disableTelemetry",
        ]
        self.process = subprocess.Popen(
            arguments,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=self._workspace,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        found = threading.Event()

        def read(process: subprocess.Popen) -> None:
            for line in process.stdout:  # type: ignore[union-attr]
                self._output.append(line)
                match = _LISTENING.search(line)
                if match and not found.is_set():
                    self.port = int(match.group(1))
                    found.set()

        threading.Thread(target=read, args=(self.process,), daemon=True).start()
        if not found.wait(timeout):
            self.stop()
            raise AssertionError(f"Azurite did not start in {timeout} s: {''.join(self._output)}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._workspace, ignore_errors=True)

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"QueueEndpoint=http://127.0.0.1:{self.port}/{ACCOUNT};"
        )

    def queue(self, name: str, *, create: bool = True, **options):
        """A ``QueueClient`` as a receiver written for Azure makes it (created on Azurite when ``create``)."""
        from azure.storage.queue import QueueClient

        client = QueueClient.from_connection_string(self.connection_string, name, **options)
        if create:
            client.create_queue()
        return client
