"""Where a subscription's events go: one class per ``endpointType``, behind :class:`~.base.Destination`.

:func:`destination_for` is the one place a subscription's destination is chosen (the table :data:`DESTINATIONS`),
so a new kind of endpoint is one class and one row.
"""

from __future__ import annotations

from typing import Callable, Dict

from ...outbound import BoundedHttp
from ..subscription import STORAGE_QUEUE, WEB_HOOK, EventSubscription
from .base import Destination, Handshake, Outcome, Validated
from .storage_queue import StorageQueueDestination
from .webhook import WebHookDestination

DESTINATIONS: Dict[str, Callable[[EventSubscription, BoundedHttp], Destination]] = {
    WEB_HOOK: WebHookDestination,
    STORAGE_QUEUE: StorageQueueDestination.for_subscription,
}


def destination_for(subscription: EventSubscription, http: BoundedHttp) -> Destination:
    """The destination of ``subscription``, by its ``endpointType`` (a webhook unless it says otherwise)."""
    return DESTINATIONS[subscription.endpoint_type](subscription, http)


__all__ = [
    "DESTINATIONS",
    "Destination",
    "Handshake",
    "Outcome",
    "StorageQueueDestination",
    "Validated",
    "WebHookDestination",
    "destination_for",
]
