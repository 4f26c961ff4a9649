"""The router: the emulated service's operations, each one command under one lock and in one transaction.

It wires the engine's parts together and holds no routing logic itself:

- :mod:`.resources`: one declaration per resource kind (checks, defaults, references, list filters, hooks);
- :mod:`.state`: records, transactions, commit to the store, rollback; :mod:`.context`: what the parts share;
- :mod:`.lifecycles`: what commands and timers do to jobs (:mod:`.lifecycles.jobs`), assignments, offers, workers,
  their capacity, and exception rules (:mod:`.lifecycles.exception_rules`);
- :mod:`.matching`: the index of free workers and queued jobs (:mod:`.matching.index`), a queue's matching pass
  (:mod:`.matching.distribution`), scoring, selectors, and a queue's order, positions and statistics
  (:mod:`.matching.queue_order`);
- :mod:`.rules`: rule evaluation, classification (:mod:`.rules.classification`) and the calls to rule services
  (:mod:`.rules.calls`);
- :mod:`.timers`: due work, with the table of timer kinds to handlers below; :mod:`.job_status`: the statuses.

Routing work that the service does asynchronously (classifying and queueing a new job, issuing offers) runs from
timers due "now", fired by a background thread on the clock, or by :meth:`Router.run_pending` in tests that drive a
:class:`~.clock.FakeClock`. Calls to function and webhook rule services are made outside the lock
(:mod:`.rules.calls`); their answers come back through timers too. On a virtual clock (a :class:`~.clock.FakeClock`
the emulator runs on), :meth:`Router.advance` moves time and does the work that falls due on the way, each timer at
its own time.
"""

from __future__ import annotations

import base64
import json
import logging
import marshal
import random
import threading
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

from ..store.base import Store, StoredEvent
from . import strict_json
from .clock import Clock, FakeClock, SystemClock
from .context import EngineContext
from .errors import BadRequest, Conflict, NotFound, PreconditionFailed, StoreFailed
from .job_status import JobStatus
from .lifecycles.assignments import Assignments
from .lifecycles.capacity import WorkerCapacity
from .lifecycles.exception_rules import ExceptionRules
from .lifecycles.jobs import JobLifecycle
from .lifecycles.offers import Offers
from .lifecycles.workers import WorkerLifecycle
from .matching import queue_order
from .matching.distribution import Distributor
from .matching.index import MatchingIndex
from .matching.match_requests import MatchRequests
from .overview import Overview, newest
from .resources import RESOURCES, Lifecycles, ResourceKind
from .routing_delay import RoutingDelay, RoutingDelays
from .rules import Outbound
from .rules.calls import RuleCalls
from .state import Entity, Record, State
from .timers import TimerKind, Timers
from .times import format_time

logger = logging.getLogger(__name__)

STORE_RETRY = timedelta(seconds=1)  # a timer whose commit the store refused runs again this much later
PROCESSING_DELAY = 0.001  # seconds between a request and the routing it causes (see Router.__init__)
MAX_ADVANCE = timedelta(days=3660)  # one move of a virtual clock: ten years, far from datetime's limits

__all__ = ["Entity", "Router"]

T = TypeVar("T")


def check_conditions(
    record: Optional[Record],
    if_match: Optional[str],
    if_none_match: Optional[str],
    if_unmodified_since: Optional[datetime],
) -> None:
    """412 unless the record meets the request's ``If-Match``, ``If-None-Match`` and ``If-Unmodified-Since``."""
    if if_match is not None:
        if record is None or (if_match != "*" and if_match.strip() != record.body["etag"]):
            raise PreconditionFailed("The resource was modified since the given etag (If-Match).")
    if if_none_match is not None and record is not None:
        if if_none_match == "*" or if_none_match.strip() == record.body["etag"]:
            raise PreconditionFailed("The resource already exists (If-None-Match).")
    if if_unmodified_since is not None and record is not None:
        if record.last_modified.replace(microsecond=0) > if_unmodified_since:
            raise PreconditionFailed("The resource was modified after If-Unmodified-Since.")


