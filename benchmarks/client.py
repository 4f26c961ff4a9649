"""Client per-call overhead: get_job against a bare ``requests`` call, and against azure-communication-jobrouter 1.0.0.

    .venv/bin/python benchmarks/client.py --baseline-python /tmp/venv-jr100/bin/python
    .venv/bin/python benchmarks/client.py --floor-only      # without 1.0.0

1. The floor, side by side in one process: the same ``requests.Session``, with an in-process adapter that answers
   every request with a recorded job document (no network), read once by a bare ``session.get(url)`` followed by
   ``json.loads`` and once by ``JobRouterClient.get_job`` through azure-core's ``RequestsTransport`` on that session
   (the whole pipeline: request id, user agent, retry, HMAC signing, logging, tracing). Interleaved rounds; the best
   round of each is kept.
2. 1.0.0 (black box): get_job, upsert_job, upsert_worker and list_jobs through the full pipeline with an in-memory
   transport; the client rows of sdk_vs_1_0_0.py, which measures both interpreters.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Callable, Dict

import requests
from requests.adapters import BaseAdapter
from sdk_vs_1_0_0 import JOB, KEY, main

CALLS = 2000


class _Raw:
    """What azure-core's RequestsTransport sets on ``response.raw`` (urllib3's response, which there is none of)."""

    enforce_content_length = True


class InProcessAdapter(BaseAdapter):
    """A requests adapter that answers 200 with ``body`` without any network."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response.reason = "OK"
        response.headers["Content-Type"] = "application/json"
        response.headers["Content-Length"] = str(len(self.body))
        response._content = self.body
        response.raw = _Raw()
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def floor(calls: int = CALLS, rounds: int = 7) -> Dict[str, float]:
    """Best seconds per call over the same in-process session: bare requests + json.loads; azure-core's pipeline
    with no policy, then with the SDK's policies (a GET of the job URL, json.loads of the answer); get_job."""
    from azure.core import PipelineClient
    from azure.core.credentials import AzureKeyCredential
    from azure.core.pipeline.transport import RequestsTransport
    from azure.core.rest import HttpRequest

    from azure.communication.jobrouter import JobRouterClient
    from azure.communication.jobrouter._pipeline import build_policies

    session = requests.Session()
    session.mount("https://", InProcessAdapter(json.dumps(JOB).encode()))
    url = "https://x.communication.azure.com/routing/jobs/job-1?api-version=2023-11-01"
    client = JobRouterClient.from_connection_string(
        f"endpoint=https://x.communication.azure.com/;accesskey={KEY}",
        transport=RequestsTransport(session=session, session_owner=False),
    )

    def bare() -> None:
        for _ in range(calls):
            json.loads(session.get(url, headers={"Accept": "application/json"}).content)

    def pipeline_with(policies: list) -> Callable[[], None]:
        transport = RequestsTransport(session=session, session_owner=False)
        pipeline = PipelineClient(base_url=url, policies=policies, transport=transport)

        def run() -> None:
            for _ in range(calls):
                request = HttpRequest("GET", url, headers={"Accept": "application/json"})
                json.loads(pipeline.send_request(request).content)

        return run

    def sdk() -> None:
        for _ in range(calls):
            client.get_job("job-1")

    runs: Dict[str, Callable[[], None]] = {
        "bare": bare,
        "core": pipeline_with([]),
        "policies": pipeline_with(build_policies(AzureKeyCredential(KEY), is_async=False)),
        "sdk": sdk,
    }
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], (time.perf_counter() - start) / calls)
    assert client.get_job("job-1").id == "job-1"
    return best


ROWS = {
    "bare": "bare: session.get + json.loads",
    "core": "azure-core PipelineClient, no policy, RequestsTransport + json.loads",
    "policies": "the same with the SDK's policies (request id, user agent, retry, HMAC, logging, tracing, ...)",
    "sdk": "JobRouterClient.get_job (all of the above + building the request, reading a RouterJob)",
}


def print_floor() -> None:
    figures = floor()
    bare = figures["bare"]
    print("| call, same requests session, in-process adapter | µs per call | vs bare |")
    print("| --- | ---: | ---: |")
    for name, label in ROWS.items():
        print(f"| {label} | {figures[name] * 1e6:.1f} | {figures[name] / bare:.2f}x |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--floor-only", action="store_true")
    known, rest = parser.parse_known_args()
    print_floor()
    if known.floor_only:
        sys.exit(0)
    print()
    sys.argv = [sys.argv[0], *rest]
    sys.exit(main(only="client"))
