"""Service behaviours the emulator reproduces, through the SDK against the emulator: reclassification when a job's
labels or policy change, expedited jobs at the front of their queue, merge-patch replacing an object whose kind
changes, the service's best-worker defaults, and loadRatio counting open offers.

Where the service's behaviour is known from its recordings (tests/data/service-recordings), the test says which.
"""

from __future__ import annotations

import pytest

from azure.communication.jobrouter.models import (
    BestWorkerMode,
    ClassificationPolicy,
    ConditionalQueueSelectorAttachment,
    DistributionPolicy,
    ExpressionRouterRule,
    FunctionRouterRule,
    JobMatchingMode,
    LongestIdleMode,
    RouterChannel,
    RouterJob,
    RouterQueueSelector,
    RouterWorker,
    RouterWorkerSelector,
    ScheduleAndSuspendMode,
    StaticRouterRule,
)

from ._polling import wait_for


@pytest.fixture
def clients(prefixed_clients):
    return prefixed_clients


def _queue(admin, prefix: str, name: str, **labels) -> str:
    admin.upsert_queue(f"{prefix}-{name}", distribution_policy_id=f"{prefix}-dp", labels=labels)
    return f"{prefix}-{name}"


def _by_language_policy(admin, prefix: str, policy_id: str, priority_expression: str) -> None:
    """Jobs labelled ``language`` go to this test's queue for the language (the emulator is shared by the tests of
    the session: queues are told apart by a ``route`` label); priority from an expression."""
    admin.upsert_classification_policy(
        policy_id,
        ClassificationPolicy(
            queue_selector_attachments=[
                ConditionalQueueSelectorAttachment(
                    condition=ExpressionRouterRule(expression=f'job.language = "{language}"'),
                    queue_selectors=[
                        RouterQueueSelector(key="route", label_operator="equal", value=f"{prefix}-{language}")
                    ],
                )
                for language in ("en", "fr")
            ],
            prioritization_rule=ExpressionRouterRule(expression=priority_expression),
        ),
    )


def test_updating_the_labels_of_a_classified_job_classifies_it_again(clients):
    admin, client, prefix = clients
    english, french = (
        _queue(admin, prefix, "en", route=f"{prefix}-en"),
        _queue(admin, prefix, "fr", route=f"{prefix}-fr"),
    )
    _by_language_policy(admin, prefix, f"{prefix}-cp", "If(job.vip = true, 10, 1)")
    client.upsert_job(
        f"{prefix}-j", channel_id="voice", classification_policy_id=f"{prefix}-cp", labels={"language": "en"}
    )
    job = wait_for(lambda: (j := client.get_job(f"{prefix}-j")).status == "queued" and j)
    assert (job.queue_id, job.priority) == (english, 1)

    job.labels["language"] = "fr"  # the whole document goes back, its queue included, as SDK users send it
    job.labels["vip"] = True
    updated = client.upsert_job(job.id, job)
    assert updated.status == "pendingClassification"  # in the upsert's response, as for a new job
    requeued = wait_for(lambda: (j := client.get_job(job.id)).status == "queued" and j)
    assert (requeued.queue_id, requeued.priority) == (french, 10)
    assert client.get_queue_position(job.id).queue_id == french


def test_changing_the_classification_policy_of_a_job_classifies_it_again(clients):
    admin, client, prefix = clients
    _queue(admin, prefix, "en", route=f"{prefix}-en")
    _by_language_policy(admin, prefix, f"{prefix}-low", "1")
    _by_language_policy(admin, prefix, f"{prefix}-high", "7")
    client.upsert_job(
        f"{prefix}-j", channel_id="voice", classification_policy_id=f"{prefix}-low", labels={"language": "en"}
    )
    wait_for(lambda: client.get_job(f"{prefix}-j").status == "queued")
    updated = client.upsert_job(f"{prefix}-j", classification_policy_id=f"{prefix}-high")
    assert updated.status == "pendingClassification"
    assert wait_for(lambda: (j := client.get_job(f"{prefix}-j")).status == "queued" and j).priority == 7


def test_a_job_without_a_classification_policy_keeps_its_status_on_update(clients):
    admin, client, prefix = clients
    queue = _queue(admin, prefix, "q")
    client.upsert_job(f"{prefix}-j", channel_id="voice", queue_id=queue, labels={"language": "en"})
    wait_for(lambda: client.get_job(f"{prefix}-j").status == "queued")
    assert client.upsert_job(f"{prefix}-j", labels={"language": "fr"}).status == "queued"


def test_an_expedited_job_is_first_in_its_queue_for_position_and_statistics(clients):
    admin, client, prefix = clients
    queue = _queue(admin, prefix, "q")
    client.upsert_job(f"{prefix}-urgent", channel_id="voice", queue_id=queue, priority=10)
    client.upsert_job(f"{prefix}-later", channel_id="voice", queue_id=queue, priority=5)
    expedite = RouterWorkerSelector(key="skill", label_operator="greaterThan", value=1, expedite=True)
    client.upsert_job(
        f"{prefix}-rushed", channel_id="voice", queue_id=queue, priority=1, requested_worker_selectors=[expedite]
    )
    wait_for(lambda: client.get_queue_statistics(queue).length == 3)
    positions = {name: client.get_queue_position(f"{prefix}-{name}").position for name in ("urgent", "later", "rushed")}
    assert positions == {"rushed": 1, "urgent": 2, "later": 3}
    statistics = client.get_queue_statistics(queue)
    assert statistics.estimated_wait_time_minutes == {"1": 1.0, "10": 2.0, "5": 3.0}

    # Without the expedite flag the job goes back to its place by priority.
    client.upsert_job(
        f"{prefix}-rushed",
        requested_worker_selectors=[RouterWorkerSelector(key="skill", label_operator="greaterThan", value=1)],
    )
    assert client.get_queue_position(f"{prefix}-rushed").position == 3
    assert client.get_queue_statistics(queue).estimated_wait_time_minutes == {"10": 1.0, "5": 2.0, "1": 3.0}


