"""One subscription's delivery loop, on a thread of its own so a slow or dead subscriber delays nobody else.

The loop: handshake once (kept in the store), then take the next batch after the cursor (only events the filters
match, up to ``maxEventsPerBatch``), post it, and on success move the cursor past it. A failed attempt is retried
on Event Grid's schedule; a status that is not retried, the last allowed attempt or an event past its time to
live sends the batch to dead-letter and moves the cursor on. One batch is in flight at a time, so events arrive in
commit order, at least once.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from ..store.base import StoredEvent
from . import policy, wire
from .deadletter import DeadLetter, write_dead_letters
from .destinations import Destination, Outcome
from .state import SubscriptionRecord, SubscriptionStore
from .subscription import CLOUD_EVENT_SCHEMA, STORAGE_QUEUE, EventSubscription

logger = logging.getLogger(__name__)

PAGE = 1000  # events read from the store at a time while looking for the next batch
MANUAL_VALIDATION_SECONDS = 300.0  # how long a validationUrl stays open, as Event Grid's does

EventsSince = Callable[[int, int], List[StoredEvent]]


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
    """Delivers one subscription. Other threads call :meth:`notify`, :meth:`update`, :meth:`validate_manually`,
    :meth:`view` and :meth:`stop`; only the subscriber's own thread posts, reads events and moves the cursor."""

    def __init__(
        self,
        record: SubscriptionRecord,
        *,
        events_since: EventsSince,
        store: SubscriptionStore,
        retry_scale: float,
        emulator_url: Callable[[], str],
        client_factory: Callable[[], Any],
    ) -> None:
        self._subscription = record.subscription
        self._cursor = record.cursor
        self._validated = record.validated
        self._events_since = events_since
        self._store = store
        self._retry_scale = retry_scale
        self._emulator_url = emulator_url
        self._client_factory = client_factory
        self._condition = threading.Condition()
        self._new_events = True
        self._changed = False  # the definition changed: drop the pending batch
        self._interrupt = False  # end the current pause (a new definition, a manual validation)
        self._stopped = False
        self._forgotten = False  # deleted: write nothing more to the store
        self._state = "Succeeded" if record.validated else "Creating"
        self._validation_code: Optional[str] = None
        self._last_outcome: Optional[str] = None
        self._delivered = 0
        self._dead_lettered = 0
        # Events read from the store but not yet taken into a batch (read a page at a time, used one batch at a time).
        self._ahead: Deque[StoredEvent] = deque()
        self._read_up_to = record.cursor
        self._handshake_failures = 0
        self._destination: Optional[Tuple[EventSubscription, Destination]] = None  # a queue's, for its definition
        self.thread = threading.Thread(target=self._run, name=f"jobrouter-delivery-{record.subscription.name}")
        self.thread.daemon = True

    # -- called from other threads ------------------------------------------------------------------------------------
    @property
    def subscription(self) -> EventSubscription:
        return self._subscription

    @property
    def name(self) -> str:
        return self._subscription.name

    def notify(self) -> None:
        with self._condition:
            self._new_events = True
            self._condition.notify_all()

    def update(self, subscription: EventSubscription) -> None:
        """A new definition: the pending batch is rebuilt with it; a new endpoint or schema is validated again."""
        with self._condition:
            if not subscription.same_endpoint(self._subscription):
                self._validated = False
                self._state = "Creating"
            self._subscription = subscription
            self._changed = self._interrupt = True
            self._condition.notify_all()

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
        with self._condition:
            self._stopped = True
            self._forgotten = self._forgotten or forget
            self._condition.notify_all()

    def record(self) -> SubscriptionRecord:
        with self._condition:
            return SubscriptionRecord(self._subscription, self._cursor, self._validated)

    def view(self) -> Dict[str, Any]:
        with self._condition:
            return {
                **self._subscription.to_json(redact=True),
                "provisioningState": self._state,
                "cursor": self._cursor,  # the last event handled: acknowledged, dead-lettered or filtered out
                "deliveredEvents": self._delivered,
                "deadLetteredEvents": self._dead_lettered,
                "lastDeliveryOutcome": self._last_outcome,
            }

    # -- the delivery thread ------------------------------------------------------------------------------------------
    def _mark_validated(self) -> bool:
        """With the condition held; True when the caller should store it (after letting go of the condition, so the
        router's commit listener never waits on a database write)."""
        self._validated = True
        self._state = "Succeeded"
        self._interrupt = True
        self._condition.notify_all()
        return not self._forgotten

    def _take_changes(self) -> Tuple[EventSubscription, bool, bool]:
        """The current definition, whether it changed since the last look, and whether the endpoint is validated."""
        with self._condition:
            changed, self._changed, self._interrupt = self._changed, False, False
            return self._subscription, changed, self._validated

    def _pause(self, seconds: float) -> None:
        """Wait ``seconds``, or less if stopped, redefined or validated meanwhile (new events do not end a pause)."""
        with self._condition:
            self._condition.wait_for(lambda: self._stopped or self._interrupt, timeout=seconds)

    def _wait_for_events(self) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._stopped or self._interrupt or self._new_events, timeout=1.0)
            self._new_events = False

    def _advance(self, cursor: int) -> None:
        with self._condition:
            self._cursor = cursor
            if self._forgotten:
                return
        self._store.set_cursor(self._subscription.name, cursor)

    def _run(self) -> None:
        pending: Optional[_Batch] = None
        with self._client_factory() as client:
            while not self._stopped:
                try:
                    pending = self._step(client, pending)
                except Exception:  # noqa: BLE001 - a bug or a broken store must not end delivery for good
                    logger.exception("Subscription %s: delivery failed; starting again from the cursor", self.name)
                    pending = None
                    self._ahead.clear()
                    self._read_up_to = self._cursor
                    self._pause(policy.retry_delay(1, self._retry_scale))
        if self._destination is not None:
            self._destination[1].close()

    def _step(self, client: Any, pending: Optional[_Batch]) -> Optional[_Batch]:
        """One turn of the loop: handshake, or take a batch, or deliver it; returns the batch still to deliver."""
        subscription, changed, validated = self._take_changes()
        if changed:  # read again from the cursor, through the new filters
            pending = None
            self._ahead.clear()
            self._read_up_to = self._cursor
        if not validated:
            wait = self._handshake(client, subscription, self._handshake_failures + 1)
            self._handshake_failures = 0 if wait is None else self._handshake_failures + 1
            if wait is not None:
                self._pause(wait)
            return None
        if pending is None:
            pending = self._next_batch(subscription)
            if pending is None:
                self._wait_for_events()
                return None
        pending = self._drop_expired(subscription, pending)
        return None if pending is None else self._attempt(client, subscription, pending)

    def _handshake(self, client: Any, subscription: EventSubscription, attempt: int) -> Optional[float]:
        """Validate the endpoint; None when it agreed, else how long to wait before asking again."""
        if subscription.endpoint_type == STORAGE_QUEUE:  # no handshake: Event Grid writes to a queue it can reach
            with self._condition:
                keep = self._mark_validated()
            if keep:
                self._store.set_validated(self.name, True)
            return None
        url = subscription.endpoint_url
        try:
            if subscription.event_delivery_schema == CLOUD_EVENT_SCHEMA:
                response = client.request("OPTIONS", url, headers=wire.abuse_protection_headers())
                # Consent is the header, whatever the success status (CloudEvents' webhook spec).
                agreed = 200 <= response.status_code < 300 and wire.origin_allowed(response.headers)
            else:
                code = str(uuid.uuid4()).upper()
                with self._condition:
                    self._validation_code = code
                body, headers = wire.validation_request(subscription, code, self._emulator_url())
                response = client.post(url, content=body, headers=headers)
                agreed = response.status_code == 200 and wire.validation_code_returned(response.content, code)
                if response.status_code == 200 and not agreed:
                    with self._condition:
                        if not self._validated:
                            self._state = "AwaitingManualAction"
                    logger.info("Subscription %s: waiting for a GET of the validation URL", subscription.name)
                    return MANUAL_VALIDATION_SECONDS
            problem = f"status {response.status_code}"
        except Exception as exc:  # noqa: BLE001 - any failure to reach the endpoint is retried
            agreed, problem = False, f"{type(exc).__name__}: {exc}"
        if agreed:
            with self._condition:
                keep = self._mark_validated()
            if keep:
                self._store.set_validated(self.name, True)
            logger.info("Subscription %s: %s validated", subscription.name, url)
            return None
        with self._condition:
            self._state = "Failed"
        wait = policy.retry_delay(attempt, self._retry_scale)
        logger.warning(
            "Subscription %s: %s refused the validation handshake (%s); asking again in %.3gs",
            subscription.name,
            url,
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
        ttl = timedelta(seconds=subscription.event_time_to_live_in_minutes * 60 * self._retry_scale)
        now = datetime.now(timezone.utc)
        expired = {index for index, published in enumerate(batch.published) if now - published > ttl}
        if not expired:
            return batch
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

    def _attempt(self, client: Any, subscription: EventSubscription, batch: _Batch) -> Optional[_Batch]:
        """Post the batch once; returns it when it must be tried again (after a pause), else None."""
        status: Optional[int] = None
        error: Optional[BaseException] = None
        sent: Optional[Outcome] = None
        if subscription.endpoint_type == STORAGE_QUEUE:
            sent = self._send_to_queue(subscription, batch)
            status = sent.status
        else:
            body, headers = wire.notification(subscription, [stored.event for stored in batch.events], batch.attempts)
            try:
                status = client.post(subscription.endpoint_url, content=body, headers=headers).status_code
            except Exception as exc:  # noqa: BLE001 - no answer is a failed attempt, like an error status
                error = exc
        batch.attempts += 1
        batch.last_status, batch.last_outcome = status, policy.outcome(status, error)
        with self._condition:
            self._last_outcome = batch.last_outcome
        if status in policy.SUCCESS_STATUSES:
            with self._condition:
                self._delivered += len(batch.events)
            self._advance(batch.end)
            return None
        now = datetime.now(timezone.utc)
        reason = policy.NOT_RETRIED.get(status or 0)
        if sent is not None:  # the destination decides what is retried
            reason = None if sent.retry else (reason or f"Undeliverable: {sent.description}")
        if reason is None and batch.attempts >= subscription.max_delivery_attempts:
            reason = policy.MAX_ATTEMPTS_REASON
        if reason is not None:
            why = DeadLetter(reason, batch.attempts, batch.last_outcome, status, now)
            self._dead_letter(subscription, batch.events, batch.published, why)
            self._advance(batch.end)
            return None
        wait = policy.retry_delay(batch.attempts, self._retry_scale)
        logger.info(
            "Subscription %s: attempt %d of %d events failed (%s); next in %.3gs",
            subscription.name,
            batch.attempts,
            len(batch.events),
            sent.description if sent else batch.last_outcome if status is None else f"status {status}",
            wait,
        )
        self._pause(wait)
        return batch

    def _send_to_queue(self, subscription: EventSubscription, batch: _Batch) -> Outcome:
        """One attempt at a Storage queue, through a destination kept while the definition stays the same."""
        if self._destination is None or self._destination[0] != subscription:
            if self._destination is not None:
                self._destination[1].close()
                self._destination = None
            from .destinations.storage_queue import StorageQueueDestination

            try:
                self._destination = (subscription, StorageQueueDestination.for_subscription(subscription))
            except Exception as exc:  # noqa: BLE001 - a connection string the SDK refuses: a failed attempt
                return Outcome(False, None, f"cannot open the queue: {type(exc).__name__}: {exc}", True)
        events = [wire.in_schema(subscription, stored.event) for stored in batch.events]
        return self._destination[1].send(events, time.monotonic() + policy.RESPONSE_TIMEOUT_SECONDS)
