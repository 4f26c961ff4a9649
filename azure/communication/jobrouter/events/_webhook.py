"""Webhook handshakes: Event Grid's subscription validation and CloudEvents' abuse protection.

Framework-free: give the request's pieces, get back what to answer.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional

VALIDATION_EVENT_TYPE = "Microsoft.EventGrid.SubscriptionValidationEvent"


def subscription_validation_response(body: Any) -> Optional[Dict[str, str]]:
    """``{"validationResponse": code}`` when ``body`` is Event Grid's validation request, else None.

    ``body`` may be the parsed JSON, text or bytes.
    """
    if isinstance(body, (bytes, bytearray, str)):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    events = body if isinstance(body, list) else [body]
    for event in events:
        if isinstance(event, dict) and event.get("eventType") == VALIDATION_EVENT_TYPE:
            code = (event.get("data") or {}).get("validationCode")
            if code:
                return {"validationResponse": code}
    return None


def cloudevents_handshake_headers(request_headers: Mapping[str, str], *, allowed_rate: int = 120) -> Dict[str, str]:
    """Headers that answer a CloudEvents webhook validation (HTTP OPTIONS with ``WebHook-Request-Origin``)."""
    lowered = {k.lower(): v for k, v in request_headers.items()}
    origin = lowered.get("webhook-request-origin")
    if not origin:
        raise ValueError("Not a CloudEvents validation request: the WebHook-Request-Origin header is missing")
    return {"WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": str(allowed_rate)}
