"""Merge-patch as the service applies it: RFC 7396, except that an object told apart by ``kind`` whose kind changes
is replaced whole."""

from __future__ import annotations

from azure.communication.jobrouter import models
from jobrouter_emulator.engine.documents import merge_patch

BEST = {
    "mode": {
        "kind": "bestWorker",
        "minConcurrentOffers": 1,
        "scoringRule": {"kind": "static", "value": 1},
        "scoringRuleOptions": {"descendingOrder": True},
    }
}


def test_objects_merge_and_null_removes():
    merged = merge_patch({"a": {"b": 1, "c": 2}, "d": 3}, {"a": {"b": None, "e": 4}, "d": None})
    assert merged == {"a": {"c": 2, "e": 4}}


def test_a_changed_kind_replaces_the_object_at_any_depth():
    idle = merge_patch(BEST, {"mode": {"kind": "longestIdle"}}, models.DistributionPolicy)
    assert idle == {"mode": {"kind": "longestIdle"}}
    rule = merge_patch(
        BEST, {"mode": {"scoringRule": {"kind": "expression", "expression": "2"}}}, models.DistributionPolicy
    )
    assert rule["mode"]["scoringRule"] == {"kind": "expression", "expression": "2"}
    assert rule["mode"]["scoringRuleOptions"] == {"descendingOrder": True}  # the mode kept its kind: merged


def test_the_same_kind_in_another_spelling_merges():
    merged = merge_patch(BEST, {"mode": {"kind": "best-worker", "maxConcurrentOffers": 2}}, models.DistributionPolicy)
    assert merged["mode"]["scoringRuleOptions"] == {"descendingOrder": True} and merged["mode"]["kind"] == "best-worker"


def test_a_kind_key_in_free_form_maps_is_only_data():
    worker = {"labels": {"kind": "senior", "team": "a"}}
    merged = merge_patch(worker, {"labels": {"kind": "junior"}}, models.RouterWorker)
    assert merged == {"labels": {"kind": "junior", "team": "a"}}
    assert BEST["mode"]["scoringRule"] == {"kind": "static", "value": 1}  # the target is never changed
