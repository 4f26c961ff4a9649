"""The subscription stores, SQLite and memory, keep the same contract."""

from __future__ import annotations

import sqlite3

import pytest

from jobrouter_emulator.delivery import (
    EventSubscription,
    MemorySubscriptionStore,
    SQLiteSubscriptionStore,
    SubscriptionRecord,
)


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    made = MemorySubscriptionStore() if request.param == "memory" else SQLiteSubscriptionStore(tmp_path / "s.sqlite3")
    yield made
    made.close()


def _subscription(name: str, **body) -> EventSubscription:
    return EventSubscription.from_json(name, {"endpointUrl": f"https://example.test/{name}", **body})


def test_put_update_delete_and_load(store):
    store.put(SubscriptionRecord(_subscription("first", maxEventsPerBatch=7), cursor=3))
    store.put(SubscriptionRecord(_subscription("second")))
    store.set_cursor("first", 42)
    store.set_validated("first", True)
    store.set_cursor("nobody", 9)  # no such subscription: nothing happens
    store.delete("second")
    (record,) = store.load().values()
    assert record == SubscriptionRecord(_subscription("first", maxEventsPerBatch=7), cursor=42, validated=True)


def test_sqlite_keeps_subscriptions_across_connections_and_ignores_writes_after_close(tmp_path):
    path = tmp_path / "state.sqlite3"
    first = SQLiteSubscriptionStore(path)
    first.put(SubscriptionRecord(_subscription("kept", includedEventTypes=["RouterJobQueued"]), cursor=5))
    first.close()
    first.set_cursor("kept", 99)  # a delivery finishing after shutdown: its cursor is not written
    again = SQLiteSubscriptionStore(path)
    assert again.load()["kept"].cursor == 5
    assert again.load()["kept"].subscription.included_event_types == ("Microsoft.Communication.RouterJobQueued",)
    again.close()


def test_a_stored_definition_that_no_longer_reads_is_skipped(tmp_path, caplog):
    path = tmp_path / "state.sqlite3"
    store = SQLiteSubscriptionStore(path)
    store.put(SubscriptionRecord(_subscription("good")))
    store.put(SubscriptionRecord(_subscription("broken")))
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE event_subscriptions SET definition = '{\"maxEventsPerBatch\": 0}' WHERE name = 'broken'"
        )
    assert list(store.load()) == ["good"]
    assert "broken is stored but cannot be used" in caplog.text
    store.close()
