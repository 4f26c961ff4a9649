"""The ``jobrouter-emulator`` command in a child process, as a developer starts it, with what it printed at start.

Its log (stderr) goes to a file, never to a pipe nobody reads: at the default log level the emulator writes a line
per request, which would fill a pipe and stop it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, List


class CliEmulator:
    def __init__(self, *arguments: str, directory: Path) -> None:
        self.log_path = directory / "emulator-stderr.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jobrouter_emulator", "--port", "0", *arguments],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            cwd=directory,
        )
        self.banner: Dict[str, str] = {}
        lines: List[str] = []
        while "state" not in self.banner:  # the banner's last line
            line = self.process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                self.stop()
                raise AssertionError(f"the emulator stopped at start: {lines} {self.log()}")
            lines.append(line)
            if line.startswith("endpoint="):
                self.banner["connection_string"] = line.strip()
            elif ": " in line:
                key, value = line.split(": ", 1)
                self.banner[key] = value.strip()

    @property
    def connection_string(self) -> str:
        return self.banner["connection_string"]

    @property
    def endpoint(self) -> str:
        return self.connection_string.split(";")[0].split("=", 1)[1]

    @property
    def login_url(self) -> str:
        return self.banner["dashboard"].split()[0]

    def log(self) -> str:
        """What the emulator logged so far."""
        self._log.flush()
        return self.log_path.read_text()

    def stop(self) -> str:
        """Ctrl-C, then what it logged; fails if it did not stop cleanly."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()  # type: ignore[union-attr]
        self._log.close()
        return self.log_path.read_text()
