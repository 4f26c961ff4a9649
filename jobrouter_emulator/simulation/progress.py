"""A progress bar of simulated time, on a terminal only (a pipe or a CI log gets no carriage-return noise)."""

from __future__ import annotations

import time
from typing import Optional, TextIO

from .durations import format_duration

WIDTH = 30
MIN_GAP_SECONDS = 0.1  # redraw at most ten times a second


class TerminalProgress:
    def __init__(self, stream: TextIO, label: str) -> None:
        self._stream = stream
        self._label = label
        self._last = 0.0
        self._shown = False

    @staticmethod
    def for_stream(stream: TextIO, label: str) -> Optional[TerminalProgress]:
        """A progress bar on ``stream`` when it is a terminal; None otherwise."""
        isatty = getattr(stream, "isatty", None)
        return TerminalProgress(stream, label) if isatty is not None and isatty() else None

    def __call__(self, simulated: float, planned: float, jobs: int) -> None:
        moment = time.monotonic()
        if moment - self._last < MIN_GAP_SECONDS and simulated < planned:
            return
        self._last = moment
        share = min(1.0, simulated / planned) if planned > 0 else 1.0
        filled = int(share * WIDTH)
        self._stream.write(
            f"\r{self._label} [{'#' * filled}{'.' * (WIDTH - filled)}] "
            f"{format_duration(simulated)}/{format_duration(planned)} {jobs} jobs "
        )
        self._stream.flush()
        self._shown = True

    def finish(self) -> None:
        """End the bar's line."""
        if self._shown:
            self._stream.write("\n")
            self._stream.flush()
            self._shown = False
