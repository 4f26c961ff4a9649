"""What the dashboard shows, as one JSON document built from :meth:`Router.read_overview`: queues, workers, jobs by
status.

The page renders it as it comes; the figures are the engine's own (a queue's length and longest wait are its
statistics, a worker's load the capacity its offers and assignments hold), never computed a second time in the
browser. It is built under the router's lock from the live documents, so every value it keeps is a new object (a
copy of what it reads): reading only the fields the page shows costs less than copying the documents whole.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set

from ..engine.capacity import free_capacity, used_capacity
from ..engine.jobs import TERMINAL_JOB_STATUSES
from ..engine.router import Router
from ..engine.times import format_time
from ..sdk import models

JOB_STATUSES = [status.value for status in models.RouterJobStatus]  # the spec's order: received to closed
MAX_JOBS = 300  # rows of the job table; the counts by status cover every job


def _selectors(job: Dict[str, Any]) -> List[Dict[str, Any]]:
    shown = []
    for origin in ("requested", "attached"):
        for selector in job.get(f"{origin}WorkerSelectors") or []:
            shown.append(
                {
                    "key": selector.get("key"),
                    "operator": selector.get("labelOperator"),
                    "value": selector.get("value"),  # a label value: a number, text or boolean
                    "status": selector.get("status", "active"),
                    "expedite": bool(selector.get("expedite")),
                    "origin": origin,
                }
            )
    return shown


def _current_assignment(job: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    open_ones = [a for a in (job.get("assignments") or {}).values() if not a.get("closedAt")]
    return open_ones[-1] if open_ones else None


def _job_row(job: Dict[str, Any]) -> Dict[str, Any]:
    assignment = _current_assignment(job)
    return {
        "id": job["id"],
        "status": job.get("status"),
        "queueId": job.get("queueId"),
        "priority": job.get("priority"),
        "channelId": job.get("channelId"),
        "enqueuedAt": job.get("enqueuedAt"),
        "scheduledAt": job.get("scheduledAt") or (job.get("matchingMode") or {}).get("scheduleAt"),
        "selectors": _selectors(job),
        "workerId": assignment.get("workerId") if assignment else None,
        "assignmentId": assignment.get("assignmentId") if assignment else None,
        "offers": [],  # filled from the workers' documents, which hold the open offers
    }


def _distribution(policy: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if policy is None:
        return None
    mode = policy.get("mode") or {}
    return {
        "id": policy["id"],
        "name": policy.get("name"),
        "mode": mode.get("kind"),
        "minConcurrentOffers": mode.get("minConcurrentOffers"),
        "maxConcurrentOffers": mode.get("maxConcurrentOffers"),
        "bypassSelectors": bool(mode.get("bypassSelectors")),
        "offerExpiresAfterSeconds": policy.get("offerExpiresAfterSeconds"),
    }


def _exception_rules(policy: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if policy is None:
        return None
    rules = []
    for rule in policy.get("exceptionRules") or []:
        trigger = rule.get("trigger") or {}
        rules.append(
            {
                "id": rule.get("id"),
                "trigger": trigger.get("kind"),
                "threshold": trigger.get("threshold", trigger.get("thresholdSeconds")),
                "actions": [action.get("kind") for action in rule.get("actions") or []],
            }
        )
    return {"id": policy["id"], "name": policy.get("name"), "rules": rules}


def _channels_with_room(worker: Dict[str, Any], channel_of: Dict[str, Any]) -> Set[str]:
    """The channels on which ``worker`` could take one more job now: available for offers, the channel's capacity
    cost fits in what its offers and assignments leave, and its ``maxNumberOfJobs`` is not reached (the distributor's
    own conditions, selectors aside)."""
    if not worker.get("availableForOffers"):
        return set()
    free = free_capacity(worker)
    held = [o.get("jobId") for o in worker.get("offers") or []]
    held += [a.get("jobId") for a in worker.get("assignedJobs") or []]
    room = set()
    for channel in worker.get("channels") or []:
        if int(channel.get("capacityCostPerJob", 0)) > free:
            continue
        most = channel.get("maxNumberOfJobs")
        if most is not None and sum(1 for job in held if channel_of.get(job) == channel.get("channelId")) >= int(most):
            continue
        room.add(str(channel.get("channelId")))
    return room


def build_snapshot(router: Router) -> Dict[str, Any]:
    """The dashboard's document: the time, the clock's kind, queues, workers and jobs."""
    snapshot = router.read_overview(_shape)
    snapshot.update(virtualClock=router.clock_is_virtual, resets=router.resets, lastSequence=router.last_event_sequence)
    return snapshot


def _shape(view: Dict[str, Any]) -> Dict[str, Any]:
    documents = view["documents"]
    by_id = {collection: {d["id"]: d for d in items} for collection, items in documents.items()}
    jobs = documents["jobs"]
    rows = {job["id"]: _job_row(job) for job in jobs}
    channel_of = {job["id"]: job.get("channelId") for job in jobs}

    workers = []
    room: Dict[str, Set[str]] = {}  # worker id -> channels with room for one more job now
    for worker in documents["workers"]:
        room[worker["id"]] = _channels_with_room(worker, channel_of)
        offers = [
            {"offerId": o.get("offerId"), "jobId": o.get("jobId"), "expiresAt": o.get("expiresAt")}
            for o in worker.get("offers") or []
        ]
        for offer in offers:
            if offer["jobId"] in rows:
                rows[offer["jobId"]]["offers"].append({"workerId": worker["id"], "offerId": offer["offerId"]})
        workers.append(
            {
                "id": worker["id"],
                "state": worker.get("state"),
                "availableForOffers": bool(worker.get("availableForOffers")),
                "canTakeJob": bool(room[worker["id"]]),  # on some channel, now
                "capacity": worker.get("capacity", 0),
                "usedCapacity": used_capacity(worker),
                "loadRatio": worker.get("loadRatio", 0),
                "channels": [
                    {
                        "channelId": c.get("channelId"),
                        "capacityCostPerJob": c.get("capacityCostPerJob"),
                        "maxNumberOfJobs": c.get("maxNumberOfJobs"),
                    }
                    for c in worker.get("channels") or []
                ],
                "queues": list(worker.get("queues") or []),
                "labels": dict(worker.get("labels") or {}),  # label values are numbers, texts or booleans
                "offers": offers,
                "assignedJobs": [
                    {"assignmentId": a.get("assignmentId"), "jobId": a.get("jobId")}
                    for a in worker.get("assignedJobs") or []
                ],
            }
        )

    assigned_in: Dict[str, int] = {}
    for row in rows.values():
        if row["status"] == "assigned":
            assigned_in[row["queueId"]] = assigned_in.get(row["queueId"], 0) + 1
    listening: Dict[str, List[Dict[str, Any]]] = {}
    for worker in workers:
        for queue_id in worker["queues"]:
            listening.setdefault(queue_id, []).append(worker)
    # The channels a queue serves: those of the jobs waiting in it; with none waiting, any channel counts.
    waiting_channels: Dict[str, Set[str]] = {}
    for row in rows.values():
        if row["status"] == "queued" and row["queueId"]:
            waiting_channels.setdefault(row["queueId"], set()).add(str(row["channelId"]))
    queues = []
    for queue in documents["queues"]:
        statistics = view["statistics"].get(queue["id"], {})
        workers_here = listening.get(queue["id"], [])
        served = waiting_channels.get(queue["id"])
        available = [w for w in workers_here if room[w["id"]] and (served is None or room[w["id"]] & served)]
        queues.append(
            {
                "id": queue["id"],
                "name": queue.get("name"),
                "length": statistics.get("length", 0),
                "longestWaitSeconds": round(float(statistics.get("longestJobWaitTimeMinutes", 0.0)) * 60, 1),
                "assigned": assigned_in.get(queue["id"], 0),
                "workers": len(workers_here),
                # Workers that could take one of this queue's jobs now (free capacity on a channel it serves), and
                # workers taking offers that cannot (full, or room only on channels the waiting jobs do not use).
                "availableWorkers": len(available),
                "fullWorkers": sum(1 for w in workers_here if w["availableForOffers"]) - len(available),
                "distribution": _distribution(by_id["distributionPolicies"].get(queue.get("distributionPolicyId"))),
                "exceptionPolicy": _exception_rules(by_id["exceptionPolicies"].get(queue.get("exceptionPolicyId"))),
            }
        )

    counts = dict.fromkeys(JOB_STATUSES, 0)
    for job in jobs:
        counts[str(job.get("status"))] = counts.get(str(job.get("status")), 0) + 1
    # Jobs still in play first (newest first among them), then the finished ones: the table shows what matters now.
    ordered = sorted(rows.values(), key=lambda r: r["status"] in TERMINAL_JOB_STATUSES)
    return {
        "now": format_time(view["now"]),
        "queues": queues,
        "workers": workers,
        "jobs": {"counts": counts, "total": len(jobs), "items": ordered[:MAX_JOBS]},
    }