class Router:
    def __init__(
        self,
        store: Store,
        clock: Optional[Clock] = None,
        *,
        seed: Optional[int] = None,
        outbound: Optional[Outbound] = None,
        processing_delay: float = PROCESSING_DELAY,
        routing_delay: Optional[RoutingDelay] = None,
    ) -> None:
        # ``processing_delay``: routing runs this long after the request that caused it. One millisecond lets the
        # response leave before routing competes with it for the GIL (with 0 the create's response waited for the
        # match in a first, noisy, measurement). An emulator on a virtual clock passes 0: that clock would never
        # get a millisecond further on its own.
        # ``routing_delay`` (``--routing-delay``), when given, replaces it for the routing work a request causes, as
        # the service's; work that routing itself causes (the match after a job is queued) follows at once.
        self._delays = RoutingDelays(timedelta(seconds=processing_delay), routing_delay, seed)
        self._clock = clock or SystemClock()
        self._seed = seed
        self._rng = random.Random(seed)
        self._resets = 0
        self._notice_listeners: List[Callable[[str], None]] = []
        self._lock = threading.RLock()
        self._state = State(store, self._clock, list(RESOURCES))
        self._timers = Timers(self._lock, defer=self._state.after_commit)
        self._index = MatchingIndex()
        context = EngineContext(
            state=self._state,
            index=self._index,
            timers=self._timers,
            clock=self._clock,
            match_requests=MatchRequests(self._state, self._timers, self._clock, self._delays),
            rule_calls=RuleCalls(self._state, self._timers, self._clock),
            rng=self._rng,
            outbound=outbound,
            processing_delay=self._delays,
        )
        self._match_requests, self._rule_calls = context.match_requests, context.rule_calls
        # The parts, each after those it uses.
        self._capacity = WorkerCapacity(context)
        self._offers = Offers(context, self._capacity)
        self._distributor = Distributor(context, self._offers)
        self._exceptions = ExceptionRules(context)
        self._jobs = JobLifecycle(context, self._offers, self._capacity, self._exceptions)
        self._assignments = Assignments(context, self._jobs)
        self._workers = WorkerLifecycle(context, self._capacity, self._offers)
        self._lifecycles = Lifecycles(self._state, self._jobs, self._workers, self._match_requests)
        self._timers.set_handlers(
            {
                TimerKind.PROCESS_JOB: self._jobs.process,
                TimerKind.ACTIVATE_SCHEDULED_JOB: self._jobs.activate_scheduled,
                TimerKind.EXPIRE_WORKER_SELECTORS: self._jobs.expire_selectors,
                TimerKind.CLOSE_ASSIGNMENT: self._assignments.close_due,
                TimerKind.WAIT_TIME_EXCEPTION: self._jobs.wait_time_elapsed,
                TimerKind.EXPIRE_OFFER: self._offers.expire,
                TimerKind.MATCH_QUEUE: self._distributor.match,
                TimerKind.CLASSIFICATION_RESULT: self._jobs.classification_result,
                TimerKind.SCORING_RESULT: self._distributor.scoring_result,
            }
        )
        self._state.add_restored_listener(self._reindex)
        self._state.add_changed_listener(self._reorder)
        self._overview = Overview()
        self._state.add_changed_listener(self._overview.changed)
        self._thread: Optional[threading.Thread] = None
        self._closed = False
        self._state.load()
        for collection in ("queues", "workers", "jobs"):
            for record in self._state.records(collection):
                self._overview.changed(collection, record.body["id"], record)
        self._workers.restore()
        self._jobs.restore()

    def _reindex(self, collection: str, key: str, record: Optional[Record]) -> None:
        """A rollback put ``record`` back: the index follows the document again."""
        if collection == "workers":
            self._capacity.reindex(key)
        elif collection == "jobs":
            if record is not None and record.body.get("status") == JobStatus.QUEUED and record.body.get("queueId"):
                self._index.set_job_queue(key, record.body["queueId"], queue_order.order_key(record))
            else:
                self._index.set_job_queue(key, None)

    def _reorder(self, collection: str, key: str, record: Optional[Record]) -> None:
        """A command changed ``record``: a queued job whose priority or expedite selectors changed moves in its
        queue's order (the index is told of arrivals and departures as they happen; this catches the rest)."""
        if collection == "jobs" and record is not None:
            self._index.reorder(key, queue_order.order_key(record))

    # -- running --------------------------------------------------------------------------------------------------
    def start(self, background: bool = True) -> None:
        """Fire timers from a background thread as they fall due (the server's mode)."""
        if background and self._thread is None:
            self._thread = threading.Thread(target=self._timer_loop, name="jobrouter-timers", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the timer thread and the rule calls, and close the store."""
        self._notice_listeners.clear()
        with self._timers.wakeup:
            self._closed = True
            self._timers.wakeup.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._rule_calls.close()
        self._timers.close()  # the timer table refers back to the parts: let a closed router be freed at once
        self._state.close()

    def try_lock(self, timeout: float = 0.0) -> bool:
        """Take the router's lock if no other thread holds it, or lets it go within ``timeout`` seconds (then call
        ``unlock``); every command takes it too, re-entrantly, so a caller holding it runs commands without
        waiting."""
        return self._lock.acquire(timeout=timeout) if timeout > 0 else self._lock.acquire(blocking=False)

    def unlock(self) -> None:
        """Release the lock taken by :meth:`try_lock`."""
        self._lock.release()

    def add_event_listener(self, callback: Callable[[List[StoredEvent]], None]) -> None:
        """Call ``callback`` with each batch of events, once committed."""
        self._state.add_event_listener(callback)

    def events_since(self, sequence: int, limit: int = 1000) -> List[StoredEvent]:
        """Committed events after sequence number ``sequence``, oldest first."""
        return self._state.events_since(sequence, limit)

    @property
    def last_event_sequence(self) -> int:
        """The sequence number of the last event committed (0 before the first)."""
        return self._state.last_sequence

    def add_notice_listener(self, callback: Callable[[str], None]) -> None:
        """Call ``callback("reset")`` after a reset and ``callback("clock")`` after a virtual clock moved: changes
        that raise no event."""
        self._notice_listeners.append(callback)

    def _notify(self, notice: str) -> None:
        for listener in list(self._notice_listeners):
            try:
                listener(notice)
            except Exception:  # noqa: BLE001 - a failing listener must not undo a reset
                logger.exception("A notice listener failed")

    # -- time and reset -------------------------------------------------------------------------------------------
    @property
    def clock_is_virtual(self) -> bool:
        """Whether time moves only through :meth:`advance`."""
        return isinstance(self._clock, FakeClock)

    def now(self) -> datetime:
        """The engine's time (the virtual clock's, when it runs on one)."""
        return self._clock.now()

    @property
    def resets(self) -> int:
        """How many times :meth:`reset` ran since the start."""
        return self._resets

    def advance(self, seconds: float) -> datetime:
        """Move a virtual clock ``seconds`` forward; every timer that falls due on the way fires at its own due time,
        in order (an offer expiring at +30 s expires at +30 s, and what follows from it happens then too). Returns
        the new time. With ``seconds`` 0 it only does the work due now."""
        clock = self._clock
        if not isinstance(clock, FakeClock):
            raise Conflict("The emulator runs on the system clock; start it with --clock virtual to move time.")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise BadRequest(f"seconds must be a number, got {seconds!r}", target="seconds")
        if not 0 <= seconds <= MAX_ADVANCE.total_seconds():
            raise BadRequest(
                f"seconds must be from 0 to {MAX_ADVANCE.total_seconds():.0f} (time only moves forward), "
                f"got {seconds!r}",
                target="seconds",
            )
        with self._lock:
            target = clock.now() + timedelta(seconds=seconds)
            while True:
                due = self._timers.next_due()
                if due is None or due > target:
                    break
                if due > clock.now():
                    clock.set(due)
                try:
                    self.run_pending()
                except Exception:  # noqa: BLE001 - as on the timer thread: one failing timer does not stop time
                    logger.exception("A router timer failed")
            clock.set(target)
        logger.info("Virtual clock advanced %g s to %s", seconds, target.isoformat())
        self._notify("clock")
        return target

    def reset(self) -> None:
        """Forget everything: resources, jobs, offers, pending timers and stored events, as after a first start on an
        empty store (random choices start again from the seed). A virtual clock keeps its time."""
        with self._lock:
            self._state.clear()
            self._timers.clear()
            self._index.clear()
            self._overview.clear()
            self._match_requests.clear()
            self._rng.seed(self._seed)
            self._resets += 1
        logger.info("State reset")
        self._notify("reset")

    def read_overview(self, limit: int) -> Dict[str, Any]:
        """What a dashboard shows, as one consistent copy taken in time independent of how much is stored: ``now``
        (ISO 8601), counts (jobs by status, assigned jobs, workers, available workers and workers free to take another
        job now per listed queue, workers and open offers in all),
        up to ``limit`` queues, workers, and jobs (in play first, then finished; newest first each) with each listed
        queue's length and oldest ``enqueuedAt``, each listed job's open offers (``offers``: worker and offer ids),
        and the policies the listed queues name. Everything returned is a copy: read it without the lock."""
        with self._lock:
            state, overview = self._state, self._overview

            def bodies(collection: str, ids: List[str]) -> List[Dict[str, Any]]:
                return [state.get(collection, key).body for key in ids]  # type: ignore[union-attr]

            queues = bodies("queues", newest(overview.queue_order, limit))
            worker_ids = newest(overview.worker_order, limit)
            job_ids = newest(overview.jobs_in_play, limit)
            job_ids += newest(overview.jobs_done, limit - len(job_ids))
            jobs = bodies("jobs", job_ids)
            offers: Dict[str, List[Tuple[str, str]]] = {}
            for key in job_ids:
                held = state.get("jobs", key).internal.get("offers")  # type: ignore[union-attr]
                if held:
                    offers[key] = [(offer["workerId"], offer_id) for offer_id, offer in held.items()]
            queue_state: Dict[str, Tuple[int, Optional[str]]] = {}
            for queue in queues:
                queued = self._index.queued(queue["id"])
                oldest_id = queued.oldest()
                oldest = state.get("jobs", oldest_id) if oldest_id is not None else None
                queue_state[queue["id"]] = (len(queued), oldest.body.get("enqueuedAt") if oldest is not None else None)
            policies = {
                collection: {
                    key: state.get(collection, key).body  # type: ignore[union-attr]
                    for key in {q.get(field) for q in queues}
                    if isinstance(key, str) and state.exists(collection, key)
                }
                for collection, field in (
                    ("distributionPolicies", "distributionPolicyId"),
                    ("exceptionPolicies", "exceptionPolicyId"),
                )
            }
            view = {
                "now": format_time(self._clock.now()),
                "jobStatuses": overview.job_statuses.counts,
                "jobsTotal": overview.jobs_total,
                "assignedIn": overview.assigned_in.counts,
                "workersIn": overview.workers_in.counts,
                "availableIn": overview.available_in.counts,
                "workersTotal": overview.workers_total,
                "workersAvailable": overview.workers_available,
                "workersActive": overview.workers_active,
                "openOffers": overview.open_offers,
                "freeWorkersIn": {queue["id"]: self._index.free_workers(queue["id"]) for queue in queues},
                "freeWorkersTotal": self._index.free_worker_count(),
                "queues": queues,
                "queueState": queue_state,
                "workers": bodies("workers", worker_ids),
                "freeWorkerIds": [key for key in worker_ids if self._index.is_free(key)],
                "jobs": jobs,
                "jobOffers": offers,
                **policies,
            }
            # One marshal of the bounded view is the copy (the documents it names are the live ones until then);
            # decoding it, the slower half, happens after the lock is let go.
            copied = marshal.dumps(view)
        return marshal.loads(copied)  # type: ignore[no-any-return]

    def next_timer_due(self) -> Optional[datetime]:
        """When the earliest pending timer is due (None when nothing is pending)."""
        with self._lock:
            return self._timers.next_due()

    def run_pending(self) -> int:
        """Fire every timer due by now (repeatedly, since timers may schedule more), waiting for the rule calls
        that they start; returns how many fired."""
        fired = 0
        while True:
            fired += self._fire_due()
            waited = self._rule_calls.wait()
            with self._lock:
                due = self._timers.next_due()
            if not waited and (due is None or due > self._clock.now()):
                return fired

    def _fire_due(self) -> int:
        fired = 0
        while True:
            with self._lock:
                due = self._timers.pop_due(self._clock.now())
                if due is None:
                    return fired
                self._fire(*due)
            fired += 1

    def _fire(self, kind: TimerKind, args: Tuple[str, ...]) -> None:
        self._delays.in_timer = True  # until the commit's deferred scheduling has run too
        try:
            with self._state.transaction():
                self._timers.fire(kind, args)
        except StoreFailed:
            self._timers.schedule(self._clock.now() + STORE_RETRY, kind, *args)
            raise
        finally:
            self._delays.in_timer = False

    @property
    def routing_delay(self) -> Optional[RoutingDelay]:
        """The routing delay set at construction (None: routing runs at once)."""
        return self._delays.delay

    def _timer_loop(self) -> None:
        while True:
            with self._timers.wakeup:
                if self._closed:
                    return
                due = self._timers.next_due()
                now = self._clock.now()
                if due is None or due > now:
                    wait = 1.0 if due is None else min(1.0, max(0.0, (due - now).total_seconds()))
                    self._timers.wakeup.wait(timeout=wait)
                    continue
            try:
                self._fire_due()  # never waits for rule calls: their answers come back as timers
            except Exception:  # noqa: BLE001 - the timer thread must survive a failing timer
                logger.exception("A router timer failed")

    # -- resources ------------------------------------------------------------------------------------------------
    def _resource(self, collection: str) -> ResourceKind:
        kind = RESOURCES.get(collection)
        if kind is None:
            raise NotFound(f"Unknown collection {collection!r}.")
        return kind

    def get(self, collection: str, key: str) -> Entity:
        """The resource ``key`` of ``collection`` (404 when there is none)."""
        self._resource(collection)
        with self._lock:
            return self._state.require(collection, key, f"/routing/{collection}/{key}").entity()

    def upsert(
        self,
        collection: str,
        key: str,
        patch: Dict[str, Any],
        *,
        if_match: Optional[str] = None,
        if_none_match: Optional[str] = None,
        if_unmodified_since: Optional[datetime] = None,
    ) -> Tuple[Entity, bool]:
        """Create or merge-patch a resource; returns it and whether it was created."""
        kind = self._resource(collection)
        with self._lock, self._state.transaction():
            existing = self._state.get(collection, key)
            check_conditions(existing, if_match, if_none_match, if_unmodified_since)
            before = existing.body if existing is not None else {}
            body = kind.prepare(key, before, patch, self._state.exists)
            record = self._state.put(collection, key, body)
            kind.after_upsert(self._lifecycles, key, before, patch, existing is None)
            return record.entity(), existing is None

    def delete(
        self,
        collection: str,
        key: str,
        *,
        if_match: Optional[str] = None,
        if_unmodified_since: Optional[datetime] = None,
    ) -> None:
        """Delete a resource (nothing to do when it does not exist, as the service answers 204)."""
        kind = self._resource(collection)
        with self._lock, self._state.transaction():
            record = self._state.get(collection, key)
            if record is None:
                return
            check_conditions(record, if_match, None, if_unmodified_since)
            kind.before_delete(self._lifecycles, key)
            self._state.delete(collection, key)
            kind.after_delete(self._lifecycles, key)

    def list(
        self,
        collection: str,
        *,
        filters: Optional[Dict[str, Any]] = None,
        page_size: Optional[int] = None,
        continuation: Optional[str] = None,
    ) -> Tuple[List[Dict[str, Any]], Optional[str]]:
        """A page of the collection, newest first, passing ``filters`` (parsed values by name); the continuation
        token is opaque to clients."""
        kind = self._resource(collection)
        checks = []
        for name, value in (filters or {}).items():
            list_filter = kind.filter(name)
            if list_filter is None:
                raise BadRequest(f"{collection} cannot be filtered by {name}.", target=name)
            if value is not None:
                checks.append((list_filter.keep, value))
        if page_size is not None and page_size < 1:
            raise BadRequest("maxpagesize must be at least 1.", target="maxpagesize")
        size = page_size or 100
        after: Optional[int] = None
        if continuation:
            try:
                after = strict_json.loads(base64.urlsafe_b64decode(continuation.encode()))["after"]
            except (ValueError, KeyError, TypeError):
                after = None
            if type(after) is not int:  # a token the emulator did not make ({"after": 1e999} once answered 500)
                raise BadRequest("The continuationToken is not valid.", target="continuationToken")
        with self._lock:
            records = sorted(self._state.records(collection), key=lambda r: r.created, reverse=True)
            selected = [
                r
                for r in records
                if (after is None or r.created < after) and all(keep(r.body, value) for keep, value in checks)
            ]
            page = selected[:size]
            token = None
            if len(selected) > size:
                token = base64.urlsafe_b64encode(json.dumps({"after": page[-1].created}).encode()).decode()
            return [r.entity().body for r in page], token

    # -- offers and jobs ------------------------------------------------------------------------------------------
    def _command(self, action: Callable[..., Dict[str, Any]], *args: Any) -> Dict[str, Any]:
        with self._lock, self._state.transaction():
            return action(*args)

    def accept_job_offer(self, worker_id: str, offer_id: str) -> Dict[str, Any]:
        """The worker accepts the offer: ``{assignmentId, jobId, workerId}``."""
        return self._command(self._offers.accept, worker_id, offer_id)

    def decline_job_offer(self, worker_id: str, offer_id: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """The worker declines the offer (``retryOfferAt`` in ``body`` lets it be offered the job again then)."""
        return self._command(self._offers.decline, worker_id, offer_id, body or {})

    def complete_job(self, job_id: str, assignment_id: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """The assigned job is done (``note`` in ``body``)."""
        return self._command(self._assignments.complete, job_id, assignment_id, body or {})

    def close_job(self, job_id: str, assignment_id: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Close the job, now or at ``closeAt`` (``dispositionCode``, ``note`` in ``body``)."""
        return self._command(self._assignments.close, job_id, assignment_id, body or {})

    def cancel_job(self, job_id: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Cancel the job (``dispositionCode``, ``note`` in ``body``)."""
        return self._command(self._jobs.cancel, job_id, body or {})

    def reclassify_job(self, job_id: str) -> Dict[str, Any]:
        """Classify the job again with its classification policy (the request's body, free-form, says nothing
        the service acts on)."""
        return self._command(self._jobs.reclassify, job_id)

    def unassign_job(self, job_id: str, assignment_id: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """End the assignment and queue the job again (or suspend it: ``suspendMatching`` in ``body``)."""
        return self._command(self._assignments.unassign, job_id, assignment_id, body or {})

    # -- queue views ----------------------------------------------------------------------------------------------
    def get_queue_position(self, job_id: str) -> Dict[str, Any]:
        """Where the queued job stands in its queue."""
        with self._lock:
            return queue_order.position(self._state, self._index, job_id)

    def get_queue_statistics(self, queue_id: str) -> Dict[str, Any]:
        """The queue's length, estimated waits by priority and longest wait."""
        with self._lock:
            return queue_order.statistics(self._state, self._index, queue_id, self._clock.now())

    def queued_job_ids(self, queue_id: str) -> List[str]:
        """Ids of the queue's jobs, in the order they will be offered."""
        with self._lock:
            return list(self._index.queued(queue_id).job_ids())
