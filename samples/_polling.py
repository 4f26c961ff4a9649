"""Routing happens after a request returns; the samples poll for its results with these helpers. Each waits until a
deadline and then says what it was waiting for: a sample never hangs, even against a Job Router whose state was left
by an earlier run."""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable, Optional, TypeVar

T = TypeVar("T")


def _timed_out(what: str, timeout: float) -> TimeoutError:
    return TimeoutError(f"Timed out after {timeout:g} s waiting for {what}")


def wait_for(what: str, probe: Callable[[], Optional[T]], timeout: float = 30.0, interval: float = 0.2) -> T:
    """The first truthy value ``probe()`` returns; TimeoutError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise _timed_out(what, timeout)
        time.sleep(interval)


async def wait_for_async(
    what: str, probe: Callable[[], Awaitable[Optional[T]]], timeout: float = 30.0, interval: float = 0.2
) -> T:
    """``wait_for`` for an async probe."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise _timed_out(what, timeout)
        await asyncio.sleep(interval)
