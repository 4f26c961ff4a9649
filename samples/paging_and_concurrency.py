"""Paging through lists with results_per_page, and updating safely with an etag.
Usage: python samples/paging_and_concurrency.py
"""

from __future__ import annotations

import sys
import uuid

from _connection import router_connection
from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError

from azure.communication.jobrouter import JobRouterAdministrationClient
from azure.communication.jobrouter.models import RoundRobinMode


def main() -> int:
    tag = uuid.uuid4().hex[:6]
    with router_connection() as connection_string:
        admin = JobRouterAdministrationClient.from_connection_string(connection_string)
        ids = [f"page-dp-{tag}-{index}" for index in range(5)]
        for policy_id in ids:
            admin.upsert_distribution_policy(policy_id, offer_expires_after_seconds=30, mode=RoundRobinMode())
        for number, page in enumerate(admin.list_distribution_policies(results_per_page=2).by_page(), start=1):
            print(f"Page {number}: {[p.id for p in page]}")
        policy = admin.get_distribution_policy(ids[0])
        admin.upsert_distribution_policy(policy.id, name="changed by someone else")
        try:
            admin.upsert_distribution_policy(
                policy.id, name="my change", etag=policy.etag, match_condition=MatchConditions.IfNotModified
            )
        except ResourceModifiedError as error:
            print(f"Conditional update refused as expected: {error.status_code} {error.error_code}")
        for policy_id in ids:
            admin.delete_distribution_policy(policy_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
