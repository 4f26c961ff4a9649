"""Matching uses indexes (queue, channel, label value for ``equal`` selectors): results are those of a full scan,
and the number of workers checked does not grow with the workers that cannot take the job."""

from __future__ import annotations

import pytest

from jobrouter_emulator.engine.router import Router


def _count_checks(monkeypatch) -> list:
    checked: list = []
    original = Router._eligible

    def counting(self, worker_id, job_record, bypass):
        checked.append(worker_id)
        return original(self, worker_id, job_record, bypass)

    monkeypatch.setattr(Router, "_eligible", counting)
    return checked


@pytest.mark.parametrize("idle_others", [10, 1000])
def test_workers_that_cannot_take_the_job_are_not_checked(harness, monkeypatch, idle_others):
    for index in range(idle_others // 2):
        harness.worker(f"other-channel-{index}", channel="chat")
        harness.worker(f"other-label-{index}", labels={"language": "fr"})
    harness.worker("match", labels={"language": "en"})
    harness.settle()
    checked = _count_checks(monkeypatch)
    harness.job("j", requestedWorkerSelectors=[{"key": "language", "labelOperator": "equal", "value": "en"}])
    harness.settle()
    assert [o["jobId"] for o in harness.offers("match")] == ["j"]
    assert checked == ["match"]  # the same with 10 or 1,000 idle workers that cannot take it


@pytest.mark.parametrize(
    ("label", "selector_value", "offered"),
    [(1, 1.0, True), (1, True, False), (True, True, True), ("1", 1, False), ("en", "en", True), ("en", "EN", False)],
)
def test_indexed_equal_matches_what_the_label_comparison_matches(harness, label, selector_value, offered):
    harness.worker("w", labels={"k": label})
    harness.job("j", requestedWorkerSelectors=[{"key": "k", "labelOperator": "equal", "value": selector_value}])
    harness.settle()
    assert bool(harness.offers("w")) is offered


def test_the_indexes_follow_worker_updates(harness):
    harness.worker("w", labels={"language": "fr"}, channel="chat")
    harness.job("j", requestedWorkerSelectors=[{"key": "language", "labelOperator": "equal", "value": "en"}])
    harness.settle()
    assert harness.offers("w") == []
    harness.worker("w", labels={"language": "en"}, channel="chat")  # right label, wrong channel
    harness.settle()
    assert harness.offers("w") == []
    harness.worker("w", labels={"language": "en"}, channel="voice")
    harness.settle()
    assert [o["jobId"] for o in harness.offers("w")] == ["j"]


def test_other_operators_check_every_worker_of_the_queue_and_channel(harness, monkeypatch):
    harness.worker("senior", labels={"level": 5})
    harness.worker("junior", labels={"level": 1})
    harness.settle()
    checked = _count_checks(monkeypatch)
    harness.job("j", requestedWorkerSelectors=[{"key": "level", "labelOperator": "greaterThan", "value": 3}])
    harness.settle()
    assert sorted(checked) == ["junior", "senior"] and [o["jobId"] for o in harness.offers("senior")] == ["j"]
