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
machinery's job, on Event Grid's schedule.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any, Mapping, Optional, Sequence

from . import Outcome

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
    """Writes events to one queue. Made by the subscriber for a subscription with ``endpointType`` StorageQueue."""

    def __init__(self, connection_string: str, queue_name: str, time_to_live_seconds: Optional[int] = None) -> None:
        self._queue_name = queue_name
        self._time_to_live = time_to_live_seconds
        self._client = _queue_client(connection_string, queue_name)

    @classmethod
    def for_subscription(cls, subscription: Any) -> StorageQueueDestination:
        return cls(
            subscription.connection_string,
            subscription.queue_name,
            subscription.queue_message_time_to_live_in_seconds,
        )

    def send(self, events: Sequence[Mapping[str, Any]], deadline: float) -> Outcome:
        from azure.core.exceptions import HttpResponseError

        for written, event in enumerate(events):
            left = deadline - time.monotonic()
            if left <= 0:
                return Outcome(False, None, f"no time left after {written} of {len(events)} messages", True)
            try:
                # Both timeouts per call, so the attempt ends by its deadline whatever the network does.
                self._client.send_message(
                    message_text(event), time_to_live=self._time_to_live, connection_timeout=left, read_timeout=left
                )
            except HttpResponseError as exc:
                status = exc.status_code
                code = getattr(exc, "error_code", None) or (exc.reason or "")
                description = f"HTTP {status} {code}".strip() if status else f"no answer: {_first_line(exc)}"
                return Outcome(False, status, description, status not in NOT_RETRIED_STATUSES)
            except Exception as exc:  # noqa: BLE001 - no answer (refused, reset, timed out) is a failed attempt
                return Outcome(False, None, f"no answer from the queue: {type(exc).__name__}: {_first_line(exc)}", True)
        return Outcome(True, 201, f"{len(events)} message(s) written to queue {self._queue_name}", False)

    def close(self) -> None:
        self._client.close()


_QUERY = re.compile(r"\?[^\s'\"]*")


def _first_line(exc: BaseException) -> str:
    """The error's first line, for logs, without query strings: with a SAS connection string the URL's query holds
    the signature, and nothing the emulator logs may carry a key or a signature."""
    return _QUERY.sub("?...", (str(exc).strip().splitlines() or [""])[0])[:200]
