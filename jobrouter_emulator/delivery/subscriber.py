"""One subscription's delivery, as a sequence of short turns on the shared machinery (:mod:`.scheduler`).

A turn: handshake once (kept in the store), or take the next batch after the cursor (only events the filters match,
up to ``maxEventsPerBatch``), or make one attempt at it through the subscription's destination
(:mod:`.destinations`); on success the cursor moves past the batch. A failed attempt is retried on Event Grid's
schedule; an outcome that is not retried, the last allowed attempt or an event past its time to live sends the
batch to dead-letter and moves the cursor on. One batch is in flight at a time, so events arrive in commit order, at
least once. Between turns a subscriber holds no thread: it waits in the scheduler's timetable (for its next retry)
or for :meth:`Subscriber.notify` (new events).

Time to live and retries run on real time (:mod:`.commit_times`); ``eventTime`` and the dead-letter ``publishTime``
stay on the emulator's clock.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from ..store.base import StoredEvent
from . import policy, wire
from .commit_times import CommitTimes
from .deadletter import DeadLetter, write_dead_letters
from .destinations import Destination, Handshake, Validated
from .scheduler import Scheduler, Ticket
from .subscription import EventSubscription
from .subscription_store import SubscriptionRecord, SubscriptionStore

logger = logging.getLogger(__name__)

PAGE = 1000  # events read from the store at a time while looking for the next batch
MANUAL_VALIDATION_SECONDS = 300.0  # how long a validationUrl stays open, as Event Grid's does

EventsSince = Callable[[int, int], List[StoredEvent]]
DestinationFactory = Callable[[EventSubscription], Destination]
IDLE = None  # a turn's answer when there is nothing to do until new events come
TURN_SLICE_SECONDS = 0.05  # how long a turn may go on with work that is due at once before it yields its thread


def publish_time(event: Dict[str, Any]) -> datetime:
    """When the router committed ``event``: its ``eventTime``, as ``engine.events.iso`` writes it."""
    text = str(event.get("eventTime", ""))
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z" if "." in text else "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return datetime.now(timezone.utc)


@dataclass
class _Batch:
    events: List[StoredEvent]
    end: int  # the cursor once this batch is done: past the events in it and the skipped ones between them
    attempts: int = 0
    last_status: Optional[int] = None
    last_outcome: str = "NotAttempted"
    published: List[datetime] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.published = [publish_time(stored.event) for stored in self.events]


class Subscriber:
    """Delivers one subscription. Any thread may call :meth:`notify`, :meth:`update`, :meth:`validate_manually`,
    :meth:`view` and :meth:`stop`; turns run one at a time on the scheduler's threads, and only they send, read
    events and move the cursor."""

    def __init__(
        self,
        record: SubscriptionRecord,
        *,
        events_since: EventsSince,
        store: SubscriptionStore,
        retry_scale: float,
        emulator_url: Callable[[], str],
        destination_factory: DestinationFactory,
        scheduler: Scheduler,
        commit_times: CommitTimes,
    ) -> None:
        self._subscription = record.subscription
        self._cursor = record.cursor
        self._validated = record.validated
        self._events_since = events_since
        self._store = store
        self._retry_scale = retry_scale
        self._emulator_url = emulator_url
        self._destination_factory = destination_factory
        self._destination: Optional[Destination] = None  # made on the first turn, again after a change
        self._scheduler = scheduler
        self._commit_times = commit_times
        self._condition = threading.Condition()
        self._new_events = True
        self._changed = False  # the definition changed: drop the pending batch
        self._interrupt = False  # end the current pause (a new definition, a manual validation)
        self._stopped = False
        self._forgotten = False  # deleted: write nothing more to the store
        # Scheduling: the next turn's ticket, whether a turn is under way, whether the last one found nothing to do.
        self._ticket: Optional[Ticket] = None
        self._running = False
        self._idle = False
        self._pending: Optional[_Batch] = None
        self._state = "Succeeded" if record.validated else "Creating"
        self._validation_code: Optional[str] = None
        self._last_outcome: Optional[str] = None
        self._delivered = 0
        self._dead_lettered = 0
        # Events read from the store but not yet taken into a batch (read a page at a time, used one batch at a time).
        self._ahead: Deque[StoredEvent] = deque()
        self._read_up_to = record.cursor
        self._handshake_failures = 0

    # -- called from other threads ------------------------------------------------------------------------------------
    @property
    def subscription(self) -> EventSubscription:
        return self._subscription

    @property
    def name(self) -> str:
        return self._subscription.name

    def start(self) -> None:
        with self._condition:
            self._schedule(time.monotonic())

    def notify(self) -> None:
        """New events were committed: a subscriber waiting for events takes a turn (one in a retry pause does not)."""
        with self._condition:
            self._new_events = True
            if self._idle and not self._running and self._ticket is None:
                self._schedule(time.monotonic())

    def interested(self, events: List[StoredEvent]) -> bool:
        """Whether the filters match one of ``events`` (read without the lock: a definition is replaced whole)."""
        subscription = self._subscription
        return any(subscription.matches(stored.event) for stored in events)

    def update(self, subscription: EventSubscription) -> None:
        """A new definition: the pending batch is rebuilt with it; a new endpoint or schema is validated again."""
        with self._condition:
            if not subscription.same_endpoint(self._subscription):
                self._validated = False
                self._state = "Creating"
            self._subscription = subscription
            self._changed = True
            self._wake()

    def validate_manually(self, code: str) -> bool:
        """The GET of a validation URL (Event Grid's manual handshake)."""
        with self._condition:
            if self._validated or self._validation_code is None or code.lower() != self._validation_code.lower():
                return False
            keep = self._mark_validated()
        if keep:
            self._store.set_validated(self.name, True)
        return True

    def stop(self, *, forget: bool = False) -> None:
        """No more turns; the one under way (if any) ends its attempt. ``forget``: the subscription is deleted."""
        with self._condition:
            self._stopped = True
            self._forgotten = self._forgotten or forget
            if self._ticket is not None:
                self._scheduler.cancel(self._ticket)
                self._ticket = None
            running = self._running
            self._condition.notify_all()
        if not running:
            self._release()

    def wait_stopped(self, timeout: float) -> bool:
        """After :meth:`stop`: wait up to ``timeout`` seconds for the turn under way; whether none is left."""
        with self._condition:
            return self._condition.wait_for(lambda: not self._running, timeout=timeout)

    def record(self) -> SubscriptionRecord:
        with self._condition:
            return SubscriptionRecord(self._subscription, self._cursor, self._validated)

    def view(self) -> Dict[str, Any]:
        with self._condition:
            return {
                **self._subscription.to_json(redact=True),  # never a connection string's key
                "provisioningState": self._state,
                "cursor": self._cursor,  # the last event handled: acknowledged, dead-lettered or filtered out
                "deliveredEvents": self._delivered,
                "deadLetteredEvents": self._dead_lettered,
                "lastDeliveryOutcome": self._last_outcome,
            }

    # -- scheduling (with the condition held) -------------------------------------------------------------------------
    def _schedule(self, when: float) -> None:
        if self._stopped:
            return
        if self._ticket is not None:
            if self._ticket.when <= when:
                return
            self._scheduler.cancel(self._ticket)
        self._idle = False
        self._ticket = self._scheduler.at(when, self._turn)

    def _wake(self) -> None:
        """End a pause or a wait for events: a turn now (or right after the one under way)."""
        self._interrupt = True
        if not self._running:
            self._schedule(time.monotonic())
        self._condition.notify_all()

    def _mark_validated(self) -> bool:
        """True when the caller should store it (after letting go of the condition, so the router's commit listener
        never waits on a database write)."""
        self._validated = True
        self._state = "Succeeded"
        self._wake()
        return not self._forgotten

    # -- turns (on a scheduler thread, one at a time) -----------------------------------------------------------------
    def _turn(self) -> None:
        with self._condition:
            if self._stopped or self._running:
                return
            self._ticket = None
            self._running = True
            self._new_events = False  # events committed from here on wake the subscriber again
        wait: Optional[float] = IDLE
        slice_ends = time.monotonic() + TURN_SLICE_SECONDS
        try:
            wait = self._step()
            # Work that is due at once (the next batch of a backlog) goes on in this turn, for a while: a trip
            # through the timetable per batch would cost a thread switch each.
            while wait == 0.0 and not (self._stopped or self._interrupt) and time.monotonic() < slice_ends:
                wait = self._step()
        except Exception:  # noqa: BLE001 - a bug or a broken store must not end delivery for good
            logger.exception("Subscription %s: delivery failed; starting again from the cursor", self.name)
            self._pending = None
            self._ahead.clear()
            self._read_up_to = self._cursor
            wait = policy.retry_delay(1, self._retry_scale)
        with self._condition:
            self._running = False
            stopped = self._stopped
            if not stopped:
                now = time.monotonic()
                if self._interrupt or (wait is IDLE and self._new_events):
                    self._schedule(now)
                elif wait is not IDLE:
                    self._schedule(now + wait)
                else:
                    self._idle = True
            self._condition.notify_all()
        if stopped:
            self._release()

    def _release(self) -> None:
        """Let go of what the subscriber holds (its destination, events read ahead, the pending batch)."""
        destination, self._destination = self._destination, None
        self._pending = None
        self._ahead.clear()
        if destination is not None:
            try:
                destination.close()
            except Exception:  # noqa: BLE001 - closing must not fail a deletion
                logger.exception("Subscription %s: closing its destination failed", self.name)

    def _take_changes(self) -> Tuple[EventSubscription, bool, bool]:
        """The current definition, whether it changed since the last look, and whether the endpoint is validated."""
        with self._condition:
            changed, self._changed, self._interrupt = self._changed, False, False
            return self._subscription, changed, self._validated

    def _advance(self, cursor: int) -> None:
        with self._condition:
            self._cursor = cursor
            if self._forgotten:
                return
        self._store.set_cursor(self._subscription.name, cursor)

    def _step(self) -> Optional[float]:
        """One turn: handshake, or take a batch, or make one attempt; seconds until the next turn, or IDLE."""
        subscription, changed, validated = self._take_changes()
        if changed or self._destination is None:  # read again from the cursor, through the new definition
            if self._destination is not None:
                self._destination.close()
            self._destination = self._destination_factory(subscription)
            self._pending = None
            self._ahead.clear()
            self._read_up_to = self._cursor
        destination = self._destination
        if not validated:
            wait = self._handshake(destination, subscription, self._handshake_failures + 1)
            self._handshake_failures = 0 if wait is None else self._handshake_failures + 1
            return 0.0 if wait is None else wait
        if self._pending is None:
            self._pending = self._next_batch(subscription)
            if self._pending is None:
                return IDLE
        self._pending = self._drop_expired(subscription, self._pending)
        if self._pending is None:
            return 0.0
        wait = self._attempt(destination, subscription, self._pending)
        if wait is None:
            self._pending = None
            return 0.0
        return wait

    def _handshake(self, destination: Destination, subscription: EventSubscription, attempt: int) -> Optional[float]:
        """Validate the endpoint; None when it agreed, else how long to wait before asking again."""
        if not isinstance(destination, Validated):  # nothing to agree to: deliver at once
            result, problem = Handshake.AGREED, ""
        else:
            code = str(uuid.uuid4()).upper()
            with self._condition:
                self._validation_code = code
            deadline = time.monotonic() + policy.RESPONSE_TIMEOUT_SECONDS
            result, problem = destination.handshake(code, self._emulator_url(), deadline)
        if result is Handshake.MANUAL:
            with self._condition:
                if not self._validated:
                    self._state = "AwaitingManualAction"
            logger.info("Subscription %s: waiting for a GET of the validation URL", subscription.name)
            return MANUAL_VALIDATION_SECONDS
        if result is Handshake.AGREED:
            with self._condition:
                keep = self._mark_validated()
            if keep:
                self._store.set_validated(self.name, True)
            logger.info("Subscription %s: %s validated", subscription.name, subscription.target)
            return None
        with self._condition:
            self._state = "Failed"
        wait = policy.retry_delay(attempt, self._retry_scale)
        logger.warning(
            "Subscription %s: %s refused the validation handshake (%s); asking again in %.3gs",
            subscription.name,
            subscription.target,
            problem,
            wait,
        )
        return wait

    def _next_batch(self, subscription: EventSubscription) -> Optional[_Batch]:
        """The next events after the cursor that the filters match, up to ``maxEventsPerBatch``; events that do not
        match are passed over (and the cursor moved past them when nothing else is found)."""
        chosen: List[StoredEvent] = []
        end = self._cursor
        while len(chosen) < subscription.max_events_per_batch and not self._stopped:
            if not self._ahead:
                page = self._events_since(self._read_up_to, PAGE)
                if not page:
                    break
                self._ahead.extend(page)
                self._read_up_to = page[-1].sequence
            if subscription.matches(self._ahead[0].event):
                chosen.append(self._ahead[0])
            end = self._ahead.popleft().sequence
        if not chosen:
            if end != self._cursor:
                self._advance(end)  # nothing here for this subscriber: never look at these events again
            return None
        return _Batch(chosen, end)

    def _drop_expired(self, subscription: EventSubscription, batch: _Batch) -> Optional[_Batch]:
        """Dead-letter the events of ``batch`` older than the time to live, on real time since their commit."""
        ttl = subscription.event_time_to_live_in_minutes * 60 * self._retry_scale
        expired = {i for i, stored in enumerate(batch.events) if self._commit_times.age(stored.sequence) > ttl}
        if not expired:
            return batch
        now = datetime.now(timezone.utc)
        why = DeadLetter(policy.TIME_TO_LIVE_REASON, batch.attempts, batch.last_outcome, batch.last_status, now)
        gone = sorted(expired)
        self._dead_letter(subscription, [batch.events[i] for i in gone], [batch.published[i] for i in gone], why)
        keep = [i for i in range(len(batch.events)) if i not in expired]
        if not keep:
            self._advance(batch.end)
            return None
        batch.events = [batch.events[i] for i in keep]
        batch.published = [batch.published[i] for i in keep]
        return batch

    def _dead_letter(
        self, subscription: EventSubscription, events: List[StoredEvent], published: List[datetime], why: DeadLetter
    ) -> None:
        try:
            write_dead_letters(subscription, [stored.event for stored in events], published, why)
        except OSError:
            logger.exception("Subscription %s: could not write dead-letter files", subscription.name)
        with self._condition:
            self._dead_lettered += len(events)

    def _attempt(self, destination: Destination, subscription: EventSubscription, batch: _Batch) -> Optional[float]:
        """One attempt at the batch; None when it is done with (delivered or dead-lettered), else the seconds to wait
        before trying again."""
        shaped = [wire.in_schema(subscription, stored.event) for stored in batch.events]
        result = destination.send(shaped, time.monotonic() + policy.RESPONSE_TIMEOUT_SECONDS)
        batch.attempts += 1
        batch.last_status = result.status
        batch.last_outcome = policy.outcome(result.delivered, result.status, result.description)
        with self._condition:
            self._last_outcome = batch.last_outcome
        if result.delivered:
            with self._condition:
                self._delivered += len(batch.events)
            self._advance(batch.end)
            return None
        reason = None if result.retry else policy.NOT_RETRIED.get(result.status or 0, policy.NOT_RETRIED_REASON)
        if reason is None and batch.attempts >= subscription.max_delivery_attempts:
            reason = policy.MAX_ATTEMPTS_REASON
        if reason is not None:
            why = DeadLetter(reason, batch.attempts, batch.last_outcome, result.status, datetime.now(timezone.utc))
            self._dead_letter(subscription, batch.events, batch.published, why)
            self._advance(batch.end)
            return None
        wait = policy.retry_delay(batch.attempts, self._retry_scale)
        logger.info(
            "Subscription %s: attempt %d of %d events failed (%s); next in %.3gs",
            subscription.name,
            batch.attempts,
            len(batch.events),
            result.description,
            wait,
        )
        return wait
