"""JobRouterAdministrationClient, sync and async, replayed from cassettes: every method on every admin resource."""

from __future__ import annotations

import pytest
from azure.core import MatchConditions

from azure.communication.jobrouter.models import (
    ClassificationPolicy,
    DistributionPolicy,
    ExceptionPolicy,
    ExceptionRule,
    LongestIdleMode,
    ManualReclassifyExceptionAction,
    QueueLengthExceptionTrigger,
    RoundRobinMode,
    StaticRouterRule,
)

from ._scenario import ADMIN, RUNNERS, delete_policies_and_queue


def administration(mode: str):
    def scenario(poll_interval: float):
        dp, q, cp, ep = (f"rec-{mode}-{kind}" for kind in ("dp", "q", "cp", "ep"))
        created = yield ADMIN.upsert_distribution_policy(
            dp, DistributionPolicy(name="recorded", offer_expires_after_seconds=30, mode=LongestIdleMode())
        )
        assert created.mode.min_concurrent_offers == 1 and created.mode.bypass_selectors is False
        updated = yield ADMIN.upsert_distribution_policy(
            dp,
            mode=RoundRobinMode(max_concurrent_offers=2),
            etag=created.etag,
            match_condition=MatchConditions.IfNotModified,
        )
        assert updated.mode.kind == "roundRobin" and updated.name == "recorded"
        assert (yield ADMIN.get_distribution_policy(dp)).offer_expires_after_seconds == 30
        assert dp in [p.id for p in (yield ADMIN.list_distribution_policies())]

        queue = yield ADMIN.upsert_queue(q, distribution_policy_id=dp, name="recorded", labels={"tier": "gold"})
        assert queue.labels == {"tier": "gold", "Id": q}
        assert (yield ADMIN.get_queue(q)).distribution_policy_id == dp
        pages = yield ADMIN.list_queues(results_per_page=1).pages
        assert all(len(page) <= 1 for page in pages) and q in [item.id for page in pages for item in page]

        policy = yield ADMIN.upsert_classification_policy(
            cp, ClassificationPolicy(fallback_queue_id=q, prioritization_rule=StaticRouterRule(value=5))
        )
        assert policy.prioritization_rule.value == 5
        assert (yield ADMIN.get_classification_policy(cp)).fallback_queue_id == q
        assert cp in [p.id for p in (yield ADMIN.list_classification_policies(results_per_page=10))]

        exceptions = yield ADMIN.upsert_exception_policy(
            ep,
            ExceptionPolicy(
                exception_rules=[
                    ExceptionRule(
                        id="long-queue",
                        trigger=QueueLengthExceptionTrigger(threshold=10),
                        actions=[ManualReclassifyExceptionAction(id="bump", priority=9)],
                    )
                ]
            ),
        )
        assert exceptions.exception_rules[0].trigger.threshold == 10
        assert (yield ADMIN.get_exception_policy(ep)).exception_rules[0].actions[0].priority == 9
        assert ep in [p.id for p in (yield ADMIN.list_exception_policies())]

        yield ADMIN.delete_exception_policy(ep)
        yield from delete_policies_and_queue(cp, q, dp)

    return scenario


@pytest.mark.block_network
@pytest.mark.vcr
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_administration(mode, connection_string, poll_interval):
    RUNNERS[mode](administration(mode), connection_string, poll_interval)
