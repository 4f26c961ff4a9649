"""Where subscriptions and their cursors are kept: a table of its own in the emulator's SQLite database, or memory.

A cursor is the sequence number (of ``/_emulator/events``) of the last event the subscriber acknowledged or that was
dead-lettered; delivery resumes after it, so an acknowledged event is never sent again after a restart and an
unacknowledged one is. The delivery code reaches storage only through :class:`SubscriptionStore`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, Protocol, Union

from .subscription import EventSubscription

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubscriptionRecord:
    subscription: EventSubscription
    cursor: int = 0
    validated: bool = False  # the endpoint passed its handshake (kept, as Event Grid validates once)


class SubscriptionStore(Protocol):
    def load(self) -> Dict[str, SubscriptionRecord]: ...

    def put(self, record: SubscriptionRecord) -> None: ...

    def set_cursor(self, name: str, cursor: int) -> None: ...

    def set_validated(self, name: str, validated: bool) -> None: ...

    def delete(self, name: str) -> None: ...

    def close(self) -> None: ...


class MemorySubscriptionStore:
    """``--in-memory``: the same contract, gone with the process."""

    def __init__(self) -> None:
        self._records: Dict[str, SubscriptionRecord] = {}
        self._lock = threading.Lock()

    def load(self) -> Dict[str, SubscriptionRecord]:
        with self._lock:
            return dict(self._records)

    def put(self, record: SubscriptionRecord) -> None:
        with self._lock:
            self._records[record.subscription.name] = record

    def _update(self, name: str, **changes: Union[int, bool]) -> None:
        with self._lock:
            if name in self._records:
                self._records[name] = replace(self._records[name], **changes)  # type: ignore[arg-type]

    def set_cursor(self, name: str, cursor: int) -> None:
        self._update(name, cursor=cursor)

    def set_validated(self, name: str, validated: bool) -> None:
        self._update(name, validated=validated)

    def delete(self, name: str) -> None:
        with self._lock:
            self._records.pop(name, None)

    def close(self) -> None:
        pass


_SCHEMA = """
CREATE TABLE IF NOT EXISTS event_subscriptions (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    cursor INTEGER NOT NULL DEFAULT 0,
    validated INTEGER NOT NULL DEFAULT 0
);
"""


class SQLiteSubscriptionStore:
    """A connection of its own to the emulator's database file (WAL allows it beside the router's store), so
    cursor writes never wait on routing. After :meth:`close`, writes are ignored: a delivery that finishes after
    shutdown leaves its cursor behind, and its events are sent again on the next start (at least once)."""

    def __init__(self, path: Union[str, Path]) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10.0)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._closed = False

    def load(self) -> Dict[str, SubscriptionRecord]:
        with self._lock:
            rows = self._connection.execute(
                "SELECT name, definition, cursor, validated FROM event_subscriptions"
            ).fetchall()
        records = {}
        for name, definition, cursor, validated in rows:
            try:
                subscription = EventSubscription.from_json(name, json.loads(definition))
            except ValueError as exc:  # stored by another version: keep the row, start without it
                logger.error("Event subscription %s is stored but cannot be used (%s); skipped", name, exc)
                continue
            records[name] = SubscriptionRecord(subscription, int(cursor), bool(validated))
        return records

    def _write(self, sql: str, *params: object) -> None:
        with self._lock:
            if not self._closed:
                self._connection.execute(sql, params)

    def put(self, record: SubscriptionRecord) -> None:
        self._write(
            "INSERT OR REPLACE INTO event_subscriptions (name, definition, cursor, validated) VALUES (?, ?, ?, ?)",
            record.subscription.name,
            json.dumps(record.subscription.to_json()),
            record.cursor,
            int(record.validated),
        )

    def set_cursor(self, name: str, cursor: int) -> None:
        self._write("UPDATE event_subscriptions SET cursor = ? WHERE name = ?", cursor, name)

    def set_validated(self, name: str, validated: bool) -> None:
        self._write("UPDATE event_subscriptions SET validated = ? WHERE name = ?", int(validated), name)

    def delete(self, name: str) -> None:
        self._write("DELETE FROM event_subscriptions WHERE name = ?", name)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._connection.close()
