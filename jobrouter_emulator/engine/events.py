"""Router events in the Event Grid schema, with the data shapes of the Event Grid catalog (seed 003)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Dict, Optional

from .times import format_time

TOPIC = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/emulator/providers/Microsoft.Communication/communicationServices/jobrouter-emulator"  # noqa: E501


def make_event(event_name: str, subject: str, data: Dict[str, Any], at: datetime) -> Dict[str, Any]:
    """An Event Grid event ``Microsoft.Communication.<event_name>`` raised at ``at``."""
    return {
        "id": str(uuid.uuid4()),
        "topic": TOPIC,
        "subject": subject,
        "data": data,
        "eventType": f"Microsoft.Communication.{event_name}",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": format_time(at),
    }


def job_subject(job: Dict[str, Any], suffix: str = "") -> str:
    """``job/{id}/channel/{channel}`` and what the event adds (``/queue/{id}``, ``/assignment/{id}``, ...)."""
    return f"job/{job['id']}/channel/{job.get('channelId')}{suffix}"


def job_base(job: Dict[str, Any]) -> Dict[str, Any]:
    """The fields every job event carries."""
    return {
        "jobId": job["id"],
        "channelReference": job.get("channelReference"),
        "channelId": job.get("channelId"),
        "queueId": job.get("queueId"),
        "labels": job.get("labels") or {},
        "tags": job.get("tags") or {},
    }


def event_selector(selector: Dict[str, Any]) -> Dict[str, Any]:
    """A worker selector as events spell it (ttlSeconds, state, expirationTime) rather than as the REST API does."""
    shaped = {
        "key": selector.get("key"),
        "labelOperator": selector.get("labelOperator"),
        "value": selector.get("value"),
    }
    if selector.get("expiresAfterSeconds") is not None:
        shaped["ttlSeconds"] = selector["expiresAfterSeconds"]
    if selector.get("status") is not None:
        shaped["state"] = selector["status"]
    if selector.get("expiresAt") is not None:
        shaped["expirationTime"] = selector["expiresAt"]
    return shaped


def job_event(name: str, job: Dict[str, Any], at: datetime, suffix: str = "", **fields: Any) -> Dict[str, Any]:
    """A job event: the job's common properties and ``fields`` (worker selectors spelled as events spell them)."""
    for key, value in fields.items():
        if "WorkerSelectors" in key and isinstance(value, list):
            fields[key] = [event_selector(s) for s in value]
    return make_event(name, job_subject(job, suffix), {**job_base(job), **fields}, at)


def offer_event(
    name: str, worker_id: str, job: Dict[str, Any], offer_id: str, at: datetime, **fields: Any
) -> Dict[str, Any]:
    """An offer event of the worker for the job, with ``fields``."""
    data = {
        "workerId": worker_id,
        "jobId": job["id"],
        "channelReference": job.get("channelReference"),
        "channelId": job.get("channelId"),
        "queueId": job.get("queueId"),
        "offerId": offer_id,
        **fields,
    }
    return make_event(name, f"worker/{worker_id}/job/{job['id']}", data, at)


def worker_event(
    name: str, worker: Dict[str, Any], at: datetime, queues: Optional[Dict[str, Any]] = None, brief: bool = False
) -> Dict[str, Any]:
    """A worker event: its id only (``brief``), or its capacity, queues (named from ``queues``), labels, channels."""
    if brief:
        data: Dict[str, Any] = {"workerId": worker["id"]}
    else:
        data = {
            "workerId": worker["id"],
            "totalCapacity": worker.get("capacity", 0),
            "queueAssignments": [
                {
                    "id": q,
                    "name": (queues or {}).get(q, {}).get("name"),
                    "labels": (queues or {}).get(q, {}).get("labels"),
                }
                for q in worker.get("queues") or []
            ],
            "labels": worker.get("labels") or {},
            "channelConfigurations": worker.get("channels") or [],
            "tags": worker.get("tags") or {},
        }
    return make_event(name, f"worker/{worker['id']}", data, at)
