"""The engine's state: every stored document in memory, changed only inside a transaction.

A command (a request, or a timer firing) runs in one transaction. The first :meth:`State.write` of a record in it
keeps a copy of the record as it was; events, and work that must wait for the commit (timers, match requests), are
collected. At the end the changed documents and the events are committed to the store as one batch. If the command
fails half-way, or the store refuses the batch, every record is put back as it was, counters too, and the parts
derived from records (the matching index) are told to re-read what was put back: memory is exactly as it was
before the command.
"""

from __future__ import annotations

import errno
import logging
import marshal
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..store.base import Batch, Store, StoredEvent
from .clock import Clock
from .errors import NotFound, StoreFailed, StoreFull
from .times import format_time, parse_time_or_none

logger = logging.getLogger(__name__)

Key = Tuple[str, str]  # (collection, id)


def new_etag() -> str:
    """A new entity tag: opaque to clients, unique to this version of a document."""
    return f'"{os.urandom(16).hex()}"'  # 5x cheaper than a uuid4 text, written on every command


@dataclass(frozen=True)
class Entity:
    """A document as a client sees it, with the headers that go with it."""

    body: Dict[str, Any]
    etag: str
    last_modified: datetime


def _disk_full(error: Exception) -> bool:
    """Whether a store's error says its disk is full (an OSError's ENOSPC, SQLite's SQLITE_FULL)."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return getattr(error, "sqlite_errorcode", None) == 13 or "disk is full" in str(error)  # 13: SQLITE_FULL


class Record:
    """A stored document: the REST body plus what the engine keeps beside it (``internal``, never shown)."""

    __slots__ = ("body", "last_modified", "created", "internal")

    def __init__(
        self, body: Dict[str, Any], last_modified: datetime, created: int, internal: Optional[Dict[str, Any]] = None
    ) -> None:
        self.body = body
        self.last_modified = last_modified
        self.created = created  # creation order: lists are newest first
        self.internal = internal if internal is not None else {}

    def to_document(self) -> Dict[str, Any]:
        """The JSON form the store keeps."""
        return {
            "body": self.body,
            "lastModified": format_time(self.last_modified),
            "created": self.created,
            "internal": self.internal,
        }

    @classmethod
    def from_document(cls, document: Dict[str, Any], fallback_time: datetime) -> Record:
        """A record from its stored JSON form."""
        modified = parse_time_or_none(document.get("lastModified")) or fallback_time
        return cls(document["body"], modified, int(document.get("created", 0)), document.get("internal") or {})

    def saved(self) -> SavedRecord:
        """The record as it is now, kept aside in case the command rolls back."""
        # marshal writes JSON-like data far faster than copy.deepcopy copies it, and the copy is only read back on a
        # rollback, so a command on a worker holding many offers stays cheap (figures: benchmarks/README.md).
        return SavedRecord(marshal.dumps((self.body, self.internal)), self.last_modified, self.created)

    def restore(self, saved: SavedRecord) -> None:
        """Become what ``saved`` kept (rollback keeps the record object, which others may hold)."""
        self.body, self.internal = marshal.loads(saved.data)
        self.last_modified, self.created = saved.last_modified, saved.created

    def entity(self) -> Entity:
        """What a client gets: a copy of the body, its etag and last-modified time."""
        # A marshal round trip copies JSON-like data several times faster than copy.deepcopy, and this copy is made
        # for every GET and upsert answer (the response is written after the router's lock is let go).
        return Entity(marshal.loads(marshal.dumps(self.body)), self.body["etag"], self.last_modified)


@dataclass(frozen=True)
class SavedRecord:
    """A record's content as it was before the command changed it."""

    data: bytes  # marshal of (body, internal)
    last_modified: datetime
    created: int

    def record(self) -> Record:
        """A record holding this content again."""
        body, internal = marshal.loads(self.data)
        return Record(body, self.last_modified, self.created, internal)


