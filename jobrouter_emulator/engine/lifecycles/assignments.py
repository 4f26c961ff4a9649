"""The end of a job's assignment: completed, closed (now or at ``closeAt``), or unassigned (queued again)."""

from __future__ import annotations

from typing import Any, Dict, Tuple

from ..context import EngineContext
from ..errors import BadRequest, NotFound
from ..events import job_event
from ..job_status import JobStatus
from ..state import Record
from ..timers import TimerKind
from ..times import format_time, parse_time
from .jobs import JobLifecycle


class Assignments:
    def __init__(self, context: EngineContext, jobs: JobLifecycle) -> None:
        self._state = context.state
        self._jobs = jobs
        self._timers = context.timers
        self._clock = context.clock

    def _find(self, job_id: str, assignment_id: str, action: str) -> Tuple[Record, Dict[str, Any], str]:
        """The job, its assignment and the operation's path, for ``action`` (404 when either is missing)."""
        target = f"/routing/jobs/{job_id}/assignments/{assignment_id}:{action}"
        record = self._state.require("jobs", job_id, target)
        assignment = (record.body.get("assignments") or {}).get(assignment_id)
        if assignment is None:
            raise NotFound(f"Assignment {assignment_id} not found for job {job_id}.", target=target)
        return record, assignment, target

    def _emit(self, name: str, job: Dict[str, Any], assignment: Dict[str, Any], **fields: Any) -> None:
        self._state.emit(
            job_event(
                name,
                job,
                self._clock.now(),
                f"/assignment/{assignment['assignmentId']}",
                assignmentId=assignment["assignmentId"],
                workerId=assignment["workerId"],
                **fields,
            )
        )

    def complete(self, job_id: str, assignment_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
        """The worker finished the job: ``assigned`` -> ``completed`` (its capacity stays held until close)."""
        record, assignment, target = self._find(job_id, assignment_id, "complete")
        if record.body.get("status") != JobStatus.ASSIGNED or assignment.get("completedAt"):
            raise BadRequest(
                f"Job {job_id} is {record.body.get('status')}; only an assigned job can be completed.", target=target
            )
        job = self._state.write("jobs", job_id).body
        assignment["completedAt"] = format_time(self._clock.now())
        self._jobs.add_note(job, body.get("note"))
        job["status"] = JobStatus.COMPLETED
        self._emit("RouterJobCompleted", job, assignment)
        return {}

    def close(self, job_id: str, assignment_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
        """Close the job now, or at ``closeAt``; closing frees the worker's capacity."""
        record, assignment, target = self._find(job_id, assignment_id, "close")
        if record.body.get("status") not in (JobStatus.ASSIGNED, JobStatus.COMPLETED) or assignment.get("closedAt"):
            raise BadRequest(f"Job {job_id} is {record.body.get('status')}; it cannot be closed.", target=target)
        close_at = None
        if body.get("closeAt"):
            try:
                close_at = parse_time(body["closeAt"])
            except ValueError:
                raise BadRequest("closeAt must be an ISO 8601 date-time.", target="closeAt") from None
        job = self._state.write("jobs", job_id).body
        self._jobs.add_note(job, body.get("note"))
        if body.get("dispositionCode") is not None:
            job["dispositionCode"] = body["dispositionCode"]
        if close_at is not None and close_at > self._clock.now():
            self._timers.schedule(close_at, TimerKind.CLOSE_ASSIGNMENT, job_id, assignment_id)
        else:
            self.close_due(job_id, assignment_id)
        return {}

    def close_due(self, job_id: str, assignment_id: str) -> None:
        """Close the assignment now (also the timer of a close with a future ``closeAt``)."""
        record = self._state.get("jobs", job_id)
        assignment = (record.body.get("assignments") or {}).get(assignment_id) if record else None
        if assignment is None or assignment.get("closedAt"):
            return
        job = self._state.write("jobs", job_id).body
        now = format_time(self._clock.now())
        assignment.setdefault("completedAt", now)
        assignment["closedAt"] = now
        # The live service records "Closed" when the caller gives no disposition code (service recordings).
        job.setdefault("dispositionCode", "Closed")
        job["status"] = JobStatus.CLOSED
        self._jobs.release(assignment["workerId"], assignment_id)
        self._emit("RouterJobClosed", job, assignment, dispositionCode=job.get("dispositionCode"))

    def unassign(self, job_id: str, assignment_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
        """End the assignment; the job is queued again, or waits for activation with ``suspendMatching``."""
        record, assignment, target = self._find(job_id, assignment_id, "unassign")
        if record.body.get("status") != JobStatus.ASSIGNED:
            raise BadRequest(
                f"Job {job_id} is {record.body.get('status')}; only an assigned job can be unassigned.", target=target
            )
        record = self._state.write("jobs", job_id)
        job = record.body
        del job["assignments"][assignment_id]
        record.internal["unassignments"] = record.internal.get("unassignments", 0) + 1
        self._jobs.release(assignment["workerId"], assignment_id)
        self._emit("RouterJobUnassigned", job, assignment)
        if body.get("suspendMatching"):
            job["matchingMode"] = {"kind": "suspend"}
            job["status"] = JobStatus.WAITING_FOR_ACTIVATION
            self._state.emit(self._jobs.waiting_event(job))
        else:
            self._jobs.queue(job_id)
        return {"jobId": job_id, "unassignmentCount": record.internal["unassignments"]}
