"""Signed calls to the emulator's control routes through the SDK's pipeline, and events to deliver."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from azure.core.rest import HttpRequest, HttpResponse

from azure.communication.jobrouter import JobRouterClient
from jobrouter_emulator import EmbeddedEmulator
from tests.integration._polling import wait_for


def control(emulator: EmbeddedEmulator, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> HttpResponse:
    """A signed request to the emulator's control routes, through the SDK's pipeline (HMAC policy and all)."""
    client = JobRouterClient.from_connection_string(emulator.connection_string, retry_total=0)
    return client.send_request(HttpRequest(method, path, json=body))


def subscribe(emulator: EmbeddedEmulator, name: str, **definition: Any) -> Dict[str, Any]:
    response = control(emulator, "PUT", f"/_emulator/eventSubscriptions/{name}", definition)
    assert response.status_code in (200, 201), response.text()
    return response.json()


def wait_validated(emulator: EmbeddedEmulator, name: str) -> None:
    subscription_view(emulator, name, provisioningState="Succeeded")


def register_workers(emulator: EmbeddedEmulator, *worker_ids: str) -> None:
    """One RouterWorkerRegistered event per worker, in this order (subject ``worker/<id>``)."""
    client = JobRouterClient.from_connection_string(emulator.connection_string)
    for worker_id in worker_ids:
        client.upsert_worker(worker_id, capacity=1, available_for_offers=True)


def all_events(emulator: EmbeddedEmulator) -> List[Dict[str, Any]]:
    """Every event the emulator committed, in order (its ``/_emulator/events`` feed)."""
    return control(emulator, "GET", "/_emulator/events?since=0").json()["value"]


def subscription_view(emulator: EmbeddedEmulator, name: str, **expected: Any) -> Dict[str, Any]:
    """The subscription's GET, once it shows ``expected`` (counters move just after the webhook has answered)."""
    get = lambda: control(emulator, "GET", f"/_emulator/eventSubscriptions/{name}").json()  # noqa: E731
    wait_for(lambda: all(get()[key] == value for key, value in expected.items()))
    return get()
