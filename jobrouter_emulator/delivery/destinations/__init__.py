"""Where a subscription's events go: one class per ``endpointType``, behind :class:`~.base.Destination`.

:func:`destination_for` is the one place a subscription's destination is chosen (the table :data:`DESTINATIONS`),
so a new kind of endpoint is one class and one row.
"""

from __future__ import annotations

from typing import Callable, Dict

from ...outbound import BoundedHttp
from ..subscription import EventSubscription
from .base import Destination, Handshake, Outcome, Validated
from .webhook import WebHookDestination

WEBHOOK = "WebHook"

DESTINATIONS: Dict[str, Callable[[EventSubscription, BoundedHttp], Destination]] = {
    WEBHOOK: WebHookDestination,
}


def destination_for(subscription: EventSubscription, http: BoundedHttp) -> Destination:
    """The destination of ``subscription``, by its ``endpointType`` (a webhook unless it says otherwise)."""
    return DESTINATIONS[getattr(subscription, "endpoint_type", WEBHOOK)](subscription, http)


__all__ = [
    "DESTINATIONS",
    "Destination",
    "Handshake",
    "Outcome",
    "Validated",
    "WebHookDestination",
    "destination_for",
]
