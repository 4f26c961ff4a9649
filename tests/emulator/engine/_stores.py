"""Stores for tests of what the engine does when the store fails."""

from __future__ import annotations

from jobrouter_emulator.store.memory import MemoryStore


class RefusingStore(MemoryStore):
    """A memory store that refuses to commit while ``refuse`` is set, as SQLite does when the disk is full."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse = False

    def commit(self, batch):
        if self.refuse:
            raise OSError("disk full")
        return super().commit(batch)
