"""Every figure the supervisor statistics report, defined once: the README's "Supervisor statistics" section mirrors
this text, and the functions below are the only place the formulas are written.

Words
-----
- A **wait** is one job's stay in one queue. It starts when the job is first queued in that queue
  (``RouterJobQueued``) and ends with one **outcome**: *answered* (an offer of the job is accepted,
  ``RouterWorkerOfferAccepted``), *abandoned* (the job is cancelled, ``RouterJobCancelled``, or deleted,
  ``RouterJobDeleted``, while it is queued) or *transferred* (it leaves the queue unanswered some other way:
  reclassified, moved to another queue, suspended, classification failed). A wait with no outcome yet is *open*.
- **A job counts once per queue it waited in.** Queued again in a queue it already waited in (after an unassign, a
  suspend and activate, a reclassification that lands in the same queue), it adds no new wait there: a transferred
  wait opens again and keeps its start (the wait is measured from the job's first arrival in the queue); an
  answered or abandoned wait keeps its outcome (the job still shows in ``waiting`` while it is queued).
- Queue figures belong to the queue of the wait and to the **interval of its start** (the interval the job arrived
  in), so each interval's figures settle as its jobs are answered. An outcome after the report's end does not count
  (the wait is open at the end).
- A report covers the waits that started from ``since`` to ``until`` (both included; from the first event, and
  to the emulator's clock now, when not given), as they stand at ``until``.
- Worker figures belong to the moment things happened: an offer when it was issued, declined or expired; handle
  time when the job was completed; wrap-up when it was closed; occupancy is clipped to the report's window.
- **Intervals** start at whole multiples of the interval length since 1970-01-01T00:00:00Z (15 minutes by default:
  :00, :15, :30, :45).

Queue figures
-------------
- ``offered`` = waits started (jobs queued, once per queue).
- ``answered`` = waits answered. ``abandoned`` = waits abandoned. ``transferred`` = waits transferred.
- ``waiting`` = jobs queued in the queue at the report's end.
- wait of an answered or abandoned wait = its end - its start.
- ``answeredWithinThreshold`` = answered waits with wait <= T, T = ``serviceLevelSeconds`` of the queue (20 s by
  default).
- ``shortAbandoned`` = abandoned waits with wait <= S, S = ``shortAbandonSeconds`` (5 s by default): callers who
  hung up before anyone could reasonably have answered.
- ``serviceLevel`` = answeredWithinThreshold / (offered - shortAbandoned), a share from 0 to 1 (null when the
  denominator is 0). The convention: **short abandons are left out, every other wait counts** - an abandon after
  S, a transfer and a wait still open count as not answered within T. (Other conventions leave all abandons out,
  or count them as answered; they give higher figures for the same day.) An open wait that is still under T
  therefore lowers the live figure until it is answered.
- ``averageSpeedOfAnswerSeconds`` (ASA) = sum of waits of answered waits / answered (null when none).
- ``averageWaitSeconds`` = sum of waits of answered and abandoned waits / (answered + abandoned) (null when none).
- ``longestWaitSeconds`` = the longest wait among answered and abandoned waits and the open waits of jobs queued
  at the end (measured to the end); null when none.
- The assignment of an answered wait is the latest one made from it (after an unassign the job may be answered
  again from the same queue: its wait does not change, its handle time is the last assignment's).
- ``longestWaitingSeconds`` = the longest of the open waits of jobs queued at the end, measured to the end (null
  when none wait): how long the oldest caller in the queue has been waiting now.
- ``handled`` = answered waits whose assignment was completed (``RouterJobCompleted``, or ``RouterJobClosed``
  without a completion first, which completes and closes at once) by the end.
- handle time of an assignment = completed - assigned (the accept). ``averageHandleTimeSeconds`` = sum of handle
  times / handled (null when none).
- wrap-up of an assignment = closed - completed. ``averageWrapUpSeconds`` = sum of wrap-ups of the answered waits'
  assignments closed by the end / their number (null when none).

Worker figures
--------------
- ``offersIssued``, ``offersAccepted``, ``offersDeclined``, ``offersExpired``, ``offersRevoked``: offer events of
  the worker in the window.
- ``handled`` = the worker's assignments completed in the window; ``averageHandleTimeSeconds`` = their mean handle
  time; ``averageWrapUpSeconds`` = the mean wrap-up of its assignments closed in the window.
- ``availableSeconds`` = time registered (``RouterWorkerRegistered`` until ``RouterWorkerDeregistered`` or
  ``RouterWorkerDeleted``) in the window.
- ``busySeconds`` = time in the window while registered and holding at least one job (from the accept until the
  close, unassign or cancel: a job in wrap-up still holds the worker's capacity).
- ``occupancy`` = busySeconds / availableSeconds, from 0 to 1 (null when the worker was never available).

Colours (``ratings``)
--------------------
Each queue (and total) carries ``ratings``: ``green``, ``amber`` or ``red`` (``none`` without a figure) for four
figures, judged at set shares of a target:

- ``serviceLevel`` (higher is better), target ``SERVICE_LEVEL_TARGET`` = 0.8 (the usual 80/20 with T = 20 s):
  green at >= 100 % of the target (>= 0.8), amber at >= 90 % of it (>= 0.72), red below;
- ``averageSpeedOfAnswerSeconds`` (lower is better), target T: green at <= 100 % of T, amber at <= 150 %, red above;
- ``abandoned`` as a rate, abandoned / offered (lower is better), target ``ABANDON_RATE_TARGET`` = 0.05: green at
  <= 100 % of it, amber at <= 150 %, red above;
- ``waiting``, by ``longestWaitingSeconds`` (lower is better), target T: green at <= 100 % of T, amber at <= 150 %,
  red above (green when nobody waits).

Totals
------
``total`` (and each interval's ``total``) adds up the queues: the counts are sums, averages are taken over all
the waits, and the service level adds each queue's answeredWithinThreshold, judged against that queue's own T.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

DEFAULT_INTERVAL_SECONDS = 900.0
DEFAULT_SERVICE_LEVEL_SECONDS = 20.0
DEFAULT_SHORT_ABANDON_SECONDS = 5.0

MICROS = 1_000_000

ANSWERED, ABANDONED, TRANSFERRED = "answered", "abandoned", "transferred"


@dataclass
class Assignment:
    """One assignment of a job to a worker (times in microseconds since the epoch)."""

    worker_id: str
    job_id: str
    assigned: int
    completed: Optional[int] = None
    closed: Optional[int] = None
    released: Optional[int] = None  # closed, unassigned or cancelled: the worker's capacity is free again
    assignment_id: str = ""


@dataclass
class Wait:
    """One job's stay in one queue (see the module's words)."""

    job_id: str
    queue_id: str
    started: int
    outcome: Optional[str] = None
    ended: Optional[int] = None
    assignment: Optional[Assignment] = None
    # Spans the job was queued here ([start, end or None]): ``waiting`` at any end, even after the outcome.
    present: List[List[Optional[int]]] = field(default_factory=list)

    def outcome_by(self, end: int) -> Optional[str]:
        return self.outcome if self.ended is not None and self.ended <= end else None

    def queued_at(self, moment: int) -> bool:
        return any(s <= moment and (e is None or moment < e) for s, e in self.present)  # type: ignore[operator]


@dataclass
class Tally:
    """The sums a queue's figures are made of, over some waits."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    transferred: int = 0
    waiting: int = 0
    answered_within: int = 0
    short_abandoned: int = 0
    answer_wait_total: int = 0
    wait_total: int = 0
    longest_wait: Optional[int] = None
    longest_waiting: Optional[int] = None
    handled: int = 0
    handle_total: int = 0
    wrapped: int = 0
    wrap_total: int = 0

    def add(self, other: Tally) -> None:
        for name in self.__dataclass_fields__:
            mine, theirs = getattr(self, name), getattr(other, name)
            if name in ("longest_wait", "longest_waiting"):
                setattr(self, name, theirs if mine is None else mine if theirs is None else max(mine, theirs))
            else:
                setattr(self, name, mine + theirs)


