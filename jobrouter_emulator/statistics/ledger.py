"""The statistics' fold: Router events (Event Grid schema, commit order, ``eventTime`` on the emulator's clock) into
waits, assignments and worker spans, and reports made from them (the figures are defined in :mod:`.definitions`).

It knows nothing of HTTP or of the engine: the running emulator feeds it the events it commits, a test or the
simulator feeds it any recorded sequence. Feeding and reporting may come from different threads.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import threading
from datetime import date, datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Set, Tuple

from ..engine.times import format_time, parse_time
from .definitions import (
    ABANDONED,
    ANSWERED,
    DEFAULT_INTERVAL_SECONDS,
    DEFAULT_SERVICE_LEVEL_SECONDS,
    DEFAULT_SHORT_ABANDON_SECONDS,
    MICROS,
    RATING_TARGETS,
    TRANSFERRED,
    Assignment,
    Tally,
    Wait,
    WorkerLog,
    queue_figures,
    tally_still_waiting,
    tally_wait,
    worker_figures,
    worker_totals,
)

PREFIX = "Microsoft.Communication."
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
FOREVER = 2**62  # microseconds: a report's end after every event (about the year 148,000)
MAX_INTERVALS = 2000  # a report lists at most this many intervals (the latest): 20 days of 15 minutes


def to_micros(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * MICROS + delta.microseconds


EPOCH_ORDINAL = EPOCH.toordinal()


OWN_SPELLING = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\+00:00")


@functools.lru_cache(maxsize=1024)  # the events of one command share their time
def event_micros(text: str) -> int:
    """An ``eventTime`` in microseconds since the epoch: the emulator's own spelling ("2026-01-05T08:00:10.25+00:00",
    engine/times.py's format_time) read directly, three times faster; any other through the one ISO parser
    (ValueError if it is no time)."""
    match = OWN_SPELLING.fullmatch(text) if isinstance(text, str) else None
    if match is not None:
        year, month, day, hour, minute, second, fraction = match.groups()
        if int(hour) < 24 and int(minute) < 60 and int(second) < 60:
            days = date(int(year), int(month), int(day)).toordinal() - EPOCH_ORDINAL  # ValueError if no date
            clock = int(hour) * 3600 + int(minute) * 60 + int(second)
            return (days * 86400 + clock) * MICROS + (int(fraction.ljust(6, "0")) if fraction else 0)
    return to_micros(parse_time(text))


def from_micros(micros: int) -> str:
    return format_time(datetime.fromtimestamp(micros // MICROS, timezone.utc).replace(microsecond=micros % MICROS))


MAX_SECONDS = 10 * 366 * 86400  # ten years: any threshold or interval beyond it is a mistake, and would overflow


def checked_seconds(name: str, value: Any, *, positive: bool = False, minimum: float = 0.0) -> float:
    """A number of seconds from settings or a query, at most ten years; ValueError that says what is wrong otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number of seconds, got {value!r}")
    if value < minimum or (positive and value == 0):
        low = f"at least {minimum:g}" if minimum else "more than 0" if positive else "at least 0"
        raise ValueError(f"{name} must be {low} seconds, got {value!r}")
    if value > MAX_SECONDS:
        raise ValueError(f"{name} must be at most {MAX_SECONDS} seconds (ten years), got {value!r}")
    return float(value)