class Transaction:
    """What one command has changed so far."""

    __slots__ = ("saved", "deleted", "events", "after_commit", "on_rollback", "counters")

    def __init__(self, counters: Dict[str, int]) -> None:
        self.saved: Dict[Key, Optional[SavedRecord]] = {}  # records as they were (None: did not exist)
        self.deleted: Dict[Key, None] = {}
        self.events: List[Dict[str, Any]] = []
        self.after_commit: List[Callable[[], None]] = []
        self.on_rollback: List[Callable[[], None]] = []
        self.counters = counters  # the counters as they were


class _Command:
    """The ``with`` block of :meth:`State.transaction` (a class: cheaper than a generator, on every command)."""

    __slots__ = ("_state", "_tx")

    def __init__(self, state: State) -> None:
        self._state = state
        self._tx: Optional[Transaction] = None

    def __enter__(self) -> Transaction:
        state = self._state
        if state._tx is not None:  # a command running inside another is part of it
            return state._tx
        self._tx = state._tx = Transaction(dict(state._counters))
        return self._tx

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        tx, state = self._tx, self._state
        if tx is None:
            return
        if exc_type is not None:
            state._tx = None
            state._rollback(tx)
            return
        try:
            stored = state._commit(tx)
        except BaseException:
            state._tx = None
            state._rollback(tx)
            raise
        state._tx = None
        state._committed(tx, stored)


RestoredListener = Callable[[str, str, Optional[Record]], None]
ChangedListener = Callable[[str, str, Optional[Record]], None]


class RecentEvents:
    """The last committed events, in memory, so that readers of the newest events (the event stream, webhook
    subscribers) get them without asking the store: on SQLite each read was a query and a JSON decode per event, on
    the event loop, for every commit. Older events are read from the store."""

    def __init__(self, size: int = 8192) -> None:
        self._size = size
        self._events: List[StoredEvent] = []
        self._last = 0  # the last committed sequence number (from the store on start, then from each commit)
        self._lock = threading.Lock()  # readers run on other threads than the commits

    def start_after(self, sequence: int) -> None:
        """The store's last sequence number, on start."""
        self._last = sequence

    @property
    def last(self) -> int:
        """The sequence number of the last event committed (0 before the first)."""
        return self._last

    def clear(self) -> None:
        """Forget the events (a reset deleted them from the store); the sequence numbers go on from the last."""
        with self._lock:
            self._events = []

    def add(self, stored: List[StoredEvent]) -> None:
        with self._lock:
            self._events.extend(stored)
            self._last = stored[-1].sequence
            if len(self._events) > 2 * self._size:
                del self._events[: -self._size]

    def after(self, sequence: int, limit: int) -> Optional[List[StoredEvent]]:
        """Events after ``sequence`` (at most ``limit``); None when the oldest of them is no longer kept here."""
        with self._lock:
            if sequence >= self._last:
                return []
            events = self._events
            if not events:
                return None
            offset = sequence + 1 - events[0].sequence
            # Sequence numbers are consecutive; anything else (never seen) goes to the store rather than guessing.
            if offset < 0 or offset >= len(events) or events[offset].sequence != sequence + 1:
                return None
            return events[offset : offset + limit]


