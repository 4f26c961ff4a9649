"""A worker that takes voice jobs, available for offers: what most routing scenarios of the tests start with."""

from __future__ import annotations

from typing import Any, Sequence

from azure.communication.jobrouter import JobRouterClient
from azure.communication.jobrouter.models import RouterChannel, RouterWorker


def voice_worker(
    client: JobRouterClient, worker_id: str, *, queues: Sequence[str], capacity: int = 1, **fields: Any
) -> RouterWorker:
    """Register ``worker_id`` on ``queues``: one voice job costs 1 of its ``capacity``."""
    return client.upsert_worker(
        worker_id,
        capacity=capacity,
        queues=list(queues),
        available_for_offers=True,
        channels=[RouterChannel(channel_id="voice", capacity_cost_per_job=1)],
        **fields,
    )
