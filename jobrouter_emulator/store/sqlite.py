"""The durable store: SQLite in WAL mode; each batch (documents and events) commits in one transaction."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Dict, List, Union

from .base import Batch, Snapshot, StoredEvent

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (collection, key)
);
CREATE TABLE IF NOT EXISTS events (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    event TEXT NOT NULL
);
"""


class SQLiteStore:
    def __init__(self, path: Union[str, Path]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def load(self) -> Snapshot:
        with self._lock:
            documents: Dict[str, Dict[str, Dict]] = {}
            for collection, key, document in self._connection.execute(
                "SELECT collection, key, document FROM documents"
            ):
                documents.setdefault(collection, {})[key] = json.loads(document)
            row = self._connection.execute("SELECT COALESCE(MAX(sequence), 0) FROM events").fetchone()
            return Snapshot(documents, int(row[0]))

    def commit(self, batch: Batch) -> List[StoredEvent]:
        puts = [(c, k, json.dumps(d, separators=(",", ":"))) for c, k, d in batch.puts]
        events = [json.dumps(e, separators=(",", ":")) for e in batch.events]
        with self._lock:
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                cursor.executemany(
                    "INSERT OR REPLACE INTO documents (collection, key, document) VALUES (?, ?, ?)", puts
                )
                cursor.executemany("DELETE FROM documents WHERE collection = ? AND key = ?", batch.deletes)
                stored = []
                for text, event in zip(events, batch.events):
                    cursor.execute("INSERT INTO events (event) VALUES (?)", (text,))
                    stored.append(StoredEvent(int(cursor.lastrowid or 0), event))
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            return stored

    def events_since(self, sequence: int, limit: int = 1000) -> List[StoredEvent]:
        with self._lock:
            rows = self._connection.execute(
                "SELECT sequence, event FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?", (sequence, limit)
            ).fetchall()
        return [StoredEvent(int(s), json.loads(e)) for s, e in rows]

    def clear(self) -> None:
        # AUTOINCREMENT keeps the highest sequence given (in sqlite_sequence), so numbering goes on after a clear.
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                self._connection.execute("DELETE FROM documents")
                self._connection.execute("DELETE FROM events")
                self._connection.execute("COMMIT")
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._connection.close()
