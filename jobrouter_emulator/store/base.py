"""The contract between the engine and its storage.

The engine keeps its working state in memory and writes through: each command produces one
:class:`Batch` (documents put, documents deleted, events raised) that the store commits atomically
before the command's response is sent. On start the engine reloads everything from :meth:`Store.load`.
Documents are JSON-serialisable dicts; collections are the REST collection names
(``distributionPolicies``, ``queues``, ``classificationPolicies``, ``exceptionPolicies``, ``workers``,
``jobs``) plus any private collection the engine needs (names starting with ``_``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Protocol, Tuple


@dataclass
class Batch:
    puts: List[Tuple[str, str, Dict[str, Any]]] = field(default_factory=list)
    deletes: List[Tuple[str, str]] = field(default_factory=list)
    events: List[Dict[str, Any]] = field(default_factory=list)

    def put(self, collection: str, key: str, document: Dict[str, Any]) -> None:
        self.puts.append((collection, key, document))

    def delete(self, collection: str, key: str) -> None:
        self.deletes.append((collection, key))

    def emit(self, event: Dict[str, Any]) -> None:
        self.events.append(event)

    def __bool__(self) -> bool:
        return bool(self.puts or self.deletes or self.events)


@dataclass(frozen=True)
class StoredEvent:
    sequence: int  # 1, 2, 3 ... in commit order; a reader's cursor is the last sequence it saw
    event: Dict[str, Any]


@dataclass
class Snapshot:
    documents: Dict[str, Dict[str, Dict[str, Any]]]  # collection -> key -> document
    last_event_sequence: int


class Store(Protocol):
    def load(self) -> Snapshot: ...

    def commit(self, batch: Batch) -> List[StoredEvent]:
        """Apply the batch atomically; return its events with their sequence numbers."""
        ...

    def events_since(self, sequence: int, limit: int = 1000) -> List[StoredEvent]: ...

    def clear(self) -> None:
        """Delete every document and event; the next event's sequence number still follows the last one given."""
        ...

    def close(self) -> None: ...
