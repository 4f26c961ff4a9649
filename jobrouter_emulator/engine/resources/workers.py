"""Workers: who takes jobs, with their capacity, channels, labels and queues.

``state``, ``offers``, ``assignedJobs`` and ``loadRatio`` are the service's (read-only): a client's values are
ignored; they come from :mod:`jobrouter_emulator.engine.lifecycles.capacity`.
"""

from __future__ import annotations

from typing import Any, Dict

from ...sdk import kind_key, models
from ..documents import require_number, require_object
from ..errors import BadRequest
from ..lifecycles.capacity import free_capacity
from .base import Lifecycles, ListFilter, Reference, ResourceKind, boolean_filter, text_filter


def validate(body: Dict[str, Any]) -> None:
    """Whole, non-negative capacity and costs; every channel has an id; queues is a list of ids."""
    if "capacity" in body:
        require_number(body["capacity"], "capacity", integer=True)
    for i, channel in enumerate(body.get("channels") or []):
        path = f"channels[{i}]"
        channel = require_object(channel, path)
        if not isinstance(channel.get("channelId"), str) or not channel["channelId"]:
            raise BadRequest(f"{path}.channelId is required.", target=f"{path}.channelId")
        require_number(channel.get("capacityCostPerJob"), f"{path}.capacityCostPerJob", integer=True)
        if channel.get("maxNumberOfJobs") is not None:
            require_number(channel["maxNumberOfJobs"], f"{path}.maxNumberOfJobs", minimum=1, integer=True)
    if not isinstance(body.get("queues", []), list) or not all(isinstance(q, str) for q in body.get("queues", [])):
        raise BadRequest("queues must be a list of queue ids.", target="queues")


def defaults(key: str, body: Dict[str, Any]) -> None:
    """What the service answers for a new worker: label ``Id``, empty lists, inactive until available."""
    body.setdefault("queues", [])
    body.setdefault("capacity", 0)
    body["labels"] = {**(body.get("labels") or {}), "Id": key}
    body.setdefault("tags", {})
    body.setdefault("channels", [])
    body.setdefault("offers", [])
    body.setdefault("assignedJobs", [])
    body.setdefault("loadRatio", 0)
    body.setdefault("availableForOffers", False)
    body.setdefault("state", "inactive")


def after_upsert(engine: Lifecycles, key: str, before: Dict[str, Any], patch: Dict[str, Any], created: bool) -> None:
    """(De)registration, capacity and index: see :meth:`~..lifecycles.workers.WorkerLifecycle.upserted`."""
    engine.workers.upserted(key, before)


WORKERS = ResourceKind(
    collection="workers",
    model=models.RouterWorker,
    validate=validate,
    defaults=defaults,
    references=(Reference("queues", "queues", many=True),),
    list_filters=(
        ListFilter("state", text_filter, lambda body, v: v == "all" or kind_key(body.get("state")) == kind_key(v)),
        ListFilter(
            "channelId", text_filter, lambda body, v: any(c.get("channelId") == v for c in body.get("channels") or [])
        ),
        ListFilter("queueId", text_filter, lambda body, v: v in (body.get("queues") or [])),
        ListFilter("hasCapacity", boolean_filter, lambda body, v: (free_capacity(body) > 0) == v),
    ),
    after_upsert=after_upsert,
    before_delete=lambda engine, key: engine.workers.deleting(key),
    after_delete=lambda engine, key: engine.workers.deleted(key),
)
