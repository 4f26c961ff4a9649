"""The emulator in its own process, as users run it (``python -m jobrouter_emulator``), for the benchmarks that
measure it over loopback: client and server then do not share a GIL, and the server's CPU time can be read apart."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional, Sequence

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process ``pid`` has used so far (its threads included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)


def rss_bytes(pid: int) -> int:
    """The resident set size of the process ``pid`` (VmRSS), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class EmulatorProcess:
    """``python -m jobrouter_emulator`` on a free port: in memory, or on SQLite in ``data_dir`` (a new temporary
    folder when not given). ``connection_string``, ``endpoint`` and ``pid`` describe it once started."""

    def __init__(
        self,
        in_memory: bool,
        data_dir: Optional[Path] = None,
        extra_args: Sequence[str] = (),
        code: Optional[str] = None,
    ) -> None:
        """``code``: another checkout to run the emulator from, for before/after (its working directory and first on
        its PYTHONPATH: ``python -m`` looks in the working directory first)."""
        store = ["--in-memory"] if in_memory else ["--data-dir", str(data_dir or tempfile.mkdtemp())]
        env = None if code is None else {**os.environ, "PYTHONPATH": code}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jobrouter_emulator", "--port", "0", *store, *extra_args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=code,
        )
        self.connection_string = ""
        for _ in range(10):  # the connection string is the line after the banner
            line = self.process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            if line.startswith("endpoint="):
                self.connection_string = line.strip()
                break
        if not self.connection_string:
            self.process.kill()
            raise RuntimeError("the emulator did not print its connection string")
        self.endpoint = self.connection_string.split(";")[0].split("=", 1)[1]
        self.pid = self.process.pid

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
