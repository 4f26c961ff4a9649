"""The matching index through its own API: free workers by (queue, channel) and by label value, queued jobs by
queue; and through the router, that indexed matching offers what a full comparison of labels would."""

from __future__ import annotations

import pytest

from jobrouter_emulator.engine.matching.index import MatchingIndex

EN = [{"key": "language", "labelOperator": "equal", "value": "en", "status": "active"}]


def _worker(worker_id, *, queues=("q",), channel="voice", cost=1, labels=None, state="active", available=True):
    return {
        "id": worker_id,
        "state": state,
        "availableForOffers": available,
        "queues": list(queues),
        "labels": labels or {},
        "channels": [{"channelId": channel, "capacityCostPerJob": cost}],
    }


@pytest.mark.parametrize("idle_others", [10, 1000])
def test_candidates_are_only_the_workers_that_may_take_the_job(idle_others):
    index = MatchingIndex()
    for n in range(idle_others // 2):
        index.update_worker(
            f"other-channel-{n}", _worker(f"other-channel-{n}", channel="chat", labels={"language": "en"}), 1
        )
        index.update_worker(f"other-label-{n}", _worker(f"other-label-{n}", labels={"language": "fr"}), 1)
    index.update_worker("match", _worker("match", labels={"language": "en"}), 1)
    # The same single candidate with 10 or 1,000 idle workers that cannot take the job.
    assert index.candidates("q", "voice", EN, bypass_selectors=False) == ["match"]
    assert len(index.candidates("q", "voice", EN, bypass_selectors=True)) == idle_others // 2 + 1


def test_other_operators_and_expired_selectors_do_not_narrow():
    index = MatchingIndex()
    index.update_worker("senior", _worker("senior", labels={"level": 5}), 1)
    index.update_worker("junior", _worker("junior", labels={"level": 1}), 1)
    greater = [{"key": "level", "labelOperator": "greaterThan", "value": 3, "status": "active"}]
    expired = [{"key": "level", "labelOperator": "equal", "value": 5, "status": "expired"}]
    assert index.candidates("q", "voice", greater, bypass_selectors=False) == ["junior", "senior"]
    assert index.candidates("q", "voice", expired, bypass_selectors=False) == ["junior", "senior"]
    assert index.candidates("q", "voice", [{**expired[0], "status": "active"}], bypass_selectors=False) == ["senior"]


@pytest.mark.parametrize(
    ("change", "free"),
    [
        ({"state": "inactive"}, False),
        ({"availableForOffers": False}, False),
        ({"queues": ["other"]}, False),
        ({"channels": [{"channelId": "voice", "capacityCostPerJob": 3}]}, False),  # costs more than the 2 left
        ({"channels": [{"channelId": "voice", "capacityCostPerJob": 2}]}, True),
    ],
)
def test_a_worker_is_free_only_while_it_can_take_one_more_job(change, free):
    index = MatchingIndex()
    index.update_worker("w", {**_worker("w"), **change}, 2)
    assert index.has_free_worker("q") is free
    assert index.candidates("q", "voice", [], bypass_selectors=False) == (["w"] if free else [])


def test_updates_replace_every_entry_and_none_removes_the_worker():
    index = MatchingIndex()
    index.update_worker("w", _worker("w", labels={"language": "fr"}), 1)
    index.update_worker("w", _worker("w", queues=("q2",), labels={"language": "en"}), 1)
    assert index.candidates("q", "voice", [], bypass_selectors=False) == []
    assert index.candidates("q2", "voice", EN, bypass_selectors=False) == ["w"]
    assert index.candidates("q2", "voice", [{**EN[0], "value": "fr"}], bypass_selectors=False) == []
    index.update_worker("w", None, 0)
    assert not index.has_free_worker("q2") and index.candidates("q2", "voice", EN, bypass_selectors=False) == []


def test_queued_jobs_move_between_queues_and_leave():
    index = MatchingIndex()
    index.set_job_queue("a", "q1", (1, -1, 1, "a"))
    index.set_job_queue("b", "q1", (1, -1, 2, "b"))
    index.set_job_queue("a", "q2", (1, -1, 3, "a"))
    assert list(index.queued("q1").job_ids()) == ["b"] and list(index.queued("q2").job_ids()) == ["a"]
    index.set_job_queue("b", None)
    assert index.queue_length("q1") == 0 and index.queue_length("q2") == 1
    with pytest.raises(ValueError):
        index.set_job_queue("c", "q1")


@pytest.mark.parametrize(
    ("label", "selector_value", "offered"),
    [(1, 1.0, True), (1, True, False), (True, True, True), ("1", 1, False), ("en", "en", True), ("en", "EN", False)],
)
def test_indexed_equal_matches_what_the_label_comparison_matches(harness, label, selector_value, offered):
    harness.worker("w", labels={"k": label})
    harness.job("j", requestedWorkerSelectors=[{"key": "k", "labelOperator": "equal", "value": selector_value}])
    harness.settle()
    assert bool(harness.offers("w")) is offered


def test_the_router_keeps_the_index_in_step_with_worker_updates(harness):
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
