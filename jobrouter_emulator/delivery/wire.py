"""What goes over the wire to a subscriber, as Event Grid sends it: handshakes, bodies, content types and headers.

- Event Grid schema: a JSON array of events, ``application/json; charset=utf-8``; the endpoint is validated first by
  a ``Microsoft.EventGrid.SubscriptionValidationEvent`` whose ``validationCode`` must come back as
  ``{"validationResponse": code}`` (or, for a manual handshake, by a GET of its ``validationUrl``).
- CloudEvents v1.0 schema: one event per request as ``application/cloudevents+json; charset=utf-8``, or with
  batching an array as ``application/cloudevents-batch+json; charset=utf-8``; the endpoint is validated first by
  CloudEvents' webhook abuse protection: ``OPTIONS`` with ``WebHook-Request-Origin: eventgrid.azure.net``, answered
  with ``WebHook-Allowed-Origin`` (that origin or ``*``); deliveries then carry ``Origin: eventgrid.azure.net``.
- Headers: ``aeg-event-type`` (Notification or SubscriptionValidation), ``aeg-subscription-name`` (upper-cased, as
  Event Grid also names dead-letter blobs), ``aeg-delivery-count`` (attempts made before this one: 0 first),
  ``aeg-data-version``, ``aeg-metadata-version`` ("1", or the CloudEvents spec version "1.0"), and
  ``aeg-output-event-id`` when a request carries one event.

Sources: "Webhook event delivery" and "Endpoint validation with CloudEvents schema"
(https://learn.microsoft.com/azure/event-grid/webhook-event-delivery), "Use CloudEvents v1.0 schema with Event Grid"
(https://learn.microsoft.com/azure/event-grid/cloud-event-schema), Event Grid's message headers table.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, Mapping, Sequence, Tuple

from azure.communication.jobrouter.events import VALIDATION_EVENT_TYPE

from ..engine.events import TOPIC
from ..engine.times import format_time
from .subscription import CLOUD_EVENT_SCHEMA, EventSubscription

ORIGIN = "eventgrid.azure.net"
CLOUD_EVENTS_SPEC_VERSION = "1.0"
ROUTER_DATA_VERSION = "1.0"


def as_cloud_event(event: Mapping[str, Any]) -> Dict[str, Any]:
    """An Event Grid event in the CloudEvents v1.0 schema, mapped as Event Grid maps system events."""
    return {
        "id": event["id"],
        "source": event.get("topic", TOPIC),
        "specversion": CLOUD_EVENTS_SPEC_VERSION,
        "type": event["eventType"],
        "subject": event.get("subject", ""),
        "time": event.get("eventTime"),
        "data": event.get("data"),
    }


def in_schema(subscription: EventSubscription, event: Mapping[str, Any]) -> Dict[str, Any]:
    return as_cloud_event(event) if subscription.event_delivery_schema == CLOUD_EVENT_SCHEMA else dict(event)


def notification(
    subscription: EventSubscription, shaped: Sequence[Mapping[str, Any]], delivery_count: int
) -> Tuple[bytes, Dict[str, str]]:
    """The body and headers of one delivery attempt of ``shaped`` (events already in the subscription's schema)."""
    cloud = subscription.event_delivery_schema == CLOUD_EVENT_SCHEMA
    headers = {
        "aeg-event-type": "Notification",
        "aeg-subscription-name": subscription.name.upper(),
        "aeg-delivery-count": str(delivery_count),
        # A CloudEvent has no dataVersion of its own; every Router event's is 1.0 (engine/events.py).
        "aeg-data-version": str(shaped[0].get("dataVersion", ROUTER_DATA_VERSION)),
    }
    if len(shaped) == 1:
        headers["aeg-output-event-id"] = str(shaped[0]["id"])
    payload: Any = list(shaped)
    if cloud:
        headers["aeg-metadata-version"] = CLOUD_EVENTS_SPEC_VERSION
        headers["Origin"] = ORIGIN
        if subscription.max_events_per_batch == 1:
            headers["Content-Type"] = "application/cloudevents+json; charset=utf-8"
            payload = shaped[0]
        else:
            headers["Content-Type"] = "application/cloudevents-batch+json; charset=utf-8"
    else:
        headers["aeg-metadata-version"] = str(shaped[0].get("metadataVersion", "1"))
        headers["Content-Type"] = "application/json; charset=utf-8"
    return json.dumps(payload, separators=(",", ":")).encode(), headers


def validation_event(code: str, validation_url: str) -> Dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "topic": TOPIC,
        "subject": "",
        "data": {"validationCode": code, "validationUrl": validation_url},
        "eventType": VALIDATION_EVENT_TYPE,
        "eventTime": format_time(datetime.now(timezone.utc)),
        "metadataVersion": "1",
        "dataVersion": "2",
    }


def validation_request(subscription: EventSubscription, code: str, emulator_url: str) -> Tuple[bytes, Dict[str, str]]:
    """Event Grid's subscription validation POST (Event Grid schema only); its ``validationUrl`` points at the
    emulator (``emulator_url``), where a GET completes a manual handshake."""
    url = f"{emulator_url.rstrip('/')}/_emulator/eventSubscriptions/{subscription.name}/validate?id={code}"
    body = [validation_event(code, url)]
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "aeg-event-type": "SubscriptionValidation",
        "aeg-subscription-name": subscription.name.upper(),
        "aeg-delivery-count": "0",
        "aeg-data-version": "2",
        "aeg-metadata-version": "1",
    }
    return json.dumps(body).encode(), headers


def validation_code_returned(response_body: bytes, code: str) -> bool:
    try:
        answer = json.loads(response_body)
    except ValueError:
        return False
    return isinstance(answer, dict) and str(answer.get("validationResponse", "")).lower() == code.lower()


def abuse_protection_headers() -> Dict[str, str]:
    """The CloudEvents validation request's headers (sent with OPTIONS)."""
    return {"WebHook-Request-Origin": ORIGIN}


def origin_allowed(response_headers: Mapping[str, str]) -> bool:
    allowed = {k.lower(): v for k, v in response_headers.items()}.get("webhook-allowed-origin", "")
    return any(item.strip() in ("*", ORIGIN) for item in allowed.lower().split(","))