class State:
    """Records by collection, the counters the engine numbers things with, and the transaction around a command."""

    def __init__(self, store: Store, clock: Clock, collections: List[str]) -> None:
        self._store = store
        self._clock = clock
        self._records: Dict[str, Dict[str, Record]] = {c: {} for c in collections}
        self._counters: Dict[str, int] = {"created": 0}
        self._tx: Optional[Transaction] = None
        self._event_listeners: List[Callable[[List[StoredEvent]], None]] = []
        self._restored_listeners: List[RestoredListener] = []
        self._changed_listeners: List[ChangedListener] = []
        self._recent = RecentEvents()

    # -- reading --------------------------------------------------------------------------------------------------
    def has_collection(self, collection: str) -> bool:
        """Whether ``collection`` is one the engine keeps."""
        return collection in self._records

    def get(self, collection: str, key: str) -> Optional[Record]:
        """The record, to read; change it only after :meth:`write`."""
        return self._records[collection].get(key)

    def exists(self, collection: str, key: Any) -> bool:
        """Whether a document with id ``key`` is in ``collection``."""
        return isinstance(key, str) and key in self._records[collection]

    def require(self, collection: str, key: str, target: str) -> Record:
        """The record, or a 404 naming ``target``."""
        record = self._records[collection].get(key)
        if record is None:
            raise NotFound("The item was not found.", target=target)
        return record

    def records(self, collection: str) -> List[Record]:
        """Every record of ``collection`` (a list: safe to iterate while changing state)."""
        return list(self._records[collection].values())

    # -- loading --------------------------------------------------------------------------------------------------
    def load(self) -> None:
        """Read every document the store holds (on start)."""
        snapshot = self._store.load()
        self._recent.start_after(snapshot.last_event_sequence)
        now = self._clock.now()
        for collection, items in snapshot.documents.items():
            if collection not in self._records:
                continue
            for key, document in items.items():
                record = Record.from_document(document, now)
                self._records[collection][key] = record
                self._counters["created"] = max(self._counters["created"], record.created)

    def clear(self) -> None:
        """Forget every record, counter and stored event (a reset); event sequence numbers go on from where they
        were, so readers' cursors stay valid."""
        if self._tx is not None:
            raise RuntimeError("a reset cannot run inside a command")
        self._store.clear()
        self._recent.clear()
        for records in self._records.values():
            records.clear()
        self._counters = {"created": 0}

    # -- changing -------------------------------------------------------------------------------------------------
    def _transaction(self) -> Transaction:
        if self._tx is None:
            raise RuntimeError("state changes happen inside State.transaction()")
        return self._tx

    def write(self, collection: str, key: str) -> Record:
        """The record, to change: kept as it was for a rollback, stored at commit, with a new etag and time."""
        tx = self._transaction()
        record = self._records[collection][key]
        if (collection, key) not in tx.saved:
            tx.saved[(collection, key)] = record.saved()
            record.body["etag"] = new_etag()
            record.last_modified = self._clock.now()
        return record

    def create(self, collection: str, key: str, body: Dict[str, Any]) -> Record:
        """A new record holding ``body``."""
        tx = self._transaction()
        tx.saved.setdefault((collection, key), None)
        tx.deleted.pop((collection, key), None)
        self._counters["created"] += 1
        body["etag"] = new_etag()
        record = Record(body, self._clock.now(), self._counters["created"])
        self._records[collection][key] = record
        return record

    def put(self, collection: str, key: str, body: Dict[str, Any]) -> Record:
        """Store ``body`` as the document ``key``: a new record, or the existing one holding ``body`` from now on
        (the body it held before is left as it was)."""
        if key not in self._records[collection]:
            return self.create(collection, key, body)
        record = self.write(collection, key)
        body["etag"] = record.body["etag"]
        record.body = body
        return record

    def delete(self, collection: str, key: str) -> None:
        """Remove the record (from the store too, at commit)."""
        tx = self._transaction()
        record = self._records[collection].pop(key)
        if (collection, key) not in tx.saved:
            tx.saved[(collection, key)] = record.saved()
        tx.deleted[(collection, key)] = None

    def next_number(self, counter: str) -> int:
        """1, 2, 3, ... per counter name, in the order things happen (restored by a rollback, like records)."""
        self._transaction()
        self._counters[counter] = self._counters.get(counter, 0) + 1
        return self._counters[counter]

    def raise_counter(self, counter: str, at_least: int) -> None:
        """Make the next :meth:`next_number` larger than ``at_least`` (when loading numbered records)."""
        self._counters[counter] = max(self._counters.get(counter, 0), at_least)

    def emit(self, event: Dict[str, Any]) -> None:
        """Raise an event; it is stored with the command's changes, or dropped with them."""
        self._transaction().events.append(event)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the command has committed (at once when no command runs)."""
        if self._tx is None:
            action()
        else:
            self._tx.after_commit.append(action)

    def on_rollback(self, action: Callable[[], None]) -> None:
        """Run ``action`` if the command fails: to undo a change outside the records."""
        self._transaction().on_rollback.append(action)

    # -- the store ------------------------------------------------------------------------------------------------
    def events_since(self, sequence: int, limit: int = 1000) -> List[StoredEvent]:
        """Committed events after ``sequence``, oldest first."""
        recent = self._recent.after(sequence, limit)
        return recent if recent is not None else self._store.events_since(sequence, limit)

    @property
    def last_sequence(self) -> int:
        """The sequence number of the last event committed (0 before the first)."""
        return self._recent.last

    def close(self) -> None:
        """Close the store and forget the listeners."""
        self._event_listeners.clear()
        self._restored_listeners.clear()
        self._changed_listeners.clear()
        self._store.close()

    # -- transactions ---------------------------------------------------------------------------------------------
    def add_event_listener(self, callback: Callable[[List[StoredEvent]], None]) -> None:
        """Call ``callback`` with each committed batch of events."""
        self._event_listeners.append(callback)

    def add_restored_listener(self, callback: RestoredListener) -> None:
        """Call ``callback(collection, key, record or None)`` for each record a rollback puts back."""
        self._restored_listeners.append(callback)

    def add_changed_listener(self, callback: ChangedListener) -> None:
        """Call ``callback(collection, key, record or None)`` for each record a command changed, once it committed
        (what a part derived from the documents needs to follow changes its callers did not tell it about)."""
        self._changed_listeners.append(callback)

    def transaction(self) -> _Command:
        """One command: committed to the store when the block ends, rolled back if it raises (or the store does)."""
        return _Command(self)

    def _committed(self, tx: Transaction, stored: List[StoredEvent]) -> None:
        if stored:
            self._recent.add(stored)
        if self._changed_listeners:
            for collection, key in tx.saved:
                record = self._records[collection].get(key)
                for changed in self._changed_listeners:
                    changed(collection, key, record)
        for action in tx.after_commit:
            action()
        if stored:
            for listener in self._event_listeners:
                try:
                    listener(stored)
                except Exception:  # noqa: BLE001 - a failing listener must not undo a committed command
                    logger.exception("An event listener failed")

    def _commit(self, tx: Transaction) -> List[StoredEvent]:
        batch = Batch()
        for (collection, key), _ in tx.saved.items():
            record = self._records[collection].get(key)
            if record is not None:
                batch.put(collection, key, record.to_document())
        for collection, key in tx.deleted:
            if key not in self._records[collection]:
                batch.delete(collection, key)
        for event in tx.events:
            batch.emit(event)
        if not batch:
            return []
        try:
            return self._store.commit(batch)
        except Exception as exc:  # the store's own error types differ (sqlite3, OSError, ...)
            logger.error("The store refused a commit (%s); the command is rolled back", exc)
            if _disk_full(exc):
                raise StoreFull(f"The emulator's store is full and could not save the change: {exc}") from exc
            raise StoreFailed(f"The emulator's store failed and could not save the change: {exc}") from exc

    def _rollback(self, tx: Transaction) -> None:
        self._counters = tx.counters
        for (collection, key), saved in tx.saved.items():
            records = self._records[collection]
            if saved is None:
                records.pop(key, None)
            elif key in records:
                records[key].restore(saved)
            else:
                records[key] = saved.record()
        for action in reversed(tx.on_rollback):
            action()
        for (collection, key), _ in tx.saved.items():
            restored = self._records[collection].get(key)
            for listener in self._restored_listeners:
                listener(collection, key, restored)
