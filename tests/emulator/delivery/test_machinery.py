"""The delivery machinery's parts on their own: the scheduler's timetable and the commit times behind time to live."""

from __future__ import annotations

import threading
import time

from jobrouter_emulator.delivery import commit_times
from jobrouter_emulator.delivery.commit_times import CommitTimes
from jobrouter_emulator.delivery.scheduler import Scheduler
from tests.integration._polling import wait_for


def test_turns_run_in_time_order_on_few_threads_and_cancelled_ones_never_run():
    scheduler = Scheduler(workers=2)
    scheduler.start()
    ran, threads = [], set()
    lock = threading.Lock()

    def turn(name):
        def run():
            with lock:
                ran.append(name)
                threads.add(threading.current_thread().name)

        return run

    try:
        now = time.monotonic()
        scheduler.at(now + 0.2, turn("late"))
        cancelled = scheduler.at(now + 0.1, turn("cancelled"))
        for index in range(50):
            scheduler.at(now + 0.05, turn(f"early-{index}"))
        scheduler.cancel(cancelled)
        wait_for(lambda: "late" in ran, timeout=5)
        assert ran[-1] == "late" and "cancelled" not in ran and len(ran) == 51
        assert len(threads) <= 2 and scheduler.waiting() == 0
    finally:
        scheduler.stop()


def test_ages_count_from_the_commit_and_from_the_start_for_older_events(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(commit_times.time, "monotonic", lambda: clock[0])
    times = CommitTimes(last_sequence_at_start=10, horizon=60.0)
    clock[0] = 105.0
    times.committed(11)  # events 11.. committed at 105
    clock[0] = 107.0
    times.committed(14)  # events 14.. committed at 107
    clock[0] = 110.0
    assert times.age(5) == 10.0  # before the start: counted from the start (100)
    assert times.age(12) == 5.0
    assert times.age(14) == 3.0 and times.age(20) == 3.0


def test_commit_notes_stay_bounded_and_old_ones_read_as_old(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(commit_times.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(commit_times, "NOTES", 100)
    times = CommitTimes(last_sequence_at_start=0, horizon=10.0)  # one note per 0.1 s at most
    for sequence in range(1, 5001):
        clock[0] = sequence * 0.05  # 20 commits a second for 250 s
        times.committed(sequence)
    assert len(times._times) <= 2 * 100 + 1
    assert times.age(1) >= 10.0  # long forgotten: older than any time to live
    assert abs(times.age(5000) - 0.0) < 0.1 and abs(times.age(4900) - 5.0) < 0.1
