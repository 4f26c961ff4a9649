"""What the ``recorded_router`` fixture yields: the connection string, stored values and waits that replay."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict
from urllib.parse import quote

from .scrubbing import PLAYBACK_ENDPOINT
from .values import decode_value, encode_value

VALUE_METHOD = "VALUE"  # not an HTTP method: a stored value can never match a request the SDK sends
_VALUE_PATH = "/_recorded_values/"


@dataclass
class RecordedRouter:
    """What ``recorded_router`` yields. ``recording`` is False on replay: no server behind ``connection_string``."""

    connection_string: str
    recording: bool
    cassette: Any = None  # vcrpy's Cassette, None when the test runs live (no vcr marker, --disable-recording)
    client_options: Dict[str, Any] = field(default_factory=dict)  # connection_verify for the emulator's certificate
    poll_interval: float = 0.1
    _values: Dict[str, Any] = field(default_factory=dict, repr=False)

    def value(self, name: str, make: Callable[[], Any]) -> Any:
        """``make()`` while recording, stored in the cassette under ``name``; the stored value on replay. The same
        name gives the same value for the rest of the test."""
        if name in self._values:
            return self._values[name]
        if self.cassette is None:
            made = make()
            encode_value(name, made)  # the same refusal of unstorable types, live or recorded
            self._values[name] = made
            return made
        from vcr.request import Request

        request = Request(VALUE_METHOD, PLAYBACK_ENDPOINT + _VALUE_PATH + quote(name, safe=""), None, {})
        if self.cassette.can_play_response_for(request):
            stored = self.cassette.play_response(request)["body"]["string"]
            found = decode_value(stored.decode("utf-8") if isinstance(stored, bytes) else stored)
        elif not self.recording:
            raise LookupError(
                f"the cassette holds no recorded value {name!r}: record the test again "
                "(--record-mode=rewrite) after adding or renaming a value"
            )
        else:
            found = make()
            text = encode_value(name, found)
            response = {
                "status": {"code": 200, "message": "OK"},
                "headers": {"Content-Type": ["application/json"]},
                "body": {"string": text},
            }
            self.cassette.append(request, response)
            found = decode_value(text)  # what replay will return, so a value behaves alike in both modes
        self._values[name] = found
        return found

    def wait_until(self, predicate: Callable[[], Any], timeout: float = 30) -> Any:
        """Calls ``predicate`` until it returns something truthy, and returns that. While recording it sleeps
        ``poll_interval`` between calls; on replay it never sleeps: each call reads the next recorded answer.
        A predicate that returns an awaitable (an ``async def`` or a lambda calling an async client) makes this a
        coroutine to await. Fails with TimeoutError after ``timeout`` seconds."""
        interval = self.poll_interval if self.recording else 0.0
        deadline = time.monotonic() + timeout
        first = predicate()
        if isinstance(first, Awaitable):
            return self._wait_async(predicate, first, interval, deadline, timeout)
        result = first
        while not result:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the condition did not hold within {timeout} s")
            if interval:
                time.sleep(interval)
            result = predicate()
        return result

    async def _wait_async(
        self, predicate: Callable[[], Any], first: Awaitable[Any], interval: float, deadline: float, timeout: float
    ) -> Any:
        result = await first
        while not result:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the condition did not hold within {timeout} s")
            if interval:
                await asyncio.sleep(interval)
            result = await predicate()
        return result