def tally_wait(tally: Tally, wait: Wait, end: int, threshold: int, short_abandon: int) -> None:
    """Add one wait, as it stands at ``end``, to ``tally`` (thresholds in microseconds)."""
    tally.offered += 1
    outcome = wait.outcome_by(end)
    queued_now = wait.queued_at(end)
    if queued_now:
        tally.waiting += 1
    if outcome in (ANSWERED, ABANDONED):
        waited = max(0, wait.ended - wait.started)  # type: ignore[operator]
        tally.wait_total += waited
        tally.longest_wait = waited if tally.longest_wait is None else max(tally.longest_wait, waited)
        if outcome == ANSWERED:
            tally.answered += 1
            tally.answer_wait_total += waited
            if waited <= threshold:
                tally.answered_within += 1
            _tally_assignment(tally, wait.assignment, end)
        else:
            tally.abandoned += 1
            if waited <= short_abandon:
                tally.short_abandoned += 1
    elif outcome == TRANSFERRED:
        tally.transferred += 1
    if queued_now:
        waited = max(0, end - wait.started)
        tally.longest_waiting = waited if tally.longest_waiting is None else max(tally.longest_waiting, waited)
        if outcome is None:
            tally.longest_wait = waited if tally.longest_wait is None else max(tally.longest_wait, waited)


