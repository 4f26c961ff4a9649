"""Ids with ``:`` (sent raw by aiohttp, encoded by requests) in every route: a ``:suffix`` is an action only where
the route names that action."""

from __future__ import annotations

import pytest

from .test_http_api import Api


@pytest.fixture
def api(make_router):
    api = Api(make_router(clock=None))
    api.call(
        "PATCH", "/routing/distributionPolicies/dp:1", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}}
    )
    api.call("PATCH", "/routing/queues/q:1", {"distributionPolicyId": "dp:1"})
    return api


def test_a_colon_in_an_id_is_part_of_the_id(api):
    created = api.call("PATCH", "/routing/jobs/a:b", {"channelId": "voice", "queueId": "q:1"})
    assert created.status_code == 201 and created.json()["id"] == "a:b"
    assert api.call("GET", "/routing/jobs/a%3Ab").json()["id"] == "a:b"  # the same job, however it is spelled
    api.settle()
    assert api.call("GET", "/routing/jobs/a:b/position").json()["jobId"] == "a:b"
    assert api.call("GET", "/routing/queues/q:1/statistics").json()["queueId"] == "q:1"
    # A known action after the last colon acts on the id before it ...
    assert api.call("POST", "/routing/jobs/a:b:cancel", {"note": "n"}).status_code == 200
    assert api.call("GET", "/routing/jobs/a:b").json()["status"] == "cancelled"
    # ... anywhere else the suffix is part of the id.
    missing = api.call("GET", "/routing/jobs/a:cancel")
    assert missing.status_code == 404 and missing.json()["communicationError"]["target"] == "/routing/jobs/a:cancel"
    assert api.call("PATCH", "/routing/jobs/x%3Acancel", {"channelId": "voice", "queueId": "q:1"}).json()["id"] == (
        "x:cancel"
    )
    assert api.call("POST", "/routing/jobs/x%3Acancel:cancel").status_code == 200
    assert api.call("POST", "/routing/jobs/a:b:explode").status_code == 405  # not an action of this route
    assert api.call("DELETE", "/routing/jobs/a:b").status_code == 204


def test_offer_and_assignment_actions_with_colons_in_both_ids(api):
    worker = {
        "capacity": 1,
        "queues": ["q:1"],
        "availableForOffers": True,
        "channels": [{"channelId": "voice", "capacityCostPerJob": 1}],
    }
    api.call("PATCH", "/routing/workers/w:1", worker)
    api.call("PATCH", "/routing/jobs/j:1", {"channelId": "voice", "queueId": "q:1"})
    api.settle()
    offer_id = api.call("GET", "/routing/workers/w:1").json()["offers"][0]["offerId"]
    accepted = api.call("POST", f"/routing/workers/w:1/offers/{offer_id}:accept")
    assert accepted.status_code == 200 and accepted.json()["workerId"] == "w:1"
    assignment = accepted.json()["assignmentId"]
    assert api.call("POST", f"/routing/jobs/j:1/assignments/{assignment}:complete").status_code == 200
    assert api.call("POST", f"/routing/jobs/j:1/assignments/{assignment}:close").status_code == 200
    assert api.call("GET", "/routing/jobs/j:1").json()["status"] == "closed"
