"""Event Grid's delivery policy as data: what counts as delivered, what is retried and when, what is dead-lettered.

From "Event Grid message delivery and retry" (https://learn.microsoft.com/azure/event-grid/delivery-and-retry):
- success is 200, 201, 202, 203 or 204; anything else, or no answer within 30 seconds, is a failure (the emulator
  also fails an answer larger than 1 MB: it reads no more, see :mod:`jobrouter_emulator.outbound`);
- a webhook answering 400, 401, 403 or 413 is not retried: the events go straight to dead-letter (the
  configuration cannot succeed); every other failure, 404 and 408 included, is retried on the schedule
  10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then every 12 h,
  until ``maxDeliveryAttempts`` or the event's time to live runs out, then dead-lettered.
Event Grid adds a small random jitter to each step; the emulator does not, so tests are repeatable.

Dead-letter reasons and outcomes use the names Event Grid writes into dead-letter blobs ("MaxDeliveryAttemptsExceeded",
"TimeToLiveExceeded", "UndeliverableDueToHttpBadRequest" with outcome "BadRequest", "TimedOut" for 408).
"""

from __future__ import annotations

from typing import Dict, Optional

SUCCESS_STATUSES = frozenset({200, 201, 202, 203, 204})
RESPONSE_TIMEOUT_SECONDS = 30.0  # one attempt, from the first byte sent to the last byte of the answer
# An Outcome's description when the attempt's deadline passed, and when the endpoint could not be reached.
NO_ANSWER = f"no answer within {RESPONSE_TIMEOUT_SECONDS:g} s"
NO_CONNECTION = "no connection"
RETRY_SCHEDULE_SECONDS = (10.0, 30.0, 60.0, 300.0, 600.0, 1800.0, 3600.0, 10800.0, 21600.0, 43200.0)

MAX_ATTEMPTS_REASON = "MaxDeliveryAttemptsExceeded"
TIME_TO_LIVE_REASON = "TimeToLiveExceeded"
NOT_RETRIED_REASON = "Undeliverable"  # a destination's outcome that is not retried, without a status of this table
# Statuses that end delivery at once, with the dead-letter reason Event Grid gives.
NOT_RETRIED: Dict[int, str] = {
    400: "UndeliverableDueToHttpBadRequest",
    401: "UndeliverableDueToHttpUnauthorized",
    403: "UndeliverableDueToHttpForbidden",
    413: "UndeliverableDueToHttpRequestEntityTooLarge",
}
_OUTCOMES: Dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    408: "TimedOut",
    413: "RequestEntityTooLarge",
    429: "Busy",
    503: "Busy",
}


def retry_delay(attempts_made: int, scale: float = 1.0) -> float:
    """Seconds to wait before the next attempt, after ``attempts_made`` failed ones (``scale`` speeds tests up)."""
    step = RETRY_SCHEDULE_SECONDS[min(max(attempts_made, 1), len(RETRY_SCHEDULE_SECONDS)) - 1]
    return step * scale


def outcome(delivered: bool, status: Optional[int], description: str) -> str:
    """The ``lastDeliveryOutcome`` of an attempt: a status, a timeout or a connection that failed."""
    if delivered:
        return "Succeeded"
    if status is None:
        return "TimedOut" if description == NO_ANSWER else "PeerConnectionFailed"
    return _OUTCOMES.get(status, "GenericError")  # a 2xx that was not delivered (answer too large) included
