"""A store for a simulation's router: it numbers the events and keeps nothing.

A simulation reads its events as they commit (through the router's event listener) and never restarts its router,
so it needs neither the documents nor the event log a store keeps for the emulator; keeping a day of them cost
memory, and serialising every document to JSON cost time (see benchmarks/README.md).
"""

from __future__ import annotations

from typing import List

from ..store.base import Batch, Snapshot, StoredEvent


class DiscardingStore:
    def __init__(self) -> None:
        self._sequence = 0

    def load(self) -> Snapshot:
        return Snapshot({}, self._sequence)

    def commit(self, batch: Batch) -> List[StoredEvent]:
        stored = []
        for event in batch.events:
            self._sequence += 1
            stored.append(StoredEvent(self._sequence, event))
        return stored

    def events_since(self, sequence: int, limit: int = 1000) -> List[StoredEvent]:
        return []  # nothing is kept: a simulation reads its events as they commit

    def clear(self) -> None:
        pass

    def close(self) -> None:
        pass
