"""azure-core's retry policy riding through throttling: a tenth of the requests are answered 429 with Retry-After,
and every call still succeeds.

The client is built with the retry settings applications tune (``retry_total``, ``retry_backoff_factor``). Against the
local emulator the sample turns on its fault injection (a signed ``PUT /_emulator/faults``, sent through the client's
own pipeline); against Azure nothing is injected and the same calls simply run.

Usage: python samples/retries_and_throttling.py
"""

from __future__ import annotations

import os
import sys
import uuid
from collections import Counter

from _connection import ENVIRONMENT_VARIABLE, router_connection
from azure.core.pipeline import PipelineResponse
from azure.core.rest import HttpRequest

from azure.communication.jobrouter import JobRouterClient

CALLS = 80


def main() -> int:
    statuses: Counter = Counter()

    def every_attempt(response: PipelineResponse) -> None:
        """Runs after each HTTP attempt, retries included (the hook sits behind the retry policy)."""
        status = response.http_response.status_code
        statuses[status] += 1
        if status == 429:
            retry_after = response.http_response.headers.get("Retry-After")
            print(f"  429 on {response.http_request.method} (Retry-After: {retry_after} s): azure-core retries it")

    with router_connection() as connection_string:
        client = JobRouterClient.from_connection_string(
            connection_string,
            retry_total=5,  # attempts after the first, per call
            retry_backoff_factor=0.2,  # seconds, doubled each retry, when the answer carries no Retry-After
            raw_response_hook=every_attempt,
        )
        on_emulator = not os.environ.get(ENVIRONMENT_VARIABLE)
        if on_emulator:
            # 10% of /routing requests throttled. A real service asks for seconds; 0.05 keeps the sample quick.
            plan = {"throttle": 0.1, "retryAfterSeconds": 0.05, "seed": 7}
            client.send_request(HttpRequest("PUT", "/_emulator/faults", json=plan)).raise_for_status()

        worker_ids = [f"retries-{uuid.uuid4().hex[:8]}-{index}" for index in range(CALLS // 2)]
        try:
            for index, worker_id in enumerate(worker_ids):
                client.upsert_worker(worker_id, capacity=index % 3 + 1)
                assert client.get_worker(worker_id).capacity == index % 3 + 1
        finally:
            if on_emulator:
                client.send_request(HttpRequest("DELETE", "/_emulator/faults")).raise_for_status()
            for worker_id in worker_ids:
                client.delete_worker(worker_id)

    print(f"{CALLS} calls succeeded; the retry policy rode through {statuses[429]} throttled responses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
