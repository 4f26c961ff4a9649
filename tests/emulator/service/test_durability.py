"""Durability: every write the emulator acknowledged survives SIGKILL of its process (SQLite store, WAL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def _start(data_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "jobrouter_emulator", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _connection_string(process: subprocess.Popen) -> str:
    for _ in range(5):
        line = process.stdout.readline()
        if line.startswith("endpoint="):
            return line.strip()
    raise AssertionError("the emulator did not print its connection string")


def test_acknowledged_writes_survive_sigkill(tmp_path):
    process = _start(tmp_path)
    acknowledged = []
    try:
        connection = _connection_string(process)
        admin = JobRouterAdministrationClient.from_connection_string(connection, retry_total=0)
        client = JobRouterClient.from_connection_string(connection, retry_total=0)
        admin.upsert_distribution_policy("dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
        admin.upsert_queue("q", distribution_policy_id="dp")
        stop = threading.Event()

        def writer() -> None:
            # Keep writing until the process dies under us; only what got a response counts as acknowledged.
            index = 0
            while not stop.is_set():
                try:
                    client.upsert_worker(f"w{index}", queues=["q"], capacity=1, labels={"n": index})
                except Exception:  # noqa: BLE001 - the connection breaks when the process is killed
                    return
                acknowledged.append(f"w{index}")
                index += 1

        thread = threading.Thread(target=writer)
        thread.start()
        while len(acknowledged) < 150:
            thread.join(timeout=0.01)
            assert thread.is_alive(), "the writer stopped early"
        os.kill(process.pid, signal.SIGKILL)  # mid-stream: the writer may have a request in flight
        process.wait(timeout=10)
        stop.set()
        thread.join(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL

    restarted = _start(tmp_path)
    try:
        connection = _connection_string(restarted)
        client = JobRouterClient.from_connection_string(connection)
        stored = {worker.id: worker for worker in client.list_workers(results_per_page=100)}
        missing = [worker_id for worker_id in acknowledged if worker_id not in stored]
        assert not missing, f"{len(missing)} acknowledged writes lost after SIGKILL: {missing[:5]}"
        assert stored["w7"].labels["n"] == 7 and stored["w7"].capacity == 1
        admin = JobRouterAdministrationClient.from_connection_string(connection)
        assert admin.get_queue("q").distribution_policy_id == "dp"
    finally:
        restarted.terminate()
        restarted.wait(timeout=10)
