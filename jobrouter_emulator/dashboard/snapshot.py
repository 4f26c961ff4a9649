"""What the dashboard shows, as one JSON document built from :meth:`Router.read_overview`: queues, workers, jobs by
status.

The page renders it as it comes; the figures are the engine's own (a queue's length and longest wait, counts kept
by the engine as documents change, a worker's load the capacity its offers and assignments hold), never computed a
second time in the browser. The router hands over a bounded copy (at most ``MAX_ITEMS`` of each list, plus counts)
taken in time independent of how many jobs it holds; it is shaped here, outside the router's lock, so an open page
costs the API next to nothing however large the state.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..engine.lifecycles.capacity import used_capacity
from ..engine.router import Router
from ..engine.times import parse_time_or_none
from ..sdk import models

JOB_STATUSES = [status.value for status in models.RouterJobStatus]  # the spec's order: received to closed
MAX_ITEMS = 300  # rows of each list (queues, workers, jobs); the counts cover everything


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


def build_snapshot(router: Router) -> Dict[str, Any]:
    """The dashboard's document: the time, the clock's kind, queues, workers and jobs."""
    snapshot = _shape(router.read_overview(MAX_ITEMS))
    snapshot.update(virtualClock=router.clock_is_virtual, resets=router.resets, lastSequence=router.last_event_sequence)
    return snapshot


def _worker_row(worker: Dict[str, Any], can_take_job: bool) -> Dict[str, Any]:
    return {
        "id": worker["id"],
        "state": worker.get("state"),
        "availableForOffers": bool(worker.get("availableForOffers")),
        "canTakeJob": can_take_job,  # free capacity on one of its channels now (the matching index's free workers)
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
        "offers": [
            {"offerId": o.get("offerId"), "jobId": o.get("jobId"), "expiresAt": o.get("expiresAt")}
            for o in worker.get("offers") or []
        ],
        "assignedJobs": [
            {"assignmentId": a.get("assignmentId"), "jobId": a.get("jobId")} for a in worker.get("assignedJobs") or []
        ],
    }


def _shape(view: Dict[str, Any]) -> Dict[str, Any]:
    """The page's document from the router's bounded copy (outside the router's lock)."""
    now = parse_time_or_none(view["now"])
    rows = []
    for job in view["jobs"]:
        row = _job_row(job)
        row["offers"] = [{"workerId": w, "offerId": o} for w, o in view["jobOffers"].get(job["id"], ())]
        rows.append(row)

    queues = []
    for queue in view["queues"]:
        length, oldest = view["queueState"][queue["id"]]
        enqueued = parse_time_or_none(oldest) if length else None
        waited = (now - enqueued).total_seconds() if now is not None and enqueued is not None else 0.0
        queues.append(
            {
                "id": queue["id"],
                "name": queue.get("name"),
                "length": length,
                # The engine's statistics round the longest wait to 4 decimals of a minute, this to a tenth of a second.
                "longestWaitSeconds": round(waited, 1),
                "assigned": view["assignedIn"].get(queue["id"], 0),
                "workers": view["workersIn"].get(queue["id"], 0),
                # Workers that could take one of this queue's jobs now (free capacity on a channel it serves), and
                # workers taking offers that cannot (no room left).
                "availableWorkers": view["freeWorkersIn"].get(queue["id"], 0),
                "fullWorkers": view["availableIn"].get(queue["id"], 0) - view["freeWorkersIn"].get(queue["id"], 0),
                "distribution": _distribution(view["distributionPolicies"].get(queue.get("distributionPolicyId"))),
                "exceptionPolicy": _exception_rules(view["exceptionPolicies"].get(queue.get("exceptionPolicyId"))),
            }
        )

    free = set(view["freeWorkerIds"])
    counts = dict.fromkeys(JOB_STATUSES, 0)
    counts.update(view["jobStatuses"])
    return {
        "now": view["now"],
        "queues": queues,
        "workers": [_worker_row(worker, worker["id"] in free) for worker in view["workers"]],
        # Lists are bounded; these count everything (the page's figures must not stop at the lists' length).
        "workerCounts": {
            "total": view["workersTotal"],
            "availableForOffers": view["workersAvailable"],
            "canTakeJob": view["freeWorkersTotal"],
            "active": view["workersActive"],
            "openOffers": view["openOffers"],
        },
        # Jobs still in play first (newest first among them), then the finished ones: the table shows what matters.
        "jobs": {"counts": counts, "total": view["jobsTotal"], "items": rows},
    }
