"""The in-memory store (``--in-memory``): same contract as SQLite, gone when the process ends."""

from __future__ import annotations

import json
import threading
from typing import Dict, List

from .base import Batch, Snapshot, StoredEvent


class MemoryStore:
    def __init__(self) -> None:
        # Documents are kept as JSON text, as SQLite keeps them: one json.dumps per put, and nothing the engine
        # changes afterwards can reach them. They are read back only by load() (a router started on this store).
        self._documents: Dict[str, Dict[str, str]] = {}
        self._events: List[StoredEvent] = []
        self._dropped = 0  # events deleted by clear(): sequence numbers go on after them
        self._lock = threading.Lock()

    def load(self) -> Snapshot:
        with self._lock:
            documents = {c: {k: json.loads(text) for k, text in items.items()} for c, items in self._documents.items()}
            return Snapshot(documents, self._dropped + len(self._events))

    def commit(self, batch: Batch) -> List[StoredEvent]:
        # Serialised on the way in, as SQLite does: a document that is not JSON fails here, not later.
        puts = [(c, k, json.dumps(d, separators=(",", ":"))) for c, k, d in batch.puts]
        with self._lock:
            for collection, key, document in puts:
                self._documents.setdefault(collection, {})[key] = document
            for collection, key in batch.deletes:
                self._documents.get(collection, {}).pop(key, None)
            stored = []
            for event in batch.events:
                item = StoredEvent(self._dropped + len(self._events) + 1, event)
                self._events.append(item)
                stored.append(item)
            return stored

    def events_since(self, sequence: int, limit: int = 1000) -> List[StoredEvent]:
        with self._lock:
            start = max(0, sequence - self._dropped)
            return self._events[start : start + limit]

    def clear(self) -> None:
        with self._lock:
            self._documents.clear()
            self._dropped += len(self._events)
            self._events.clear()

    def close(self) -> None:
        pass
