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
