"""The discrete-event driver: one scenario run on the engine's router, in-process, on a virtual clock.

Two agendas run side by side: the engine's own timers (routing, offer expiry, exception rules, scheduled work),
which :meth:`Router.advance` fires, and the simulation's (arrivals, a worker's answer to an offer, the end of a
call, the end of wrap-up, a caller hanging up, shifts). The driver always moves the clock to the earlier of the two,
so every step happens at its own time. Everything the router does reaches the driver as the events it commits:
they are handed to ``sink`` (the statistics) in commit order, and the driver reacts to offers and to jobs ending.

Times are kept as whole microseconds (the engine's clock resolution), so that the two agendas meet exactly.
"""

from __future__ import annotations

import heapq
import itertools
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from ..engine.clock import FakeClock
from ..engine.errors import RouterError
from ..engine.router import Router
from ..store.base import StoredEvent
from .errors import ScenarioError
from .scenario import POLICY_COLLECTIONS, Demand, Scenario, WorkerGroup
from .store import DiscardingStore

START = datetime(2024, 1, 1, tzinfo=timezone.utc)  # a simulated day starts at midnight; the date means nothing
_US = 1_000_000
_PREFIX = "Microsoft.Communication."

# The simulation's own agenda, by kind; the number also orders steps that fall at the same microsecond.
ARRIVAL, RESPOND, COMPLETE, CLOSE, ABANDON, SHIFT_START, SHIFT_END = range(7)

Sink = Callable[[Mapping[str, Any]], None]
Progress = Callable[[float, float, int], None]  # (simulated seconds, seconds planned, jobs so far)


def _us(seconds: float) -> int:
    return int(round(seconds * _US))


@dataclass
class _Job:
    demand: Demand
    arrived: int
    handle: float
    answered: Optional[int] = None
    assignment: Optional[str] = None
    worker: Optional[str] = None


@dataclass
class RunOutcome:
    """What a run leaves besides its events: the times the statistics need and the waits seen."""

    start: datetime
    end: datetime
    jobs: int
    unfinished: int
    waits: List[Tuple[str, float, float, bool]] = field(default_factory=list)  # (demand, arrived s, waited s, answered)
    wall_seconds: float = 0.0


