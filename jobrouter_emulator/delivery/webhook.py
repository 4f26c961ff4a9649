"""Pushing events to webhook subscribers in the Event Grid schema.

Each subscriber gets its own thread and cursor: first the subscription validation handshake (a
``Microsoft.EventGrid.SubscriptionValidationEvent`` whose ``validationCode`` must come back as
``validationResponse``), then the events in commit order, in batches, retried with exponential backoff until
they are accepted (at least once, in order).
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from ..engine.router import Router

logger = logging.getLogger(__name__)


def validation_event(code: str, url: str) -> Dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "topic": "/jobrouter-emulator",
        "subject": "",
        "data": {"validationCode": code, "validationUrl": url},
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
        "metadataVersion": "1",
        "dataVersion": "2",
    }


class _Subscriber:
    def __init__(self, router: Router, url: str, *, batch_size: int, max_backoff: float) -> None:
        self.router = router
        self.url = url
        self.cursor = 0
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self.validated = False
        self.wakeup = threading.Event()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name=f"jobrouter-delivery-{url}", daemon=True)

    def _post(self, client: Any, events: List[Dict[str, Any]]) -> Any:
        return client.post(self.url, json=events, headers={"aeg-event-type": "Notification"}, timeout=10.0)

    def _handshake(self, client: Any) -> bool:
        code = str(uuid.uuid4())
        response = client.post(
            self.url,
            json=[validation_event(code, self.url)],
            headers={"aeg-event-type": "SubscriptionValidation"},
            timeout=10.0,
        )
        if response.status_code == 200 and response.json().get("validationResponse") == code:
            return True
        logger.warning("Webhook %s did not return the validation code (status %s)", self.url, response.status_code)
        return False

    def run(self) -> None:
        import httpx

        backoff = 0.5
        with httpx.Client() as client:
            while not self.stopped.is_set():
                try:
                    if not self.validated:
                        self.validated = self._handshake(client)
                        if not self.validated:
                            raise RuntimeError("validation failed")
                    stored = self.router.events_since(self.cursor, self.batch_size)
                    if not stored:
                        self.wakeup.wait(timeout=1.0)
                        self.wakeup.clear()
                        continue
                    response = self._post(client, [s.event for s in stored])
                    if response.status_code >= 300:
                        raise RuntimeError(f"status {response.status_code}")
                    self.cursor = stored[-1].sequence
                    backoff = 0.5
                except Exception as exc:  # noqa: BLE001 - any failure is retried with backoff
                    logger.info("Delivery to %s failed (%s); retrying in %.1fs", self.url, exc, backoff)
                    self.stopped.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff)


class WebhookDelivery:
    def __init__(self, router: Router, urls: List[str], *, batch_size: int = 100, max_backoff: float = 30.0) -> None:
        self.subscribers = [_Subscriber(router, url, batch_size=batch_size, max_backoff=max_backoff) for url in urls]
        router.add_event_listener(lambda stored: self._notify())

    def _notify(self) -> None:
        for subscriber in self.subscribers:
            subscriber.wakeup.set()

    def start(self) -> None:
        for subscriber in self.subscribers:
            subscriber.thread.start()

    def stop(self, timeout: Optional[float] = 5.0) -> None:
        for subscriber in self.subscribers:
            subscriber.stopped.set()
            subscriber.wakeup.set()
        for subscriber in self.subscribers:
            if subscriber.thread.is_alive():
                subscriber.thread.join(timeout=timeout)
