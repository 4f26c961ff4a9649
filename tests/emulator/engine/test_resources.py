"""The resource declarations: one per REST collection, each holding what the emulator knows about its resource;
the HTTP routes and list filters derive from them."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from jobrouter_emulator.api import create_app
from jobrouter_emulator.engine.errors import BadRequest
from jobrouter_emulator.engine.resources import RESOURCES


def test_one_declaration_per_collection_with_read_only_fields_from_the_spec():
    assert list(RESOURCES) == [
        "distributionPolicies",
        "queues",
        "classificationPolicies",
        "exceptionPolicies",
        "workers",
        "jobs",
    ]
    assert RESOURCES["workers"].read_only == {"id", "etag", "state", "offers", "assignedJobs", "loadRatio"}
    assert RESOURCES["jobs"].read_only == {
        "id",
        "etag",
        "status",
        "enqueuedAt",
        "attachedWorkerSelectors",
        "assignments",
        "scheduledAt",
    }
    assert RESOURCES["queues"].read_only == {"id", "etag"}


def _exists(collection: str, key: object) -> bool:
    return (collection, key) in {("distributionPolicies", "dp"), ("exceptionPolicies", "ep")}


@pytest.mark.parametrize(
    ("patch", "target"),
    [
        ({}, "distributionPolicyId"),
        ({"distributionPolicyId": "missing"}, "distributionPolicyId"),
        ({"distributionPolicyId": "dp", "exceptionPolicyId": "missing"}, "exceptionPolicyId"),
        ({"distributionPolicyId": "dp", "labels": []}, "labels"),
    ],
)
def test_what_a_patch_of_a_queue_checks(patch, target):
    with pytest.raises(BadRequest) as refused:
        RESOURCES["queues"].prepare("q", None, patch, _exists)
    assert refused.value.target == target


def test_a_queue_gets_its_id_label_and_keeps_its_read_only_fields():
    queues = RESOURCES["queues"]
    body = queues.prepare("q", None, {"distributionPolicyId": "dp", "exceptionPolicyId": "ep", "id": "other"}, _exists)
    assert body == {"id": "q", "distributionPolicyId": "dp", "exceptionPolicyId": "ep", "labels": {"Id": "q"}}
    updated = queues.prepare("q", {**body, "etag": '"1"'}, {"labels": {"tier": 1}, "exceptionPolicyId": None}, _exists)
    assert updated["labels"] == {"tier": 1, "Id": "q"} and "exceptionPolicyId" not in updated


def test_routes_and_list_filters_come_from_the_declarations(make_router):
    client = TestClient(create_app(make_router(clock=None, processing_delay=0.001), require_auth=False))
    for collection in RESOURCES:
        assert client.get(f"/routing/{collection}?api-version=2023-11-01").status_code == 200
    assert client.get("/routing/things?api-version=2023-11-01").status_code == 404
    refused = client.get("/routing/workers?api-version=2023-11-01&hasCapacity=maybe")
    assert refused.status_code == 400 and refused.json()["communicationError"]["target"] == "hasCapacity"
    refused = client.get("/routing/jobs?api-version=2023-11-01&scheduledBefore=soon")
    assert refused.status_code == 400 and refused.json()["communicationError"]["target"] == "scheduledBefore"