class Simulation:
    def __init__(self, scenario: Scenario, sink: Sink, *, progress: Optional[Progress] = None) -> None:
        self.scenario = scenario
        self._sink = sink
        self._progress = progress
        self._clock = FakeClock(START)
        self._router = Router(DiscardingStore(), self._clock, seed=scenario.seed, processing_delay=0)
        self._pending: List[StoredEvent] = []
        self._router.add_event_listener(self._pending.extend)
        self._agenda: List[Tuple[int, int, int, Any]] = []
        self._order = itertools.count()
        self._jobs: Dict[str, _Job] = {}
        self._group_of: Dict[str, WorkerGroup] = {}
        self._group_rng: Dict[str, random.Random] = {}
        self._arrivals: Dict[str, Iterator[float]] = {}
        self._demand_rng: Dict[str, random.Random] = {}
        self._counters: Dict[str, int] = {}
        self._open = 0
        self._arriving = 0  # demands whose arrivals are not over yet
        self._outcome = RunOutcome(START, START, 0, 0)

    def _rng(self, purpose: str, name: str) -> random.Random:
        # One stream per purpose and name: changing one group or demand leaves every other stream as it was, so
        # two scenarios compared with the same seed see the same calls (common random numbers).
        return random.Random(f"{self.scenario.seed}/{purpose}/{name}")

    # -- setup --------------------------------------------------------------------------------------------------
    def _setup(self) -> None:
        for collection in POLICY_COLLECTIONS:
            for key, body in self.scenario.policies[collection].items():
                try:
                    self._router.upsert(collection, key, dict(body))
                except RouterError as exc:
                    raise ScenarioError(f"policies.{collection}.{key}", str(exc)) from None
        duration = _us(self.scenario.duration)
        for index, group in enumerate(self.scenario.workers):
            self._group_rng[group.id_prefix] = self._rng("workers", group.id_prefix)
            on_at_start = group.shift_start <= 0
            for worker_id in group.worker_ids():
                self._group_of[worker_id] = group
                try:
                    self._router.upsert("workers", worker_id, group.worker_body(on_at_start))
                except RouterError as exc:
                    raise ScenarioError(f"workers[{index}]", str(exc)) from None
                if not on_at_start and _us(group.shift_start) < duration:
                    self._schedule(_us(group.shift_start), SHIFT_START, worker_id)
                if group.shift_end is not None and _us(group.shift_end) < duration:
                    self._schedule(_us(group.shift_end), SHIFT_END, worker_id)
        for demand in self.scenario.demand:
            self._demand_rng[demand.name] = self._rng("jobs", demand.name)
            self._arrivals[demand.name] = demand.arrivals.generate(
                self._rng("arrivals", demand.name), self.scenario.duration
            )
            self._counters[demand.name] = 0
            for _ in range(demand.initial_jobs):
                self._create_job(demand)
            self._arriving += 1
            self._next_arrival(demand)

    def _schedule(self, at: int, kind: int, payload: Any) -> None:
        heapq.heappush(self._agenda, (at, kind, next(self._order), payload))

    def _next_arrival(self, demand: Demand) -> None:
        at = next(self._arrivals[demand.name], None)
        if at is None:
            self._arriving -= 1
        else:
            self._schedule(_us(at), ARRIVAL, demand)

    # -- the loop -----------------------------------------------------------------------------------------------
    def run(self) -> RunOutcome:
        began = time.perf_counter()
        self._setup()
        self._settle()
        horizon = _us(self.scenario.duration + self.scenario.drain)
        duration = _us(self.scenario.duration)
        now = 0
        reported, report_every = 0, max(1, duration // 200)  # progress every half percent of simulated time
        while True:
            next_step = self._agenda[0][0] if self._agenda else None
            due = self._router.next_timer_due()
            next_timer = (due - START) // timedelta(microseconds=1) if due is not None else None
            if self._arriving == 0 and self._open == 0 and now >= duration:
                break
            candidates = [t for t in (next_step, next_timer) if t is not None]
            if not candidates:
                break
            at = max(now, min(candidates))
            if at > horizon:
                break
            if at > now:
                self._router.advance((at - now) / _US)
                now = at
            else:
                self._router.run_pending()
            self._drain_events()
            while self._agenda and self._agenda[0][0] <= now:
                _, kind, _, payload = heapq.heappop(self._agenda)
                self._STEPS[kind](self, payload)
                self._drain_events()
            if self._progress is not None and now - reported >= report_every:
                reported = now
                self._progress(now / _US, self.scenario.duration, self._outcome.jobs)
        end = max(now, duration)
        if end > now:
            self._router.advance((end - now) / _US)
            self._drain_events()
        self._router.close()
        self._outcome.end = START + timedelta(microseconds=end)
        self._outcome.unfinished = self._open
        self._outcome.wall_seconds = time.perf_counter() - began
        if self._progress is not None:
            self._progress(end / _US, self.scenario.duration, self._outcome.jobs)
        return self._outcome

    def _now(self) -> int:
        return (self._clock.now() - START) // timedelta(microseconds=1)

    def _settle(self) -> None:
        self._router.run_pending()
        self._drain_events()

    # -- what the engine tells ------------------------------------------------------------------------------------
    def _drain_events(self) -> None:
        while self._pending:
            batch, self._pending[:] = list(self._pending), []
            for stored in batch:
                event = stored.event
                self._sink(event)
                reaction = self._REACTIONS.get(event["eventType"][len(_PREFIX) :])
                if reaction is not None:
                    reaction(self, event["data"])

    def _offer_issued(self, data: Mapping[str, Any]) -> None:
        worker_id = data["workerId"]
        group = self._group_of.get(worker_id)
        if group is None or data["jobId"] not in self._jobs:
            return
        rng = self._group_rng[group.id_prefix]
        decline = group.decline_share > 0 and rng.random() < group.decline_share
        delay = group.accept_after.sample(rng)
        self._schedule(self._now() + _us(delay), RESPOND, (worker_id, data["offerId"], data["jobId"], decline))

    def _job_ended(self, data: Mapping[str, Any]) -> None:
        job = self._jobs.pop(data["jobId"], None)
        if job is None:
            return
        self._open -= 1
        if job.answered is None:
            self._outcome.waits.append((job.demand.name, job.arrived / _US, (self._now() - job.arrived) / _US, False))

    _REACTIONS: Dict[str, Callable[[Simulation, Mapping[str, Any]], None]] = {
        "RouterWorkerOfferIssued": _offer_issued,
        "RouterJobClosed": _job_ended,
        "RouterJobCancelled": _job_ended,
        "RouterJobDeleted": _job_ended,
        "RouterJobClassificationFailed": _job_ended,
    }

    # -- the simulation's own steps -------------------------------------------------------------------------------
    def _arrive(self, demand: Demand) -> None:
        self._create_job(demand)
        self._next_arrival(demand)

    def _create_job(self, demand: Demand) -> None:
        self._counters[demand.name] += 1
        job_id = f"{demand.name}-{self._counters[demand.name]}"
        rng = self._demand_rng[demand.name]
        now = self._now()
        # Drawn at arrival, in arrival order: the same call lasts as long whoever answers it.
        job = _Job(demand, now, demand.handle_time.sample(rng))
        patience = demand.patience.sample(rng) if demand.patience is not None else None
        self._jobs[job_id] = job
        self._open += 1
        self._outcome.jobs += 1
        try:
            self._router.upsert("jobs", job_id, demand.job_body())
        except RouterError as exc:
            index = self.scenario.demand.index(demand)
            raise ScenarioError(f"demand[{index}]", f"the router refused its job: {exc}") from None
        if patience is not None:
            self._schedule(now + _us(patience), ABANDON, job_id)

    def _respond(self, payload: Tuple[str, str, str, bool]) -> None:
        worker_id, offer_id, job_id, decline = payload
        job = self._jobs.get(job_id)
        if job is None or job.answered is not None:
            return
        try:
            if decline:
                self._router.decline_job_offer(worker_id, offer_id)
                return
            accepted = self._router.accept_job_offer(worker_id, offer_id)
        except RouterError:
            return  # the offer expired, was revoked, or the caller hung up first
        now = self._now()
        job.answered, job.assignment, job.worker = now, accepted["assignmentId"], worker_id
        self._outcome.waits.append((job.demand.name, job.arrived / _US, (now - job.arrived) / _US, True))
        self._schedule(now + _us(job.handle), COMPLETE, job_id)

    def _complete(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.assignment is None or job.worker is None:
            return
        try:
            self._router.complete_job(job_id, job.assignment)
        except RouterError:
            return
        group = self._group_of[job.worker]
        wrap_up = group.wrap_up.sample(self._group_rng[group.id_prefix])
        self._schedule(self._now() + _us(wrap_up), CLOSE, job_id)

    def _close(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is not None and job.assignment is not None:
            try:
                self._router.close_job(job_id, job.assignment)
            except RouterError:
                pass

    def _abandon(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is not None and job.answered is None:
            try:
                self._router.cancel_job(job_id, {"dispositionCode": "abandoned"})
            except RouterError:
                pass

    def _shift(self, worker_id: str, available: bool) -> None:
        self._router.upsert("workers", worker_id, {"availableForOffers": available})

    def _shift_start(self, worker_id: str) -> None:
        self._shift(worker_id, True)

    def _shift_end(self, worker_id: str) -> None:
        self._shift(worker_id, False)

    _STEPS: Dict[int, Callable[[Simulation, Any], None]] = {
        ARRIVAL: _arrive,
        RESPOND: _respond,
        COMPLETE: _complete,
        CLOSE: _close,
        ABANDON: _abandon,
        SHIFT_START: _shift_start,
        SHIFT_END: _shift_end,
    }
