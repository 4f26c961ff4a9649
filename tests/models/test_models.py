"""The model base and the generated models: construction, typed reads, JSON view, polymorphism, errors."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import datetime, timedelta, timezone

import pytest

from azure.communication.jobrouter import models as m

# Private: these are unit tests of the model core's reader and writer, below the public models.
from azure.communication.jobrouter._model_core import deserialize, parse_datetime, serialize
from tests.reference_data import SERVICE_RECORDINGS as RECORDINGS


def test_keyword_construction_writes_rest_names():
    policy = m.DistributionPolicy(offer_expires_after_seconds=60, mode=m.LongestIdleMode(max_concurrent_offers=2))
    assert policy.as_dict() == {
        "offerExpiresAfterSeconds": 60,
        "mode": {"maxConcurrentOffers": 2, "kind": "longestIdle"},
    }
    assert policy["offerExpiresAfterSeconds"] == 60
    assert isinstance(policy.mode, m.LongestIdleMode)


def test_mapping_construction_and_typed_reads():
    job = m.RouterJob(
        {
            "id": "job-1",
            "status": "queued",
            "enqueuedAt": "2023-11-07T19:55:07.4617366+00:00",
            "assignments": {"a1": {"assignmentId": "a1", "workerId": "w1", "assignedAt": "2023-11-07T19:55:08Z"}},
            "requestedWorkerSelectors": [{"key": "skill", "labelOperator": "greaterThan", "value": 5}],
        }
    )
    assert job.enqueued_at == datetime(2023, 11, 7, 19, 55, 7, 461736, tzinfo=timezone.utc)
    assert job.assignments["a1"].assigned_at == datetime(2023, 11, 7, 19, 55, 8, tzinfo=timezone.utc)
    assert job.requested_worker_selectors[0].label_operator == m.LabelOperator.GREATER_THAN
    assert job.status == m.RouterJobStatus.QUEUED
    assert job.queue_id is None
    # Reads are cached: the same object comes back.
    assert job.assignments is job.assignments


def test_in_place_mutation_reaches_the_json():
    worker = m.RouterWorker(capacity=2, channels=[m.RouterChannel(channel_id="voice", capacity_cost_per_job=1)])
    worker.channels.append(m.RouterChannel(channel_id="chat", capacity_cost_per_job=1))
    worker.channels[0].max_number_of_jobs = 1
    worker.labels = {"language": "en"}
    worker.labels["skill"] = 7
    assert worker.as_dict() == {
        "capacity": 2,
        "channels": [
            {"channelId": "voice", "capacityCostPerJob": 1, "maxNumberOfJobs": 1},
            {"channelId": "chat", "capacityCostPerJob": 1},
        ],
        "labels": {"language": "en", "skill": 7},
    }


def test_setting_none_removes_the_field_and_mapping_writes_invalidate_cache():
    queue = m.RouterQueue(name="a", distribution_policy_id="dp")
    queue.name = None
    assert "name" not in queue
    queue["distributionPolicyId"] = "dp2"
    assert queue.distribution_policy_id == "dp2"
    del queue["distributionPolicyId"]
    assert queue.distribution_policy_id is None
    assert len(queue) == 0


@pytest.mark.parametrize(
    ("base", "kind", "expected"),
    [
        (m.DistributionMode, "longest-idle", m.LongestIdleMode),
        (m.DistributionMode, "roundRobin", m.RoundRobinMode),
        (m.DistributionMode, "best-worker", m.BestWorkerMode),
        (m.JobMatchingMode, "queue-and-match", m.QueueAndMatchMode),
        (m.JobMatchingMode, "scheduleAndSuspend", m.ScheduleAndSuspendMode),
        (m.RouterRule, "expression-rule", m.ExpressionRouterRule),  # pre-release spelling (service recordings)
        (m.RouterRule, "azure-function-rule", m.FunctionRouterRule),
        (m.QueueSelectorAttachment, "weighted-allocation-queue-selector", m.WeightedAllocationQueueSelectorAttachment),
        (m.RouterRule, "teleport", m.RouterRule),  # unknown kind: the base class, data kept
        (m.RouterRule, "direct-map", m.DirectMapRouterRule),
        (m.ExceptionTrigger, "wait-time", m.WaitTimeExceptionTrigger),
        (m.ExceptionAction, "manual-reclassify", m.ManualReclassifyExceptionAction),
        (m.QueueSelectorAttachment, "pass-through", m.PassThroughQueueSelectorAttachment),
        (m.WorkerSelectorAttachment, "weightedAllocation", m.WeightedAllocationWorkerSelectorAttachment),
    ],
)
def test_discriminator_picks_subclass_and_keeps_spelling(base, kind, expected):
    obj = deserialize(base, {"kind": kind})
    assert type(obj) is expected
    assert obj.as_dict() == {"kind": kind}


def test_subclass_sets_its_kind():
    assert m.ScheduleAndSuspendMode(schedule_at=datetime(2030, 1, 1, tzinfo=timezone.utc)).as_dict() == {
        "scheduleAt": "2030-01-01T00:00:00Z",
        "kind": "scheduleAndSuspend",
    }
    assert m.WaitTimeExceptionTrigger(threshold_seconds=10).as_dict() == {"thresholdSeconds": 10, "kind": "waitTime"}


def test_equality_repr_copy_pickle():
    a = m.RouterQueue(name="q", labels={"x": 1})
    b = m.RouterQueue({"name": "q", "labels": {"x": 1}})
    assert a == b
    assert a == {"name": "q", "labels": {"x": 1}}
    assert a != m.RouterQueue(name="other")
    assert "RouterQueue" in repr(a) and "'name': 'q'" in repr(a)
    assert copy.deepcopy(a) == a and copy.deepcopy(a) is not a
    assert pickle.loads(pickle.dumps(a)) == a


def test_as_dict_can_drop_read_only_fields():
    job = m.RouterJob({"id": "j", "etag": "e", "status": "queued", "channelId": "voice"})
    assert job.as_dict(exclude_readonly=True) == {"channelId": "voice"}


def test_unknown_keyword_is_a_clear_type_error():
    with pytest.raises(TypeError, match="RouterJob has no field 'chanel_id'"):
        m.RouterJob(chanel_id="voice")
    with pytest.raises(TypeError, match="one JSON mapping"):
        m.RouterJob("voice")  # type: ignore[call-arg]


def test_datetimes():
    assert parse_datetime("2023-11-03T21:26:56.3126393+00:00").microsecond == 312639
    assert parse_datetime("2023-11-03T21:26:56.5Z").microsecond == 500000
    assert parse_datetime("2023-11-03T21:26:56").tzinfo == timezone.utc
    assert parse_datetime("2023-11-03T23:26:56+02:00") == datetime(2023, 11, 3, 21, 26, 56, tzinfo=timezone.utc)
    with pytest.raises(ValueError, match="not an ISO 8601"):
        parse_datetime("yesterday")
    tz = timezone(timedelta(hours=2))
    assert serialize(datetime(2024, 1, 1, 2, 0, tzinfo=tz)) == "2024-01-01T00:00:00Z"


def test_enums_are_strings_and_case_insensitive_by_name():
    assert m.RouterWorkerState.ACTIVE == "active"
    assert m.RouterJobStatus["queued"] is m.RouterJobStatus.QUEUED
    assert serialize({"s": m.RouterJobStatus.QUEUED}) == {"s": "queued"}


def _recorded_bodies():
    found = []
    for path in sorted(RECORDINGS.glob("*.json")):
        for index, entry in enumerate(json.loads(path.read_text())["Entries"]):
            body = entry.get("ResponseBody")
            if isinstance(body, dict) and body:
                found.append(pytest.param(entry["RequestUri"], body, id=f"{path.stem[-40:]}-{index}"))
    return found


_MODEL_BY_COLLECTION = {
    "distributionPolicies": m.DistributionPolicy,
    "queues": m.RouterQueue,
    "classificationPolicies": m.ClassificationPolicy,
    "exceptionPolicies": m.ExceptionPolicy,
    "workers": m.RouterWorker,
    "jobs": m.RouterJob,
}


@pytest.mark.parametrize(("uri", "body"), _recorded_bodies())
def test_every_recorded_response_round_trips(uri, body):
    """Source: tests/data/service-recordings (the live service, api-version 2023-11-01)."""
    path = uri.split("?", 1)[0].split("/routing/", 1)[1]
    collection = path.split("/", 1)[0]
    model_type = _MODEL_BY_COLLECTION.get(collection)
    if ":" in path or path.endswith(("/position", "/statistics")) or model_type is None:
        pytest.skip("action result")
    items = body["value"] if "value" in body else [body]
    for item in items:
        model = deserialize(model_type, json.loads(json.dumps(item)))
        for name in type(model)._fields:
            getattr(model, name)  # every field reads without error
        assert model.as_dict() == item


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: m.RouterWorker(capacity="ten"), "RouterWorker.capacity takes int, not str"),
        (lambda: m.RouterWorker(capacity=True), "RouterWorker.capacity takes int, not bool"),
        (lambda: m.RouterWorker(available_for_offers="yes"), "available_for_offers takes bool"),
        (lambda: m.RouterWorker(queues="q1"), "RouterWorker.queues takes a list"),
        (lambda: m.RouterWorker(labels=["a"]), "RouterWorker.labels takes a dict"),
        (lambda: m.DistributionPolicy(mode="longestIdle"), "DistributionPolicy.mode takes a DistributionMode"),
        (lambda: m.RouterJob(priority=1.5), "RouterJob.priority takes int, not float"),
    ],
)
def test_certainly_wrong_types_are_refused_naming_the_field(build, message):
    with pytest.raises(TypeError, match=message):
        build()


def test_values_json_would_accept_are_kept():
    assert m.RouterWorker(capacity=3.0).as_dict() == {"capacity": 3.0}
    assert m.DistributionPolicy(offer_expires_after_seconds=30).offer_expires_after_seconds == 30
    assert m.RouterJob(channel_id="voice", labels={"x": 1}).as_dict() == {"channelId": "voice", "labels": {"x": 1}}


def test_as_dict_is_a_copy():
    worker = m.RouterWorker(labels={"a": 1}, channels=[m.RouterChannel(channel_id="voice", capacity_cost_per_job=1)])
    exported = worker.as_dict()
    exported["labels"]["a"] = 2
    exported["channels"][0]["channelId"] = "chat"
    assert worker.labels == {"a": 1} and worker.channels[0].channel_id == "voice"


def test_check_document_names_the_path_and_accepts_whole_floats():
    from azure.communication.jobrouter._model_core import check_document  # private: the emulator's document check
    from azure.communication.jobrouter.models import RouterWorker

    check_document(RouterWorker, {"capacity": 3.0, "channels": [{"channelId": "voice", "capacityCostPerJob": 1}]})
    with pytest.raises(TypeError, match=r"^channels\[0\]\.capacityCostPerJob: expected int, got 1.5$"):
        check_document(RouterWorker, {"channels": [{"channelId": "voice", "capacityCostPerJob": 1.5}]})
    with pytest.raises(ValueError, match=r"^channels\[0\]\.channelId: is required and missing$"):
        check_document(RouterWorker, {"channels": [{"capacityCostPerJob": 1}]})
    check_document(RouterWorker, {"channels": [{"capacityCostPerJob": 1}]}, required=False)


def test_a_model_built_from_a_mapping_owns_a_copy_of_it_all_the_way_down():
    # As 1.0.0: RouterJob(document) leaves the caller's document as it was, whatever is changed through the model.
    document = {"id": "j", "labels": {"a": 1}, "notes": [{"message": "hi"}], "priority": 1}
    job = m.RouterJob(document)
    job.priority = 5
    job.labels["b"] = 2
    job.notes[0].message = "changed"
    job["extra"] = [1]
    assert document == {"id": "j", "labels": {"a": 1}, "notes": [{"message": "hi"}], "priority": 1}
    assert job.as_dict() == {
        "id": "j", "labels": {"a": 1, "b": 2}, "notes": [{"message": "changed"}], "priority": 5, "extra": [1],
    }


def test_plain_fields_are_read_from_the_document_and_assigned_values_come_back_as_given():
    job = deserialize(m.RouterJob, {"id": "j", "status": "queued", "labels": {"x": 1}})
    assert job.status == "queued" and job.labels is job["labels"]  # no copy, no conversion
    job.status = m.RouterJobStatus.ASSIGNED
    assert job.status is m.RouterJobStatus.ASSIGNED and job["status"] == "assigned"
    job["status"] = "completed"
    assert job.status == "completed"


def test_a_kind_unknown_at_first_read_is_read_as_the_subclass_defined_later():
    from azure.communication.jobrouter._model_core import _REGISTRY, kind_key

    assert type(deserialize(m.DistributionMode, {"kind": "brandNewMode"})) is m.DistributionMode

    class BrandNewMode(m.DistributionMode):
        _discriminator_value = "brandNewMode"

    try:
        assert type(deserialize(m.DistributionMode, {"kind": "brandNewMode"})) is BrandNewMode
        assert type(deserialize(m.DistributionMode, {"kind": "brand-new-mode"})) is BrandNewMode
    finally:
        m.DistributionMode._subtypes.pop(kind_key("brandNewMode"), None)
        _REGISTRY.pop("BrandNewMode", None)
