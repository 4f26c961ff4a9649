"""SDK speed against the official azure-communication-jobrouter 1.0.0, used as a black box.

The same workload (public API only) runs in two interpreters: ours (this checkout) and a virtual environment
with 1.0.0 installed. Each prints its timings as JSON; this script prints them side by side with ratios.

    python3 -m venv /tmp/venv-jr100 && /tmp/venv-jr100/bin/pip install azure-communication-jobrouter==1.0.0
    .venv/bin/python benchmarks/sdk_vs_1_0_0.py --baseline-python /tmp/venv-jr100/bin/python

Workloads: reading 2,000 recorded-shape job documents into models and touching every field; building them from
keywords; serializing; and client calls through the full azure-core pipeline with an in-memory transport
(get_job x 500, list_jobs over 2,000 jobs in pages of 100, upsert_worker x 500, upsert_job x 500). This is the
benchmark of the models issue (read, build + serialize, memory) and of the clients issue (per-call overhead).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

JOB = {
    "id": "job-1",
    "channelReference": "ref",
    "status": "assigned",
    "enqueuedAt": "2023-11-03T21:26:56.3969679+00:00",
    "channelId": "voice",
    "queueId": "q",
    "priority": 5,
    "dispositionCode": None,
    "requestedWorkerSelectors": [
        {"key": "skill", "labelOperator": "greaterThan", "value": 5, "expedite": False, "status": "active"}
    ],
    "attachedWorkerSelectors": [],
    "labels": {"language": "en", "tier": 2},
    "tags": {"crm": "x"},
    "assignments": {"a1": {"assignmentId": "a1", "workerId": "w1", "assignedAt": "2023-11-03T21:27:00.1234567+00:00"}},
    "notes": [{"message": "hello", "addedAt": "2023-11-03T21:27:00.1234567+00:00"}],
    "matchingMode": {"kind": "queueAndMatch"},
    "etag": '"0x1"',
}
WORKER = {
    "id": "w1",
    "state": "active",
    "capacity": 10,
    "queues": ["q"],
    "labels": {"Id": "w1"},
    "tags": {},
    "channels": [{"channelId": "voice", "capacityCostPerJob": 1}],
    "offers": [],
    "assignedJobs": [],
    "loadRatio": 0,
    "availableForOffers": True,
    "etag": '"0x2"',
}
KEY = "a2V5LWZvci1iZW5jaG1hcmtzLW9ubHk="


def _best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def in_memory_transport(router):
    """An azure-core transport that answers every request with 200 and the JSON bytes ``router(request)`` gives."""
    from azure.core.pipeline.transport import HttpTransport
    from azure.core.rest._http_response_impl import HttpResponseImpl

    class Internal:
        def __init__(self, body: bytes) -> None:
            self.content = body
            self.headers = {"Content-Type": "application/json"}
            self.status = 200

    class Transport(HttpTransport):
        def __init__(self, router):
            self.router = router

        def __enter__(self):
            return self

        def __exit__(self, *a):
            pass

        def open(self):
            pass

        def close(self):
            pass

        def send(self, request, **kwargs):
            body = self.router(request)
            response = HttpResponseImpl(
                request=request,
                internal_response=Internal(body),
                status_code=200,
                reason="OK",
                content_type="application/json",
                headers={"Content-Type": "application/json"},
                stream_download_generator=None,
            )
            response._content = body
            response._is_closed = True
            response._is_stream_consumed = True
            return response

    return Transport(router)


def workload() -> dict:
    from azure.communication.jobrouter import JobRouterClient
    from azure.communication.jobrouter.models import RouterChannel, RouterJob, RouterWorker

    docs = [dict(JOB, id=f"job-{i}") for i in range(2000)]

    def read_models():
        for doc in docs:
            job = RouterJob(doc)
            _ = (job.id, job.status, job.enqueued_at, job.priority, job.labels, job.tags, job.matching_mode)
            _ = job.requested_worker_selectors[0].label_operator
            _ = job.assignments["a1"].assigned_at
            _ = job.notes[0].added_at

    def read_twice():
        for doc in docs[:500]:
            job = RouterJob(doc)
            for _ in range(20):
                _ = (job.enqueued_at, job.assignments, job.priority)

    def build_and_serialize():
        for i in range(2000):
            worker = RouterWorker(
                capacity=10,
                queues=["q"],
                labels={"n": i},
                channels=[RouterChannel(channel_id="voice", capacity_cost_per_job=1)],
                available_for_offers=True,
            )
            worker.as_dict()

    job_body = json.dumps(JOB).encode()
    worker_body = json.dumps(WORKER).encode()
    pages = {}
    for page in range(20):
        value = [dict(JOB, id=f"job-{page * 100 + i}") for i in range(100)]
        link = f"https://x.communication.azure.com/routing/jobs?page={page + 1}" if page < 19 else None
        pages[page] = json.dumps({"value": value, **({"nextLink": link} if link else {})}).encode()

    def route(request):
        url = request.url
        if "/routing/workers/" in url:
            return worker_body
        if "/routing/jobs?" in url:
            page = int(url.split("page=")[1].split("&")[0]) if "page=" in url else 0
            return pages[page]
        return job_body

    client = JobRouterClient.from_connection_string(
        f"endpoint=https://x.communication.azure.com/;accesskey={KEY}", transport=in_memory_transport(route)
    )

    def get_jobs():
        for _ in range(500):
            client.get_job("job-1")

    def list_jobs():
        count = sum(1 for _ in client.list_jobs(results_per_page=100))
        assert count == 2000, count

    def upsert_workers():
        for i in range(500):
            client.upsert_worker(f"w{i}", RouterWorker(capacity=10, available_for_offers=True))

    def upsert_jobs():
        for i in range(500):
            client.upsert_job(f"job-{i}", RouterJob(channel_id="voice", queue_id="q", priority=1, labels={"n": i}))

    def memory_per_job() -> float:
        import gc
        import tracemalloc

        gc.collect()
        tracemalloc.start()
        kept = []
        for doc in docs:
            job = RouterJob(json.loads(json.dumps(doc)))
            _ = (job.id, job.status, job.enqueued_at, job.labels, job.assignments["a1"].assigned_at)
            kept.append(job)
        current, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return current / len(kept)

    return {
        "memory per read job (bytes, incl. its JSON)": memory_per_job(),
        "read 2,000 jobs (every field once)": _best(read_models),
        "read 500 jobs, 20 reads of 3 fields each": _best(read_twice),
        "build + serialize 2,000 workers": _best(build_and_serialize),
        "get_job x 500 (full pipeline)": _best(get_jobs, 3),
        "list_jobs 2,000 items, pages of 100": _best(list_jobs, 3),
        "upsert_worker x 500 (full pipeline)": _best(upsert_workers, 3),
        "upsert_job x 500 (full pipeline)": _best(upsert_jobs, 3),
    }


CLIENT_ROWS = ("full pipeline", "list_jobs")  # the per-call client overhead rows; the others are about models


def main(only: str = "all") -> int:
    """Print the table; ``only="models"`` or ``"client"`` keeps that part (benchmarks/models.py, client.py)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-python", default="/tmp/venv-jr100/bin/python")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(workload()))
        return 0
    here = Path(__file__).resolve()
    ours = json.loads(
        subprocess.run(
            [sys.executable, str(here), "--worker"], capture_output=True, text=True, check=True, cwd=here.parent.parent
        ).stdout
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    baseline = json.loads(
        subprocess.run(
            [args.baseline_python, str(here), "--worker"], capture_output=True, text=True, check=True, cwd="/", env=env
        ).stdout
    )
    print("| workload | ours (ms) | 1.0.0 (ms) | 1.0.0 / ours |")
    print("| --- | ---: | ---: | ---: |")
    names = [n for n in ours if only == "all" or (only == "client") == any(marker in n for marker in CLIENT_ROWS)]
    for name in names:
        ratio = baseline[name] / ours[name]
        scale = 1 if name.startswith("memory") else 1000
        print(f"| {name} | {ours[name] * scale:,.1f} | {baseline[name] * scale:,.1f} | {ratio:.2f}x |")
    speed = [baseline[n] / ours[n] for n in names if not n.startswith("memory")]
    print(f"\n(geometric mean of the speed ratios: {statistics.geometric_mean(speed):.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