def test_a_mode_whose_kind_changes_is_replaced_not_merged(clients):
    """Recording test_create_distribution_policy: best-worker -> longest-idle drops scoringRuleOptions."""
    admin, _, prefix = clients
    best = admin.upsert_distribution_policy(
        f"{prefix}-p",
        DistributionPolicy(mode=BestWorkerMode(scoring_rule=StaticRouterRule(value=3), max_concurrent_offers=2)),
    )
    assert best.mode.scoring_rule_options is not None and best.mode.max_concurrent_offers == 2
    idle = admin.upsert_distribution_policy(f"{prefix}-p", DistributionPolicy(mode=LongestIdleMode()))
    assert idle.mode.as_dict() == {
        "kind": "longestIdle",
        "minConcurrentOffers": 1,
        "maxConcurrentOffers": 1,
        "bypassSelectors": False,
    }
    # The same kind merges: what the patch leaves out stays.
    merged = admin.upsert_distribution_policy(
        f"{prefix}-p", {"mode": {"kind": "longestIdle", "maxConcurrentOffers": 3}}
    )
    assert (merged.mode.max_concurrent_offers, merged.mode.bypass_selectors) == (3, False)


def test_a_rule_whose_kind_changes_is_replaced_not_merged(clients):
    """Recording test_update_classification_policy: static -> expression drops value; expression -> function drops
    expression and language."""
    admin, _, prefix = clients
    policy_id = f"{prefix}-cp"
    admin.upsert_classification_policy(policy_id, prioritization_rule=StaticRouterRule(value=1))
    expression = admin.upsert_classification_policy(policy_id, prioritization_rule=ExpressionRouterRule(expression="2"))
    assert expression.prioritization_rule.as_dict() == {"kind": "expression", "expression": "2", "language": "powerFx"}
    function = admin.upsert_classification_policy(
        policy_id, prioritization_rule=FunctionRouterRule(function_uri="https://functions.example/score")
    )
    assert function.prioritization_rule.as_dict() == {
        "kind": "function",
        "functionUri": "https://functions.example/score",
    }


def test_a_matching_mode_whose_kind_changes_is_replaced(clients):
    admin, client, prefix = clients
    queue = _queue(admin, prefix, "q")
    scheduled = client.upsert_job(
        f"{prefix}-j",
        channel_id="voice",
        queue_id=queue,
        matching_mode=ScheduleAndSuspendMode(schedule_at="2099-01-01T00:00:00Z"),
    )
    assert scheduled.matching_mode.schedule_at is not None
    activated = client.upsert_job(f"{prefix}-j", matching_mode=JobMatchingMode({"kind": "queueAndMatch"}))
    assert activated.matching_mode.as_dict() == {"kind": "queueAndMatch"}  # no scheduleAt left behind


def test_a_best_worker_mode_gets_the_service_defaults(clients):
    """Recording test_create_distribution_policy: no batchSize unless one is given."""
    admin, _, prefix = clients
    policy = admin.upsert_distribution_policy(f"{prefix}-p", DistributionPolicy(mode=BestWorkerMode()))
    options = policy.mode.scoring_rule_options
    assert options.as_dict() == {
        "scoringParameters": ["jobLabels", "workerSelectors"],
        "isBatchScoringEnabled": False,
        "descendingOrder": True,
    }
    given = admin.upsert_distribution_policy(
        f"{prefix}-p", {"mode": {"kind": "bestWorker", "scoringRuleOptions": {"batchSize": 5}}}
    )
    assert given.mode.scoring_rule_options.batch_size == 5


def test_load_ratio_counts_open_offers(clients):
    """Recording test_assignment_scenario: a worker of capacity 1 with one open offer shows loadRatio 1."""
    admin, client, prefix = clients
    queue = _queue(admin, prefix, "q")
    client.upsert_worker(
        f"{prefix}-w",
        RouterWorker(
            capacity=2,
            queues=[queue],
            channels=[RouterChannel(channel_id="voice", capacity_cost_per_job=1)],
            available_for_offers=True,
        ),
    )
    client.upsert_job(f"{prefix}-j", RouterJob(channel_id="voice", queue_id=queue))
    worker = wait_for(lambda: (w := client.get_worker(f"{prefix}-w")).offers and w)
    assert worker.load_ratio == 0.5 and worker.assigned_jobs == []
    accepted = client.accept_job_offer(worker.id, worker.offers[0].offer_id)
    assert client.get_worker(worker.id).load_ratio == 0.5  # the offer became an assignment of the same cost
    client.complete_job(f"{prefix}-j", accepted.assignment_id)
    client.close_job(f"{prefix}-j", accepted.assignment_id)
    assert client.get_worker(worker.id).load_ratio == 0