def checked_moment(name: str, value: Any) -> Optional[datetime]:
    """``since`` or ``until``: None, or a date-time that says its time zone; ValueError naming it otherwise."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a date-time with its time zone (Z or +hh:mm), got {value!r}")
    return value


class Statistics:
    """Supervisor statistics folded from Router events: :meth:`feed` them in commit order, ask for :meth:`report`."""

    def __init__(
        self,
        *,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        service_level_seconds: float = DEFAULT_SERVICE_LEVEL_SECONDS,
        queue_service_level_seconds: Optional[Mapping[str, float]] = None,
        short_abandon_seconds: float = DEFAULT_SHORT_ABANDON_SECONDS,
    ) -> None:
        self.interval_seconds = checked_seconds("interval_seconds", interval_seconds, positive=True)
        self.service_level_seconds = checked_seconds("service_level_seconds", service_level_seconds)
        self.queue_service_level_seconds = _thresholds(queue_service_level_seconds)
        self.short_abandon_seconds = checked_seconds("short_abandon_seconds", short_abandon_seconds)
        self._lock = threading.Lock()
        self._handlers: Dict[str, Callable[[Mapping[str, Any], int], None]] = {
            "RouterJobQueued": self._queued,
            "RouterWorkerOfferAccepted": self._accepted,
            "RouterJobCompleted": self._completed,
            "RouterJobClosed": self._closed,
            "RouterJobUnassigned": self._unassigned,
            "RouterJobCancelled": self._abandoned,
            "RouterJobDeleted": self._deleted,
            "RouterJobClassified": self._left,
            "RouterJobWaitingForActivation": self._left,
            "RouterJobClassificationFailed": self._left,
            "RouterWorkerOfferIssued": self._offer("offersIssued"),
            "RouterWorkerOfferDeclined": self._offer("offersDeclined"),
            "RouterWorkerOfferExpired": self._offer("offersExpired"),
            "RouterWorkerOfferRevoked": self._offer("offersRevoked"),
            "RouterWorkerRegistered": self._registered,
            "RouterWorkerDeregistered": self._deregistered,
            "RouterWorkerDeleted": self._deregistered,
        }
        self.reset()

    def threshold_seconds(self, queue_id: str) -> float:
        """The service-level threshold T of the queue."""
        return self.queue_service_level_seconds.get(queue_id, self.service_level_seconds)

    def reset(self) -> None:
        """Forget every event: totals start again from the next one."""
        with self._lock:
            self._waits: Dict[Tuple[str, str], Wait] = {}
            self._waits_in_order: List[Wait] = []  # by start: reports filter by start
            self._queued_in: Dict[str, Wait] = {}  # job id -> the wait it is queued in now
            self._assignments: Dict[str, Assignment] = {}  # assignment id -> open (unreleased) assignment
            self._job_assignments: Dict[str, Set[str]] = {}  # job id -> ids of its open assignments
            self._workers: Dict[str, WorkerLog] = {}
            self._last = 0
            # The report of everything so far (no window, the settings' interval and thresholds) does not walk every
            # wait: a job's waits are tallied once, when the job ends (closed, cancelled, deleted: nothing can change
            # them after), into these; only the waits of jobs still going are walked (see report()).
            self._by_job: Dict[str, List[Wait]] = {}
            self._going: Set[str] = set()  # ids of jobs with waits that have not ended
            self._ended_queues: Dict[str, Tally] = {}
            self._ended_slots: Dict[int, Dict[str, Tally]] = {}

    # -- folding --------------------------------------------------------------------------------------------------
    def feed(self, event: Mapping[str, Any]) -> None:
        """Fold one Router event (Event Grid schema). Events of other types are ignored; so is an event without a
        readable ``eventTime`` or ``data`` (the statistics never stop the caller)."""
        event_type = str(event.get("eventType") or "")
        handler = self._handlers.get(event_type[len(PREFIX) :] if event_type.startswith(PREFIX) else event_type)
        data = event.get("data")
        if handler is None or not isinstance(data, Mapping):
            return
        try:
            moment = event_micros(event.get("eventTime"))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return
        with self._lock:
            self._last = max(self._last, moment)
            handler(data, moment)

    def _worker(self, worker_id: Any) -> WorkerLog:
        return self._workers.setdefault(str(worker_id), WorkerLog())

    def _leave(self, job_id: str, moment: int, outcome: Optional[str]) -> Optional[Wait]:
        """The job stops being queued where it is; ``outcome`` ends its wait there if the wait is open."""
        wait = self._queued_in.pop(job_id, None)
        if wait is None:
            return None
        wait.present[-1][1] = moment
        if wait.outcome is None and outcome is not None:
            wait.outcome, wait.ended = outcome, moment
        return wait

    def _queued(self, data: Mapping[str, Any], moment: int) -> None:
        job_id, queue_id = str(data.get("jobId")), str(data.get("queueId"))
        self._leave(job_id, moment, TRANSFERRED)  # queued again without leaving first: moved to another queue
        wait = self._waits.get((job_id, queue_id))
        if wait is None:
            wait = self._waits[(job_id, queue_id)] = Wait(job_id, queue_id, moment)
            self._waits_in_order.append(wait)
            self._by_job.setdefault(job_id, []).append(wait)
            self._going.add(job_id)
        elif wait.outcome == TRANSFERRED:  # back in a queue it left unanswered: the same wait goes on
            wait.outcome, wait.ended = None, None
        wait.present.append([moment, None])
        self._queued_in[job_id] = wait

    def _accepted(self, data: Mapping[str, Any], moment: int) -> None:
        job_id, worker_id = str(data.get("jobId")), str(data.get("workerId"))
        assignment_id = str(data.get("assignmentId"))
        assignment = Assignment(worker_id, job_id, moment, assignment_id=assignment_id)
        wait = self._leave(job_id, moment, ANSWERED)
        if wait is not None and wait.outcome == ANSWERED:  # the latest assignment made from the wait is its own
            wait.assignment = assignment
        self._assignments[assignment_id] = assignment
        self._job_assignments.setdefault(job_id, set()).add(assignment_id)
        worker = self._worker(worker_id)
        self._count_offer(worker, "offersAccepted", moment)
        worker.assignments.append(assignment)
        worker.catch_up(moment)
        if worker.holding == 0:
            worker.busy.append((moment, None))
        worker.holding += 1

    def _release(self, assignment: Assignment, moment: int) -> None:
        if assignment.released is not None:
            return
        assignment.released = moment
        self._job_assignments.get(assignment.job_id, set()).discard(assignment.assignment_id)
        worker = self._worker(assignment.worker_id)
        worker.catch_up(moment)
        worker.holding -= 1
        if worker.holding == 0 and worker.busy:
            worker.busy[-1] = (worker.busy[-1][0], moment)

    def _complete(self, assignment: Assignment, moment: int) -> None:
        assignment.completed = moment
        worker = self._worker(assignment.worker_id)
        worker.handled += 1
        worker.handle_total += max(0, moment - assignment.assigned)

    def _completed(self, data: Mapping[str, Any], moment: int) -> None:
        assignment = self._assignments.get(str(data.get("assignmentId")))
        if assignment is not None and assignment.completed is None:
            self._complete(assignment, moment)

    def _closed(self, data: Mapping[str, Any], moment: int) -> None:
        assignment_id = str(data.get("assignmentId"))
        assignment = self._assignments.get(assignment_id)
        if assignment is not None:
            if assignment.completed is None:
                self._complete(assignment, moment)
            assignment.closed = moment
            worker = self._worker(assignment.worker_id)
            worker.wrapped += 1
            worker.wrap_total += max(0, moment - assignment.completed)  # type: ignore[operator]
            del self._assignments[assignment_id]
            self._release(assignment, moment)
        self._ended(str(data.get("jobId")))

    def _unassigned(self, data: Mapping[str, Any], moment: int) -> None:
        assignment_id = str(data.get("assignmentId"))
        assignment = self._assignments.pop(assignment_id, None)
        if assignment is not None:
            self._release(assignment, moment)

    def _abandoned(self, data: Mapping[str, Any], moment: int) -> None:
        job_id = str(data.get("jobId"))
        self._leave(job_id, moment, ABANDONED)
        # A cancel also ends the job's assignments (there is no close event for them).
        for assignment_id in self._job_assignments.pop(job_id, set()):
            assignment = self._assignments.pop(assignment_id, None)
            if assignment is not None:
                self._release(assignment, moment)
        self._ended(job_id)

    def _deleted(self, data: Mapping[str, Any], moment: int) -> None:
        self._abandoned(data, moment)
        # The id may name a new job from now on: its waits start afresh.
        for wait in self._by_job.pop(str(data.get("jobId")), ()):
            self._waits.pop((wait.job_id, wait.queue_id), None)

    def _ended(self, job_id: str) -> None:
        """The job ended: its waits go into the running tallies of the report of everything so far."""
        if job_id not in self._going:
            return
        self._going.discard(job_id)
        self._job_assignments.pop(job_id, None)
        step = self._step()
        short = round(self.short_abandon_seconds * MICROS)
        for wait in self._by_job.get(job_id, ()):
            threshold = round(self.threshold_seconds(wait.queue_id) * MICROS)
            for tally in (
                self._ended_queues.setdefault(wait.queue_id, Tally()),
                self._ended_slots.setdefault(wait.started // step, {}).setdefault(wait.queue_id, Tally()),
            ):
                tally_wait(tally, wait, FOREVER, threshold, short)

    def _step(self) -> int:
        return round(self.interval_seconds * MICROS)

    def _left(self, data: Mapping[str, Any], moment: int) -> None:
        self._leave(str(data.get("jobId")), moment, TRANSFERRED)

    def _count_offer(self, worker: WorkerLog, figure: str, moment: int) -> None:
        worker.offers.setdefault(figure, []).append(moment)
        worker.offer_counts[figure] = worker.offer_counts.get(figure, 0) + 1

    def _offer(self, figure: str) -> Callable[[Mapping[str, Any], int], None]:
        def handler(data: Mapping[str, Any], moment: int) -> None:
            self._count_offer(self._worker(data.get("workerId")), figure, moment)

        return handler

    def _registered(self, data: Mapping[str, Any], moment: int) -> None:
        worker = self._worker(data.get("workerId"))
        if not worker.is_available:
            worker.catch_up(moment)
            worker.is_available = True
            worker.available.append((moment, None))

    def _deregistered(self, data: Mapping[str, Any], moment: int) -> None:
        worker = self._worker(data.get("workerId"))
        if worker.is_available:
            worker.catch_up(moment)
            worker.is_available = False
            worker.available[-1] = (worker.available[-1][0], moment)

    # -- reporting ------------------------------------------------------------------------------------------------
    def report(
        self,
        *,
        since: Optional[datetime] = None,
        until: Optional[datetime] = None,
        interval_seconds: Optional[float] = None,
        now: Optional[datetime] = None,
        service_level_seconds: Optional[float] = None,
        queue_service_level_seconds: Optional[Mapping[str, float]] = None,
    ) -> Dict[str, Any]:
        """The figures of the waits that started in ``[since, until]`` and of the workers over that window, as they
        stand at ``until`` (or ``now``, or the last event's time), with the window cut into intervals.

        ``service_level_seconds`` and ``queue_service_level_seconds`` judge this report against other thresholds
        than the settings' (a queue's own threshold first, then the default)."""
        interval = (
            checked_seconds("interval", interval_seconds, minimum=1.0) if interval_seconds is not None else None
        )
        since, until = checked_moment("since", since), checked_moment("until", until)
        step = round((interval or self.interval_seconds) * MICROS)
        default = (
            checked_seconds("service_level_seconds", service_level_seconds)
            if service_level_seconds is not None
            else self.service_level_seconds
        )
        per_queue = {
            **({} if service_level_seconds is None else {q: default for q in self.queue_service_level_seconds}),
            **_thresholds(queue_service_level_seconds),
        }

        def threshold_seconds(queue_id: str) -> float:
            return per_queue.get(queue_id, self.queue_service_level_seconds.get(queue_id, default))

        with self._lock:
            end = to_micros(until) if until is not None else to_micros(now) if now is not None else self._last
            if now is not None:  # what happens after now is not known yet: a later until reports as of now
                end = min(end, to_micros(now))
            start = to_micros(since) if since is not None else None
            if start is not None and start > end:
                raise ValueError("since must not be after until")
            everything = (
                start is None
                and until is None
                and step == self._step()
                and service_level_seconds is None
                and not queue_service_level_seconds
                and end >= self._last
            )
            if everything:  # the jobs that ended are tallied already: walk the waits of the others only
                waits = [w for job_id in self._going for w in self._by_job.get(job_id, ())]
                queues = {q: dataclasses.replace(t) for q, t in self._ended_queues.items()}
                slots = {n: {q: dataclasses.replace(t) for q, t in s.items()} for n, s in self._ended_slots.items()}
            else:
                waits = [w for w in self._waits_in_order if (start is None or w.started >= start) and w.started <= end]
                queues, slots = {}, {}
            short = round(self.short_abandon_seconds * MICROS)
            for wait in waits:
                threshold = round(threshold_seconds(wait.queue_id) * MICROS)
                for tally in (
                    queues.setdefault(wait.queue_id, Tally()),
                    slots.setdefault(wait.started // step, {}).setdefault(wait.queue_id, Tally()),
                ):
                    tally_wait(tally, wait, end, threshold, short)
            # Jobs queued at the end in a queue whose wait started before the window still count as waiting there.
            before = [w for w in self._waits_in_order if w.started < start] if start is not None else []
            for wait in before:
                if wait.queued_at(end):
                    tally_still_waiting(queues.setdefault(wait.queue_id, Tally()), wait, end)
            workers = {
                worker_id: worker_totals(log, end) if everything else worker_figures(log, start or 0, end)
                for worker_id, log in sorted(self._workers.items())
            }
        first = slots and min(slots) or end // step
        last = max(end // step, first)
        first = max(first, last - MAX_INTERVALS + 1)
        intervals = []
        for slot in range(first, last + 1):
            tallies = slots.get(slot, {})
            intervals.append(
                {
                    "start": from_micros(slot * step),
                    "end": from_micros((slot + 1) * step),
                    "queues": {q: queue_figures(t, threshold_seconds(q)) for q, t in sorted(tallies.items())},
                    "total": queue_figures(_sum(tallies.values()), None),
                }
            )
        return {
            "since": from_micros(start) if start is not None else None,
            "until": from_micros(end),
            "intervalSeconds": step / MICROS,
            "serviceLevelSeconds": default,
            "shortAbandonSeconds": self.short_abandon_seconds,
            "targets": RATING_TARGETS,
            "queues": {q: queue_figures(t, threshold_seconds(q)) for q, t in sorted(queues.items())},
            "total": queue_figures(_sum(queues.values()), None),
            "workers": workers,
            "intervals": intervals,
        }


def _thresholds(given: Optional[Mapping[str, float]]) -> Dict[str, float]:
    if given is not None and not isinstance(given, Mapping):
        raise ValueError(f"queue service levels must map queue ids to seconds, got {given!r}")
    return {str(q): checked_seconds(f"the service level of {q}", s) for q, s in (given or {}).items()}


def _sum(tallies: Any) -> Tally:
    total = Tally()
    for tally in tallies:
        total.add(tally)
    return total
