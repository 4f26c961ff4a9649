"""Function and webhook rule calls, made outside the router's lock.

A command that needs the answer of a rule service (classifying a job whose policy calls one, ranking workers with
a scoring rule that calls one) starts the call with :meth:`RuleCalls.start` and returns without the answer. The call
runs on a worker thread once the command has committed, while the router serves every other request; its outcome
is kept here, and a timer of the kind the command named fires as soon as it is in. The timer's handler takes the
outcome (:meth:`RuleCalls.take`) and applies it, as a command of its own under the lock, only if the job is still in
the state that asked. A slow or broken rule service thus delays the jobs that need it, never the API; each call
ends at its deadline (:class:`~.rules.HttpOutbound`).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Set, Tuple

from ..clock import Clock
from ..state import State
from ..timers import TimerKind, Timers

logger = logging.getLogger(__name__)

Key = Tuple[str, ...]  # (timer kind, its arguments)


@dataclass(frozen=True)
class Outcome:
    """What a call gave: its ``value``, or the ``error`` it raised."""

    value: Any = None
    error: Optional[Exception] = None


class RuleCalls:
    def __init__(self, state: State, timers: Timers, clock: Clock, *, threads: int = 8) -> None:
        self._state = state
        self._timers = timers
        self._clock = clock
        self._threads = threads
        self._executor: Optional[ThreadPoolExecutor] = None
        self._outcomes: Dict[Key, Outcome] = {}
        self._in_flight: Set[Key] = set()
        self._changed = threading.Condition()
        self._closed = False

    def start(self, kind: TimerKind, args: Tuple[str, ...], call: Callable[[], Any]) -> None:
        """Run ``call`` (which must use only copies of the state) off the lock once the current command has
        committed; then fire the ``kind`` timer with ``args``."""
        key = (kind.value, *args)
        self._state.after_commit(lambda: self._submit(key, kind, args, call))

    def _submit(self, key: Key, kind: TimerKind, args: Tuple[str, ...], call: Callable[[], Any]) -> None:
        with self._changed:
            if self._closed:
                return
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="jobrouter-rule-call")
            self._in_flight.add(key)
        self._executor.submit(self._run, key, kind, args, call)

    def _run(self, key: Key, kind: TimerKind, args: Tuple[str, ...], call: Callable[[], Any]) -> None:
        try:
            outcome = Outcome(value=call())
        except Exception as exc:  # noqa: BLE001 - the handler decides what a failed call means for the job
            outcome = Outcome(error=exc)
        with self._changed:
            closed = self._closed
            if not closed:
                self._outcomes[key] = outcome
        if not closed:
            # Straight onto the heap: this thread runs no command, so the timer is not tied to one. Pushed before
            # the call stops counting as under way, so that whoever waited for it finds the timer due.
            self._timers.push(self._clock.now(), kind, *args)
        with self._changed:
            self._in_flight.discard(key)
            self._changed.notify_all()

    def in_flight(self, kind: TimerKind, args: Tuple[str, ...]) -> bool:
        """Whether that call is under way."""
        with self._changed:
            return (kind.value, *args) in self._in_flight

    def take(self, kind: TimerKind, args: Tuple[str, ...]) -> Optional[Outcome]:
        """The outcome of that call, removed (None when there is none); put back if the command rolls back."""
        key = (kind.value, *args)
        with self._changed:
            outcome = self._outcomes.pop(key, None)
        if outcome is not None:
            self._state.on_rollback(lambda: self._put_back(key, outcome))
        return outcome

    def _put_back(self, key: Key, outcome: Outcome) -> None:
        with self._changed:
            self._outcomes[key] = outcome

    def wait(self) -> bool:
        """Wait until no call is under way (tests that fire timers by hand); False when there was none."""
        with self._changed:
            if not self._in_flight:
                return False
            while self._in_flight and not self._closed:
                self._changed.wait()
            return True

    def close(self) -> None:
        """Start no more calls and forget the outcomes; calls under way end at their deadline, unheeded."""
        with self._changed:
            self._closed = True
            self._outcomes.clear()
            self._in_flight.clear()
            self._changed.notify_all()
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
