"""Scenarios replayed from cassettes: the SDK's requests and its reading of recorded responses."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import (
    ClassificationPolicy,
    DistributionPolicy,
    ExpressionRouterRule,
    LongestIdleMode,
    RouterChannel,
    RouterJob,
    RouterQueue,
    RouterWorker,
)

CASSETTES = Path(__file__).parent / "cassettes"


def _clients(connection_string):
    options = {"retry_total": 0}
    return (
        JobRouterAdministrationClient.from_connection_string(connection_string, **options),
        JobRouterClient.from_connection_string(connection_string, **options),
    )


def _cleanup(admin, client, *, jobs=(), workers=(), queues=(), classification=(), policies=()):
    for job in jobs:
        client.delete_job(job)
    for worker in workers:
        client.delete_worker(worker)
    for policy in classification:
        admin.delete_classification_policy(policy)
    for queue in queues:
        admin.delete_queue(queue)
    for policy in policies:
        admin.delete_distribution_policy(policy)


@pytest.mark.vcr
def test_admin_resources(connection_string):
    admin, client = _clients(connection_string)
    policy = admin.upsert_distribution_policy(
        "rec-dp",
        DistributionPolicy(
            name="recorded", offer_expires_after_seconds=30, mode=LongestIdleMode(max_concurrent_offers=2)
        ),
    )
    assert policy.mode.max_concurrent_offers == 2 and policy.mode.bypass_selectors is False
    queue = admin.upsert_queue("rec-q", RouterQueue(distribution_policy_id="rec-dp", labels={"tier": "gold"}))
    assert queue.labels == {"tier": "gold", "Id": "rec-q"}
    cp = admin.upsert_classification_policy(
        "rec-cp",
        ClassificationPolicy(
            fallback_queue_id="rec-q", prioritization_rule=ExpressionRouterRule(expression="If(job.VIP = true, 10, 1)")
        ),
    )
    assert cp.prioritization_rule.expression == "If(job.VIP = true, 10, 1)"
    assert [p.id for p in admin.list_classification_policies()] == ["rec-cp"]
    _cleanup(admin, client, queues=["rec-q"], classification=["rec-cp"], policies=["rec-dp"])


@pytest.mark.vcr
def test_job_lifecycle(connection_string, poll_interval):
    admin, client = _clients(connection_string)
    admin.upsert_distribution_policy("rec-life-dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
    admin.upsert_queue("rec-life-q", distribution_policy_id="rec-life-dp")
    client.upsert_worker(
        "rec-life-w",
        RouterWorker(
            capacity=1,
            queues=["rec-life-q"],
            available_for_offers=True,
            channels=[RouterChannel(channel_id="voice", capacity_cost_per_job=1)],
        ),
    )
    job = client.upsert_job("rec-life-j", RouterJob(channel_id="voice", queue_id="rec-life-q", labels={"case": 1}))
    assert job.status == "created"
    offers = []
    for _ in range(100):
        offers = client.get_worker("rec-life-w").offers
        if offers:
            break
        time.sleep(poll_interval)
    accepted = client.accept_job_offer("rec-life-w", offers[0].offer_id)
    assert accepted.job_id == "rec-life-j"
    client.complete_job("rec-life-j", accepted.assignment_id, note="done")
    client.close_job("rec-life-j", accepted.assignment_id, disposition_code="Resolved")
    closed = client.get_job("rec-life-j")
    assert (closed.status, closed.disposition_code) == ("closed", "Resolved")
    client.upsert_worker("rec-life-w", available_for_offers=False)
    _cleanup(
        admin, client, jobs=["rec-life-j"], workers=["rec-life-w"], queues=["rec-life-q"], policies=["rec-life-dp"]
    )


@pytest.mark.vcr
def test_paging(connection_string):
    admin, client = _clients(connection_string)
    for index in range(3):
        admin.upsert_distribution_policy(f"rec-page-{index}", offer_expires_after_seconds=10, mode=LongestIdleMode())
    pages = [[p.id for p in page] for page in admin.list_distribution_policies(results_per_page=2).by_page()]
    assert pages == [["rec-page-2", "rec-page-1"], ["rec-page-0"]]
    _cleanup(admin, client, policies=[f"rec-page-{index}" for index in range(3)])


def test_cassette_bodies_are_valid_json():
    for cassette in sorted(CASSETTES.rglob("*.yaml")):
        import yaml

        for interaction in yaml.safe_load(cassette.read_text())["interactions"]:
            body = interaction["response"]["body"]["string"]
            if body:
                json.loads(body)


def test_every_operation_is_recorded_for_sync_and_async_clients():
    """The cassettes of the per-area modules cover all 33 operations of the spec, once with the sync clients and
    once with the async ones."""
    import re

    import yaml

    spec = json.loads((Path(__file__).resolve().parents[2] / "swagger" / "jobrouter.json").read_text())
    patterns = [
        (method.upper(), re.compile("^" + re.sub(r"\{[^}]+\}", "[^/:]+", path) + "$"), operation["x-python-name"])
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    ]
    for mode in ("sync", "async"):
        seen = set()
        for cassette in CASSETTES.glob(f"test_recorded_*/*[[]{mode}[]].yaml"):
            for interaction in yaml.safe_load(cassette.read_text())["interactions"]:
                request = interaction["request"]
                path = request["uri"].split("azure.com", 1)[1].split("?", 1)[0]
                seen |= {name for method, regex, name in patterns if method == request["method"] and regex.match(path)}
        assert seen == {name for _, _, name in patterns}, (
            f"{mode}: not recorded: {sorted({n for *_, n in patterns} - seen)}"
        )
