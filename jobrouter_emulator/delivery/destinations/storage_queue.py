"""A Storage queue destination: each event written as one queue message, as Event Grid writes them.

What Event Grid does, and so what this does (sources below):
- one event per message, whatever the batch: a queue destination has no batching (``maxEventsPerBatch`` belongs to
  webhook destinations);
- the message text is the event's JSON (one object, not an array), UTF-8, then Base64-encoded: the Job Router guide's
  receiver base64-decodes the message body before ``EventGridEvent.Parse``. So a receiver reads the text as it comes
  (``QueueClient``'s defaults, no decode policy) and base64-decodes it, or sets ``BinaryBase64DecodePolicy``;
- either delivery schema: the event is written in the subscription's ``eventDeliverySchema`` (Event Grid or
  CloudEvents v1.0);
- the message's time to live is the subscription's ``queueMessageTimeToLiveInSeconds`` (-1: never expires);
- a write that Storage accepts (201) is a success. Event Grid does not retry "Azure resource" destinations that answer
  400, 403 or 413 (the configuration cannot succeed: those go to dead-letter at once); everything else is retried on
  the delivery schedule, a missing queue (404 QueueNotFound) and no answer included. The queue is never created here:
  it must exist, as in Azure.

Sources: "Subscribe to Job Router events" (https://learn.microsoft.com/azure/communication-services/how-tos/router-sdk/
subscribe-events), "Storage queue as an event handler" (https://learn.microsoft.com/azure/event-grid/
handler-storage-queues), "Event Grid message delivery and retry" (https://learn.microsoft.com/azure/event-grid/
delivery-and-retry), and the ``StorageQueueEventSubscriptionDestination`` reference of Event Grid's management API.

Writes use ``azure-storage-queue`` (the ``[storage-queue]`` extra) with its own retries off: retrying is the delivery
machinery's job, on Event Grid's schedule. Like every destination (:mod:`.base`), this one only writes one batch per
call and reports an :class:`~.base.Outcome`: events arrive already in the subscription's schema, and what is retried,
dead-lettered (with which reason) and when is the machinery's. It needs no validation handshake (it has no
``handshake()``: Event Grid writes to a queue it can reach), and it does not use the emulator's outbound HTTP helper:
the Storage SDK has its own transport, bounded here by the attempt's deadline.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from azure.core.exceptions import HttpResponseError, ServiceRequestTimeoutError, ServiceResponseTimeoutError

from .. import policy
from .base import Outcome

if TYPE_CHECKING:
    from ...outbound import BoundedHttp
    from ..subscription import EventSubscription

NOT_RETRIED_STATUSES = frozenset({400, 403, 413})  # Event Grid's list for Azure resource destinations
INSTALL_HINT = "pip install 'azure-communication-jobrouter[storage-queue]'"


def message_text(event: Mapping[str, Any]) -> str:
    """The text of the queue message that carries ``event``: its JSON, UTF-8, Base64-encoded."""
    return base64.b64encode(json.dumps(event, separators=(",", ":")).encode("utf-8")).decode("ascii")


def _queue_client(connection_string: str, queue_name: str) -> Any:
    try:
        from azure.storage.queue import QueueClient
    except ImportError as exc:  # the extra is missing: say how to get it
        raise ImportError(f"Storage queue subscriptions need azure-storage-queue: {INSTALL_HINT}") from exc
    # No retries inside the SDK: a failed write is reported to the delivery machinery, which retries it.
    return QueueClient.from_connection_string(connection_string, queue_name, retry_total=0)


class StorageQueueDestination:
    """Writes events to one queue: the destination of a subscription with ``endpointType`` StorageQueue."""

    def __init__(self, connection_string: str, queue_name: str, time_to_live_seconds: Optional[int] = None) -> None:
        self._connection_string = connection_string
        self._queue_name = queue_name
        self._time_to_live = time_to_live_seconds
        self._client: Any = None  # opened by the first attempt, so that a client the SDK refuses fails an attempt

    @classmethod
    def for_subscription(cls, subscription: EventSubscription, http: BoundedHttp) -> StorageQueueDestination:
        """The row of :data:`~.DESTINATIONS`: built from ``(subscription, http)`` like every destination; ``http``
        goes unused (the Storage SDK has its own transport)."""
        return cls(
            subscription.connection_string,
            subscription.queue_name,
            subscription.queue_message_time_to_live_in_seconds,
        )

    def send(self, events: Sequence[Mapping[str, Any]], deadline: float) -> Outcome:
        if self._client is None:
            try:
                self._client = _queue_client(self._connection_string, self._queue_name)
            except Exception as exc:  # noqa: BLE001 - a connection string the SDK refuses, or no SDK: a failed attempt
                return Outcome(False, None, f"cannot open the queue: {type(exc).__name__}: {_first_line(exc)}", True)
        for written, event in enumerate(events):
            left = deadline - time.monotonic()
            if left <= 0:
                return Outcome(False, None, policy.NO_ANSWER, True)  # lastDeliveryOutcome TimedOut, as for a webhook
            try:
                # Both timeouts per call, so the attempt ends by its deadline whatever the network does.
                self._client.send_message(
                    message_text(event), time_to_live=self._time_to_live, connection_timeout=left, read_timeout=left
                )
            except HttpResponseError as exc:
                status = exc.status_code
                code = getattr(exc, "error_code", None) or (exc.reason or "")
                if status:
                    return Outcome(False, status, f"HTTP {status} {code}".strip(), status not in NOT_RETRIED_STATUSES)
                return self._no_answer(exc, deadline, written, len(events))
            except Exception as exc:  # noqa: BLE001 - no answer (refused, reset, timed out) is a failed attempt
                return self._no_answer(exc, deadline, written, len(events))
        return Outcome(True, 201, f"{len(events)} message(s) written to queue {self._queue_name}", False)

    @staticmethod
    def _no_answer(exc: BaseException, deadline: float, written: int, count: int) -> Outcome:
        timed_out = isinstance(exc, (ServiceRequestTimeoutError, ServiceResponseTimeoutError))
        if timed_out or time.monotonic() >= deadline:  # the attempt's time ran out: TimedOut, as for a webhook
            return Outcome(False, None, policy.NO_ANSWER, True)
        where = f" after {written} of {count} messages" if written else ""
        return Outcome(False, None, f"no answer from the queue{where}: {type(exc).__name__}: {_first_line(exc)}", True)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()


_QUERY = re.compile(r"\?[^\s'\"]*")


def _first_line(exc: BaseException) -> str:
    """The error's first line, for logs, without query strings: with a SAS connection string the URL's query holds
    the signature, and nothing the emulator logs may carry a key or a signature."""
    return _QUERY.sub("?...", (str(exc).strip().splitlines() or [""])[0])[:200]
