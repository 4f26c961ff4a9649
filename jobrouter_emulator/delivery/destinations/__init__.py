"""Where a subscription's events go. Delivery decides what and when (filters, retries, dead-letter, cursor); a
destination only sends one batch and reports the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Protocol, Sequence


@dataclass(frozen=True)
class Outcome:
    delivered: bool  # the batch is done (2xx for a webhook; every message written for a queue)
    status: Optional[int]  # HTTP status seen, or None when there was no answer
    description: str  # for logs and the dead-letter reason, e.g. "HTTP 503", "no answer within 30 s"
    retry: bool  # False: dead-letter now without further attempts (Event Grid's non-retried cases)


class Destination(Protocol):
    """Sync; called from the delivery machinery's threads, never under the router's lock."""

    def send(self, events: Sequence[Mapping[str, Any]], deadline: float) -> Outcome:
        """``events``: already in the subscription's schema (Event Grid or CloudEvents dicts), in commit order.
        ``deadline``: the ``time.monotonic()`` value by which the attempt must have ended (30 s per attempt)."""
        ...

    def close(self) -> None: ...


__all__ = ["Destination", "Outcome"]
