"""Durable state of the emulator: every engine command commits its changes and events as one batch."""

from .base import Batch, Snapshot, Store, StoredEvent
from .memory import MemoryStore
from .sqlite import SQLiteStore

__all__ = ["Batch", "Snapshot", "Store", "StoredEvent", "MemoryStore", "SQLiteStore"]