def tally_still_waiting(tally: Tally, wait: Wait, end: int) -> None:
    """A job queued at ``end`` whose wait started before the report's window: it waits, it was not offered in it."""
    tally.waiting += 1
    waited = max(0, end - wait.started)
    tally.longest_waiting = waited if tally.longest_waiting is None else max(tally.longest_waiting, waited)


def _tally_assignment(tally: Tally, assignment: Optional[Assignment], end: int) -> None:
    if assignment is None or assignment.completed is None or assignment.completed > end:
        return
    tally.handled += 1
    tally.handle_total += max(0, assignment.completed - assignment.assigned)
    if assignment.closed is not None and assignment.closed <= end:
        tally.wrapped += 1
        tally.wrap_total += max(0, assignment.closed - assignment.completed)


def seconds(micros: Optional[float]) -> Optional[float]:
    """Microseconds as seconds, to the microsecond (None stays None)."""
    return None if micros is None else round(micros / MICROS, 6)


def _mean(total: int, count: int) -> Optional[float]:
    return seconds(total / count) if count else None


def queue_figures(tally: Tally, threshold_seconds: Optional[float]) -> Dict[str, Any]:
    """The JSON figures of a queue (or a total, with ``threshold_seconds`` None) from its tally."""
    denominator = tally.offered - tally.short_abandoned
    figures: Dict[str, Any] = {
        "offered": tally.offered,
        "answered": tally.answered,
        "abandoned": tally.abandoned,
        "shortAbandoned": tally.short_abandoned,
        "transferred": tally.transferred,
        "waiting": tally.waiting,
        "answeredWithinThreshold": tally.answered_within,
        "serviceLevel": round(tally.answered_within / denominator, 6) if denominator > 0 else None,
        "serviceLevelSeconds": threshold_seconds,
        "averageSpeedOfAnswerSeconds": _mean(tally.answer_wait_total, tally.answered),
        "averageWaitSeconds": _mean(tally.wait_total, tally.answered + tally.abandoned),
        "longestWaitSeconds": seconds(tally.longest_wait),
        "longestWaitingSeconds": seconds(tally.longest_waiting),
        "handled": tally.handled,
        "averageHandleTimeSeconds": _mean(tally.handle_total, tally.handled),
        "averageWrapUpSeconds": _mean(tally.wrap_total, tally.wrapped),
    }
    figures["ratings"] = ratings(figures, tally, threshold_seconds)
    return figures


SERVICE_LEVEL_TARGET = 0.8
ABANDON_RATE_TARGET = 0.05
GREEN_SHARE = 1.0  # green up to (or, higher being better, from) 100 % of the target
AMBER_SHARE_HIGHER_IS_BETTER = 0.9
AMBER_SHARE_LOWER_IS_BETTER = 1.5


RATING_TARGETS = {
    "serviceLevel": SERVICE_LEVEL_TARGET,
    "abandonRate": ABANDON_RATE_TARGET,
    "greenShare": GREEN_SHARE,
    "amberShareHigherIsBetter": AMBER_SHARE_HIGHER_IS_BETTER,
    "amberShareLowerIsBetter": AMBER_SHARE_LOWER_IS_BETTER,
}


def _limit(share: float, target: float) -> float:
    return round(share * target, 9)  # 90 % of 0.8 is 0.72, not 0.7200000000000001


def rate_higher_is_better(value: Optional[float], target: float) -> str:
    if value is None:
        return "none"
    if value >= _limit(GREEN_SHARE, target):
        return "green"
    return "amber" if value >= _limit(AMBER_SHARE_HIGHER_IS_BETTER, target) else "red"


def rate_lower_is_better(value: Optional[float], target: float) -> str:
    if value is None:
        return "none"
    if value <= _limit(GREEN_SHARE, target):
        return "green"
    return "amber" if value <= _limit(AMBER_SHARE_LOWER_IS_BETTER, target) else "red"


