"""The emulator's event subscriptions: defined at start or at run time, kept in their store, one subscriber each,
all served by one shared machinery (:class:`~.scheduler.Scheduler`: a timetable and a few threads) and one outbound
HTTP helper (:class:`~jobrouter_emulator.outbound.BoundedHttp`).

At most :data:`MAX_SUBSCRIPTIONS` subscriptions, Event Grid's limit per topic: one more is refused with
:class:`TooManySubscriptions` (a 400). Deleting a subscription drops everything it held.

The router is reached through three calls only: ``add_event_listener`` (to wake subscribers when events commit),
``events_since`` (to read them after a cursor) and ``last_event_sequence`` (where a new subscription starts).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..engine.router import Router
from ..outbound import BoundedHttp
from .commit_times import CommitTimes
from .destinations import Destination, destination_for
from .scheduler import WORKERS, Scheduler
from .subscriber import Subscriber
from .subscription import MAX_TIME_TO_LIVE_MINUTES, EventSubscription, SubscriptionError
from .subscription_store import SubscriptionRecord, SubscriptionStore

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 500  # Event Grid's limit of event subscriptions per topic
NOTIFY_INLINE = 8  # subscriptions woken by the commit listener itself; with more, a fan-out turn does it
FAN_OUT_EVENTS = 1000  # new events a fan-out matches against each subscription's filters; past it, everyone wakes


class TooManySubscriptions(SubscriptionError):
    """A new subscription past :data:`MAX_SUBSCRIPTIONS`."""


class EventDelivery:
    """Creates, changes and removes subscriptions; every change is stored before it takes effect."""

    def __init__(
        self,
        router: Router,
        store: SubscriptionStore,
        *,
        retry_scale: float = 1.0,
        http: Optional[BoundedHttp] = None,
        workers: int = WORKERS,
    ) -> None:
        """``http``: the emulator's outbound helper, shared with rule calls (closed by its owner); without one, a
        helper of its own, closed by :meth:`stop`."""
        if not retry_scale > 0:
            raise ValueError(f"retry_scale must be a positive number, got {retry_scale!r}")
        self._router = router
        self._store = store
        self._retry_scale = retry_scale
        self._owns_http = http is None
        self._http = http if http is not None else BoundedHttp()
        self._scheduler = Scheduler(workers)
        self._commit_times = CommitTimes(
            router.last_event_sequence, horizon=MAX_TIME_TO_LIVE_MINUTES * 60 * retry_scale
        )
        self._subscribers: Dict[str, Subscriber] = {}
        self._lock = threading.Lock()
        # Waking subscribers happens off the router's lock, in one fan-out turn per burst of commits.
        self._fan_out_lock = threading.Lock()
        self._fan_out_due = False
        self._newest = self._fanned_out = router.last_event_sequence
        self._started = False
        self.emulator_url = "http://127.0.0.1/"  # set by the server once it listens: the base of validation URLs
        router.add_event_listener(self._committed)

    def _committed(self, stored: List[Any]) -> None:
        """The router's commit listener, under its lock: note the time, then wake a few subscribers at once, or ask
        for a fan-out when there are many."""
        if not stored:
            return
        self._commit_times.committed(stored[0].sequence)
        subscribers = list(self._subscribers.values())
        inline = len(subscribers) <= NOTIFY_INLINE  # a few: cheaper to wake them here than to switch threads
        with self._fan_out_lock:
            self._newest = stored[-1].sequence
            if inline:
                self._fanned_out = self._newest
            elif self._fan_out_due:
                return
            else:
                self._fan_out_due = True
        if not inline:
            self._scheduler.at(0.0, self._fan_out)
            return
        for subscriber in subscribers:
            subscriber.notify()

    def _fan_out(self) -> None:
        """Wake the subscribers that the new events concern (their filters match one of them); the others stay
        asleep and pass over these events when they next read. A long run of new events wakes everyone."""
        with self._fan_out_lock:
            self._fan_out_due = False
            since, newest = self._fanned_out, self._newest
            self._fanned_out = newest
        subscribers = list(self._subscribers.values())
        events = self._router.events_since(since, FAN_OUT_EVENTS) if newest - since <= FAN_OUT_EVENTS else None
        for subscriber in subscribers:
            if events is None or subscriber.interested(events):
                subscriber.notify()

    def _destination(self, subscription: EventSubscription) -> Destination:
        return destination_for(subscription, self._http)

    def _subscriber(self, record: SubscriptionRecord) -> Subscriber:
        return Subscriber(
            record,
            events_since=self._router.events_since,
            store=self._store,
            retry_scale=self._retry_scale,
            emulator_url=lambda: self.emulator_url,
            destination_factory=self._destination,
            scheduler=self._scheduler,
            commit_times=self._commit_times,
        )

    # -- lifecycle ----------------------------------------------------------------------------------------------------
    def start(self, definitions: Sequence[EventSubscription] = ()) -> None:
        """Resume the stored subscriptions, then apply ``definitions`` (the command line's) over them."""
        with self._lock:
            for name, record in self._store.load().items():
                self._subscribers[name] = self._subscriber(record)
            self._started = True
            self._scheduler.start()
            for subscriber in self._subscribers.values():
                subscriber.start()
        for subscription in definitions:
            self.put(subscription)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop every subscriber, waiting up to ``timeout`` seconds in all for deliveries in flight (their cursor is
        then stored); a slower one is left behind and its events are sent again after the next start."""
        with self._lock:
            subscribers = list(self._subscribers.values())
            self._subscribers.clear()
            self._started = False
        for subscriber in subscribers:
            subscriber.stop()
        deadline = time.monotonic() + timeout
        for subscriber in subscribers:
            subscriber.wait_stopped(max(0.0, deadline - time.monotonic()))
        self._scheduler.stop()
        if self._owns_http:
            self._http.close()
        self._store.close()

    # -- subscriptions ------------------------------------------------------------------------------------------------
    def put(self, subscription: EventSubscription) -> Tuple[Dict[str, Any], bool]:
        """Create or replace a subscription; returns its view and whether it was created. A new subscription gets the
        events committed from now on (as in Event Grid); a replaced one keeps its cursor."""
        with self._lock:
            current = self._subscribers.get(subscription.name)
            if current is not None:
                old = current.record()
                validated = old.validated and subscription.same_endpoint(old.subscription)
                self._store.put(SubscriptionRecord(subscription, old.cursor, validated))
                current.update(subscription)
                logger.info("Event subscription %s updated", subscription.name)
                return current.view(), False
            if len(self._subscribers) >= MAX_SUBSCRIPTIONS:
                raise TooManySubscriptions(
                    f"The emulator already has {len(self._subscribers)} event subscriptions, Event Grid's limit per "
                    f"topic; delete one before creating {subscription.name!r}.",
                    "name",
                )
            record = SubscriptionRecord(subscription, self._router.last_event_sequence, False)
            self._store.put(record)
            subscriber = self._subscriber(record)
            self._subscribers[subscription.name] = subscriber
            if self._started:
                subscriber.start()
        logger.info("Event subscription %s created for %s", subscription.name, subscription.target)
        return subscriber.view(), True

    def get(self, name: str) -> Optional[Dict[str, Any]]:
        subscriber = self._subscribers.get(name)
        return None if subscriber is None else subscriber.view()

    def list(self) -> List[Dict[str, Any]]:
        return [subscriber.view() for _, subscriber in sorted(self._subscribers.items())]

    def delete(self, name: str) -> bool:
        with self._lock:
            subscriber = self._subscribers.pop(name, None)
            if subscriber is None:
                return False
            subscriber.stop(forget=True)
            self._store.delete(name)
        logger.info("Event subscription %s deleted", name)
        return True

    def validate_manually(self, name: str, code: str) -> bool:
        subscriber = self._subscribers.get(name)
        return subscriber is not None and subscriber.validate_manually(code)
