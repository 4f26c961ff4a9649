"""What a destination is: the one thing that sends a batch somewhere and says how it went.

The delivery machinery (:mod:`..subscriber`) decides what to send and when (filters, batches, retries, time to live,
dead-letter, the cursor); a destination only sends one batch per call and reports an :class:`Outcome`. A new kind of
endpoint is a new class here and one row in :data:`~.DESTINATIONS`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Protocol, Sequence, Tuple, runtime_checkable


@dataclass(frozen=True)
class Outcome:
    delivered: bool  # the batch is done (2xx for a webhook; every message written for a queue)
    status: Optional[int]  # HTTP status seen, or None when there was no answer
    description: str  # for logs and the dead-letter reason, e.g. "HTTP 503", "no answer within 30 s"
    retry: bool  # False: dead-letter now without further attempts (Event Grid's non-retried cases)


class Destination(Protocol):
    """Sync: called from the delivery machinery's threads, never under the router's lock."""

    def send(self, events: Sequence[Mapping[str, Any]], deadline: float) -> Outcome:
        """Send ``events`` (already in the subscription's schema, in commit order) as one batch; the attempt must
        have ended by ``deadline`` (a ``time.monotonic()`` value, 30 s after it started)."""
        ...

    def close(self) -> None:
        """Free what the destination holds (the subscription was deleted, changed or the emulator stops)."""
        ...


class Handshake(enum.Enum):
    AGREED = "agreed"
    MANUAL = "manual"  # the endpoint answered but did not agree: wait for a GET of the validation URL
    REFUSED = "refused"


@runtime_checkable
class Validated(Protocol):
    """A destination whose endpoint must agree before it gets events (Event Grid's webhook handshakes). Destinations
    without this method get events at once."""

    def handshake(self, code: str, validation_url: str, deadline: float) -> Tuple[Handshake, str]:
        """Ask the endpoint; the result and, when it did not agree, why (for the log)."""
        ...