def ratings(figures: Dict[str, Any], tally: Tally, threshold_seconds: Optional[float]) -> Dict[str, str]:
    """The colours of a queue's figures (see "Colours" above); a total without one threshold rates its service level
    and abandon rate only."""
    threshold = threshold_seconds
    waiting = figures["longestWaitingSeconds"] if tally.waiting else 0.0
    return {
        "serviceLevel": rate_higher_is_better(figures["serviceLevel"], SERVICE_LEVEL_TARGET),
        "averageSpeedOfAnswerSeconds": (
            rate_lower_is_better(figures["averageSpeedOfAnswerSeconds"], threshold) if threshold is not None else "none"
        ),
        "abandoned": rate_lower_is_better(
            tally.abandoned / tally.offered if tally.offered else None, ABANDON_RATE_TARGET
        ),
        "waiting": rate_lower_is_better(waiting, threshold) if threshold is not None else "none",
    }


def overlap(spans: Iterable[Tuple[int, Optional[int]]], start: int, end: int) -> List[Tuple[int, int]]:
    """The parts of ``spans`` (sorted, not overlapping; an open end runs on) inside ``[start, end]``."""
    clipped = []
    for s, e in spans:
        lo, hi = max(s, start), min(end if e is None else e, end)
        if hi > lo:
            clipped.append((lo, hi))
    return clipped


def intersect_length(a: List[Tuple[int, int]], b: List[Tuple[int, int]]) -> int:
    """Total length of the intersection of two sorted lists of disjoint spans."""
    total, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            total += hi - lo
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


@dataclass
class WorkerLog:
    """What happened to one worker: offer events, assignments, and its available and busy spans."""

    offers: Dict[str, List[int]] = field(default_factory=dict)  # figure name -> times
    assignments: List[Assignment] = field(default_factory=list)
    available: List[Tuple[int, Optional[int]]] = field(default_factory=list)
    busy: List[Tuple[int, Optional[int]]] = field(default_factory=list)
    holding: int = 0
    # Running totals since the start, kept as events come: the report of everything so far reads them instead of
    # walking the lists above (worker_totals).
    offer_counts: Dict[str, int] = field(default_factory=dict)
    handled: int = 0
    handle_total: int = 0
    wrapped: int = 0
    wrap_total: int = 0
    is_available: bool = False
    available_total: int = 0
    busy_total: int = 0
    mark: int = 0  # when the totals were last brought up to date

    def catch_up(self, moment: int) -> None:
        """Bring the available and busy totals up to ``moment`` (before the worker's state changes there)."""
        if self.is_available:
            self.available_total += max(0, moment - self.mark)
            if self.holding > 0:
                self.busy_total += max(0, moment - self.mark)
        self.mark = max(self.mark, moment)


OFFER_FIGURES = ("offersIssued", "offersAccepted", "offersDeclined", "offersExpired", "offersRevoked")


def worker_totals(log: WorkerLog, end: int) -> Dict[str, Any]:
    """:func:`worker_figures` over everything so far, from the running totals (``end`` at or after the last event)."""
    open_time = max(0, end - log.mark) if log.is_available else 0
    available_total = log.available_total + open_time
    busy_total = log.busy_total + (open_time if log.holding > 0 else 0)
    figures: Dict[str, Any] = {name: log.offer_counts.get(name, 0) for name in OFFER_FIGURES}
    figures.update(
        {
            "handled": log.handled,
            "averageHandleTimeSeconds": _mean(log.handle_total, log.handled),
            "averageWrapUpSeconds": _mean(log.wrap_total, log.wrapped),
            "availableSeconds": seconds(available_total),
            "busySeconds": seconds(busy_total),
            "occupancy": round(busy_total / available_total, 6) if available_total else None,
        }
    )
    return figures


def worker_figures(log: WorkerLog, start: int, end: int) -> Dict[str, Any]:
    """The JSON figures of a worker over ``[start, end]``."""
    figures: Dict[str, Any] = {
        name: sum(1 for t in log.offers.get(name, ()) if start <= t <= end) for name in OFFER_FIGURES
    }
    done = [a for a in log.assignments if a.completed is not None and start <= a.completed <= end]
    closed = [a for a in log.assignments if a.closed is not None and start <= a.closed <= end]
    available = overlap(log.available, start, end)
    available_total = sum(hi - lo for lo, hi in available)
    busy_total = intersect_length(available, overlap(log.busy, start, end))
    figures.update(
        {
            "handled": len(done),
            "averageHandleTimeSeconds": _mean(sum(a.completed - a.assigned for a in done), len(done)),  # type: ignore
            "averageWrapUpSeconds": _mean(sum(a.closed - a.completed for a in closed), len(closed)),  # type: ignore
            "availableSeconds": seconds(available_total),
            "busySeconds": seconds(busy_total),
            "occupancy": round(busy_total / available_total, 6) if available_total else None,
        }
    )
    return figures
