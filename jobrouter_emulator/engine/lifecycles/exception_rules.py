"""Exception policies: when a queued job's exception rules fire.

A queue's exception policy holds rules of a trigger and actions. ``queueLength`` is evaluated when a job is
enqueued (the queue now holds more jobs than ``threshold``); ``waitTime`` by a timer ``thresholdSeconds`` after the
job was enqueued. Each rule fires at most once per job. Firing raises ``RouterJobExceptionTriggered``; the actions
(cancel, reclassify, manual reclassify) are job transitions, run by :class:`~.jobs.JobLifecycle`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List, Optional

from ...sdk import kind_key
from ..context import EngineContext
from ..events import job_event
from ..job_status import JobStatus
from ..timers import TimerKind
from ..times import parse_time_or_none


class ExceptionRules:
    def __init__(self, context: EngineContext) -> None:
        self._state = context.state
        self._index = context.index
        self._timers = context.timers
        self._clock = context.clock

    def rules_of_queue(self, queue_id: Optional[str]) -> List[Dict[str, Any]]:
        """The exception rules of the queue's exception policy (none without one)."""
        queue = self._state.get("queues", queue_id or "")
        policy_id = queue.body.get("exceptionPolicyId") if queue else None
        policy = self._state.get("exceptionPolicies", policy_id or "")
        return list(policy.body.get("exceptionRules") or []) if policy else []

    def on_enqueued(self, job_id: str) -> List[Dict[str, Any]]:
        """The job was just enqueued: the ``queueLength`` rules that fire now (in policy order); ``waitTime`` rules
        are set to be checked when their time comes."""
        record = self._state.get("jobs", job_id)
        if record is None:
            return []
        queue_id = record.body.get("queueId")
        fired = record.internal.get("firedRules", [])
        due: List[Dict[str, Any]] = []
        for rule in self.rules_of_queue(queue_id):
            if rule["id"] in fired:
                continue
            trigger = rule.get("trigger") or {}
            kind = kind_key(trigger.get("kind"))
            if kind == "queuelength":
                if self._index.queue_length(queue_id or "") > int(trigger.get("threshold", 0)):
                    due.append(rule)
            elif kind == "waittime":
                at = self._clock.now() + timedelta(seconds=float(trigger.get("thresholdSeconds", 0)))
                enqueued_at = record.body.get("enqueuedAt", "")
                self._timers.schedule(at, TimerKind.WAIT_TIME_EXCEPTION, job_id, rule["id"], enqueued_at)
        return due

    def restore_wait_times(self, job_id: str) -> None:
        """After a restart: set the ``waitTime`` checks of a queued job again, counted from when it was enqueued."""
        record = self._state.get("jobs", job_id)
        enqueued_at = record.body.get("enqueuedAt", "") if record else ""
        enqueued = parse_time_or_none(enqueued_at)
        if record is None or enqueued is None:
            return
        for rule in self.rules_of_queue(record.body.get("queueId")):
            trigger = rule.get("trigger") or {}
            if kind_key(trigger.get("kind")) == "waittime" and rule["id"] not in record.internal.get("firedRules", []):
                at = enqueued + timedelta(seconds=float(trigger.get("thresholdSeconds", 0)))
                self._timers.schedule(at, TimerKind.WAIT_TIME_EXCEPTION, job_id, rule["id"], enqueued_at)

    def waited_too_long(self, job_id: str, rule_id: str, enqueued_at: str) -> Optional[Dict[str, Any]]:
        """The ``waitTime`` rule, if the job is still queued since ``enqueued_at`` and the rule has not fired."""
        record = self._state.get("jobs", job_id)
        if (
            record is None
            or record.body.get("status") != JobStatus.QUEUED
            or record.body.get("enqueuedAt") != enqueued_at
        ):
            return None
        if rule_id in record.internal.get("firedRules", []):
            return None
        return next((r for r in self.rules_of_queue(record.body.get("queueId")) if r["id"] == rule_id), None)

    def trigger(self, job_id: str, rule: Dict[str, Any]) -> None:
        """Record that the rule fired for the job and raise ``RouterJobExceptionTriggered``."""
        record = self._state.write("jobs", job_id)
        record.internal.setdefault("firedRules", []).append(rule["id"])
        self._state.emit(
            job_event(
                "RouterJobExceptionTriggered",
                record.body,
                self._clock.now(),
                f"/exceptionrule/{rule['id']}",
                ruleKey=rule["id"],
                exceptionRuleId=rule["id"],
            )
        )
