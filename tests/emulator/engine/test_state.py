"""State and transactions through their own API: a command commits as one batch, or leaves memory exactly as it
was, whether it fails half-way or the store refuses the batch."""

from __future__ import annotations

import json

import pytest

from jobrouter_emulator.engine.clock import FakeClock
from jobrouter_emulator.engine.errors import StoreFailed
from jobrouter_emulator.engine.state import State
from jobrouter_emulator.store.memory import MemoryStore

from ._stores import RefusingStore


def _state(store=None):
    state = State(store or MemoryStore(), FakeClock(), ["things"])
    with state.transaction():
        state.create("things", "kept", {"id": "kept", "list": [1, {"deep": True}]})
        state.create("things", "removed", {"id": "removed"})
        state.next_number("seq")
    return state


def _memory(state: State) -> str:
    """Everything the records hold, as text (counters through the next number they give)."""
    return json.dumps({r.body["id"]: r.to_document() for r in state.records("things")}, sort_keys=True)


def _change_everything(state: State, restored: list, undone: list, committed: list) -> None:
    record = state.write("things", "kept")
    record.body["list"][1]["deep"] = False  # nested, in place
    record.body["new"] = "value"
    record.internal["note"] = "internal"
    state.delete("things", "removed")
    state.create("things", "added", {"id": "added"})
    state.put("things", "removed", {"id": "removed", "again": True})  # deleted, then created again
    state.emit({"eventType": "Changed"})
    state.on_rollback(lambda: undone.append("undo"))
    state.after_commit(lambda: committed.append("after"))
    assert state.next_number("seq") == 2


def test_a_command_that_fails_half_way_leaves_memory_as_it_was():
    state = _state()
    before = _memory(state)
    restored, undone, committed = [], [], []
    state.add_restored_listener(lambda collection, key, record: restored.append((key, record is not None)))
    with pytest.raises(RuntimeError, match="half-way"):
        with state.transaction():
            _change_everything(state, restored, undone, committed)
            raise RuntimeError("half-way")
    assert _memory(state) == before
    assert sorted(restored) == [("added", False), ("kept", True), ("removed", True)]
    assert undone == ["undo"] and committed == []
    assert state.events_since(0) == []
    with state.transaction():
        assert state.next_number("seq") == 2  # the counter was put back too


def test_a_store_that_refuses_the_commit_leaves_memory_as_it_was():
    store = RefusingStore()
    state = _state(store)
    before = _memory(state)
    store.refuse = True
    with pytest.raises(StoreFailed, match="disk full"):
        with state.transaction():
            _change_everything(state, [], [], [])
    assert _memory(state) == before
    assert store.load().documents["things"].keys() == {"kept", "removed"}
    store.refuse = False
    committed: list = []
    with state.transaction():
        _change_everything(state, [], [], committed)
    assert committed == ["after"]
    assert store.load().documents["things"]["removed"]["body"] == {
        "id": "removed",
        "again": True,
        "etag": state.get("things", "removed").body["etag"],
    }
    assert [e.event for e in state.events_since(0)] == [{"eventType": "Changed"}]


def test_a_commit_stores_exactly_what_changed_with_new_etags():
    store = MemoryStore()
    state = _state(store)
    old_etag = state.get("things", "kept").body["etag"]
    with state.transaction():
        state.write("things", "kept").body["n"] = 1
    assert state.get("things", "kept").body["etag"] != old_etag
    assert store.load().documents["things"]["kept"]["body"]["n"] == 1
    with state.transaction():
        state.get("things", "kept")  # reading is not writing
    assert store.load().documents["things"]["kept"]["body"]["etag"] == state.get("things", "kept").body["etag"]


def test_changes_outside_a_transaction_are_refused():
    state = _state()
    with pytest.raises(RuntimeError, match="inside State.transaction"):
        state.write("things", "kept")
    ran: list = []
    state.after_commit(lambda: ran.append(1))  # with no command running, at once
    assert ran == [1]


class _CountingStore(MemoryStore):
    """A memory store that counts the reads of events it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def events_since(self, sequence, limit=1000):
        self.reads += 1
        return super().events_since(sequence, limit)


@pytest.mark.parametrize("kept", [3, 1000])
def test_events_since_answers_as_the_store_does_from_memory_for_the_newest(kept, monkeypatch):
    # The newest events come from memory (the store is not asked); older ones, or a restart, from the store; every
    # answer equals the store's own.
    from jobrouter_emulator.engine import state as state_module

    original = state_module.RecentEvents
    monkeypatch.setattr(state_module, "RecentEvents", lambda: original(size=kept))
    store = _CountingStore()
    state = State(store, FakeClock(), ["things"])
    for number in range(20):
        with state.transaction():
            state.emit({"eventType": "Numbered", "n": number})
            if number % 3 == 0:
                state.emit({"eventType": "Extra", "n": number})
    last = store.events_since(0, 10**6)[-1].sequence
    store.reads = 0
    for since in range(0, last + 2):
        for limit in (1, 2, 1000):
            assert state.events_since(since, limit) == MemoryStore.events_since(store, since, limit)
    from_store = store.reads
    assert state.events_since(last, 10) == [] and state.events_since(last - 1, 10)[0].sequence == last
    assert store.reads == from_store  # the newest never reach the store
    if kept == 1000:
        assert from_store == 0
    else:
        assert 0 < from_store < (last + 2) * 3  # the oldest did
    restarted = State(store, FakeClock(), ["things"])
    restarted.load()
    assert restarted.events_since(0, 5) == MemoryStore.events_since(store, 0, 5)
    assert restarted.events_since(last, 5) == []


def test_an_entity_is_a_copy_and_the_memory_store_keeps_what_was_committed():
    store = MemoryStore()
    state = _state(store)
    entity = state.get("things", "kept").entity()
    entity.body["list"][1]["deep"] = "changed by a reader"
    assert state.get("things", "kept").body["list"][1]["deep"] is True
    state.get("things", "kept").body["list"][1]["deep"] = "changed in memory, never committed"
    reloaded = State(store, FakeClock(), ["things"])
    reloaded.load()
    assert reloaded.get("things", "kept").body == {"id": "kept", "list": [1, {"deep": True}], "etag": entity.etag}
    with pytest.raises(StoreFailed):  # not JSON: refused at commit, as SQLite refuses it
        with state.transaction():
            state.create("things", "bad", {"id": "bad", "value": object()})
