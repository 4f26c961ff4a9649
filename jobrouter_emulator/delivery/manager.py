"""The emulator's event subscriptions: defined at start or at run time, kept in their store, one subscriber each.

The router is reached through three calls only: ``add_event_listener`` (to wake subscribers when events commit),
``events_since`` (to read them after a cursor) and ``last_event_sequence`` (where a new subscription starts).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..engine.router import Router
from .policy import RESPONSE_TIMEOUT_SECONDS
from .state import SubscriptionRecord, SubscriptionStore
from .subscriber import Subscriber
from .subscription import EventSubscription

logger = logging.getLogger(__name__)


def _http_client() -> Any:
    import httpx

    return httpx.Client(timeout=RESPONSE_TIMEOUT_SECONDS)


class EventDelivery:
    """Creates, changes and removes subscriptions; every change is stored before it takes effect."""

    def __init__(
        self,
        router: Router,
        store: SubscriptionStore,
        *,
        retry_scale: float = 1.0,
        client_factory: Callable[[], Any] = _http_client,
    ) -> None:
        if not retry_scale > 0:
            raise ValueError(f"retry_scale must be a positive number, got {retry_scale!r}")
        self._router = router
        self._store = store
        self._retry_scale = retry_scale
        self._client_factory = client_factory
        self._subscribers: Dict[str, Subscriber] = {}
        self._lock = threading.Lock()
        self._started = False
        self.emulator_url = "http://127.0.0.1/"  # set by the server once it listens: the base of validation URLs
        router.add_event_listener(self._committed)

    def _committed(self, stored: List[Any]) -> None:
        for subscriber in list(self._subscribers.values()):
            subscriber.notify()

    def _subscriber(self, record: SubscriptionRecord) -> Subscriber:
        return Subscriber(
            record,
            events_since=self._router.events_since,
            store=self._store,
            retry_scale=self._retry_scale,
            emulator_url=lambda: self.emulator_url,
            client_factory=self._client_factory,
        )

    # -- lifecycle ----------------------------------------------------------------------------------------------------
    def start(self, definitions: Sequence[EventSubscription] = ()) -> None:
        """Resume the stored subscriptions, then apply ``definitions`` (the command line's) over them."""
        with self._lock:
            for name, record in self._store.load().items():
                self._subscribers[name] = self._subscriber(record)
            self._started = True
            for subscriber in self._subscribers.values():
                subscriber.thread.start()
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
            if subscriber.thread.is_alive():
                subscriber.thread.join(timeout=max(0.0, deadline - time.monotonic()))
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
            record = SubscriptionRecord(subscription, self._router.last_event_sequence, False)
            self._store.put(record)
            subscriber = self._subscriber(record)
            self._subscribers[subscription.name] = subscriber
            if self._started:
                subscriber.thread.start()
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
