"""The SDK's read path beside azure-communication-jobrouter 1.0.0 (black box) and beside the floors azure-core allows.

    python3 -m venv /tmp/venv-jr100 && /tmp/venv-jr100/bin/pip install azure-communication-jobrouter==1.0.0
    git worktree add --detach /tmp/sdk-before main        # optional: a "before" column from another checkout
    .venv/bin/python benchmarks/sdk_read.py --baseline-python /tmp/venv-jr100/bin/python --before /tmp/sdk-before

One command, one run. Each side is a long-lived worker process: 1.0.0 (its own virtual environment), "before" (this
interpreter importing the SDK from ``--before``), ours with the stdlib's json and, when orjson is installed, ours
with it. The parent asks every side for every measure in turn, round after round (interleaved, so the machine's
noise falls on all columns alike), and keeps each one's best run, timed in CPU time of the worker process. Every
side reads the same documents through the same in-process ``requests`` adapter (azure-core's ``RequestsTransport``;
no sockets):

- models: 500 distinct recorded-shape ``RouterJob`` / ``RouterWorker`` documents, already parsed, each built with
  the public constructor ``RouterJob(document)``, then every field read (nested models too), or only ``id``. Floor:
  reading every key of the same dicts.
- ``get_job`` through the whole client; ``list_jobs`` over 1,000 items (10 pages of 100) and over 100,000 (1,000
  pages), reading each job's ``id``. Floors, in the stdlib-json worker: ``requests`` + ``json.loads``; an azure-core
  ``PipelineClient`` with 1.0.0's policy list (request id, headers, user agent, proxy, azure-core's
  ``ContentDecodePolicy``, redirect, retry, HMAC signing, custom hook, network trace logging, distributed tracing,
  sensitive header cleanup, HTTP logging) + ``json.loads`` of each body; the same without ``ContentDecodePolicy``,
  so each body is parsed once.
- peak RSS above the start while iterating 100,000 listed jobs (``/proc/self/statm``, sampled every 1,000 jobs of the
  timed listing).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from sdk_vs_1_0_0 import JOB, KEY, WORKER

HERE = Path(__file__).resolve()
ENDPOINT = "https://x.communication.azure.com"
PAGE_SIZE = 100
MODEL_DOCS = 500
GET_CALLS = 500

# -- the workload: runs inside each side's interpreter ---------------------------------------------------------------


def _job(i: int) -> Dict[str, Any]:
    return dict(JOB, id=f"job-{i}", priority=1 + i % 10, labels={"language": "en", "tier": i % 3, "n": i})


def _worker(i: int) -> Dict[str, Any]:
    return dict(WORKER, id=f"w{i}", labels={"Id": f"w{i}", "n": i})


class _Pages:
    """The bodies of a listing of ``total`` jobs, written as each page is asked for (no listing is kept whole)."""

    def __init__(self) -> None:
        head, _, tail = json.dumps(_job(0)).partition('"job-0"')
        self.head, self.tail = head, tail

    def body(self, total: int, page: int) -> bytes:
        first = page * PAGE_SIZE
        items = ",".join(f'{self.head}"job-{i}"{self.tail}' for i in range(first, min(first + PAGE_SIZE, total)))
        more = first + PAGE_SIZE < total
        link = f',"nextLink":"{ENDPOINT}/routing/jobs?total={total}&page={page + 1}&api-version=2023-11-01"'
        return ('{"value":[' + items + "]" + (link if more else "") + "}").encode()


def _session(pages: _Pages) -> Any:
    import requests
    from requests.adapters import BaseAdapter

    job_body = json.dumps(_job(1)).encode()

    class Raw:  # what azure-core's RequestsTransport reads from ``response.raw`` (urllib3's, of which there is none)
        enforce_content_length = True

    class InProcess(BaseAdapter):
        def send(self, request: Any, **kwargs: Any) -> Any:
            url = request.url or ""
            if "/routing/jobs?" in url:
                query = dict(part.split("=", 1) for part in url.split("?", 1)[1].split("&"))
                total = query.get("total") or query["queueId"].replace("total-", "")
                body = pages.body(int(total), int(query.get("page", "0")))
            else:
                body = job_body
            response = requests.Response()
            response.status_code = 200
            response.reason = "OK"
            response.headers["Content-Type"] = "application/json; charset=utf-8"
            response.headers["Content-Length"] = str(len(body))
            response._content = body
            response.raw = Raw()
            response.url = url
            response.request = request
            return response

        def close(self) -> None:
            pass

    session = requests.Session()
    session.mount("https://", InProcess())
    return session


_MODEL_TYPES: Dict[type, bool] = {}  # type -> whether it is a model (it has as_dict), looked up once per type


def _field_names(cls: type, known: Dict[type, List[str]]) -> List[str]:
    """A model class's public attributes (both SDKs declare fields as class attributes; methods are callable)."""
    names = known.get(cls)
    if names is None:
        names = known[cls] = [n for n in dir(cls) if not n.startswith("_") and not callable(getattr(cls, n, None))]
    return names


def _is_model(kind: type) -> bool:
    found = _MODEL_TYPES.get(kind)
    if found is None:
        found = _MODEL_TYPES[kind] = hasattr(kind, "as_dict") and not issubclass(kind, Enum)
    return found


def _read_every_field(model: Any, known: Dict[type, List[str]]) -> None:
    """Read each field of ``model``, and of the models in it (alone, in a list or in a dict)."""
    models = _MODEL_TYPES
    for name in known.get(type(model)) or _field_names(type(model), known):
        value = getattr(model, name)
        kind = type(value)
        for item in value if kind is list else value.values() if kind is dict else (value,):
            found = models.get(type(item))
            if found is None:
                found = _is_model(type(item))
            if found:
                _read_every_field(item, known)


def _read_every_key(value: Any) -> None:
    if isinstance(value, dict):
        for key in value:
            _read_every_key(value[key])
    elif isinstance(value, list):
        for item in value:
            _read_every_key(item)


class Workload:
    """Every measure of one side, each returning seconds for one repetition."""

    def __init__(self) -> None:
        from azure.core.pipeline.transport import RequestsTransport

        from azure.communication.jobrouter import JobRouterClient

        self.pages = _Pages()
        self.session = _session(self.pages)
        self.client = JobRouterClient.from_connection_string(
            f"endpoint={ENDPOINT}/;accesskey={KEY}",
            transport=RequestsTransport(session=self.session, session_owner=False),
        )
        self.jobs = [json.loads(json.dumps(_job(i))) for i in range(MODEL_DOCS)]
        self.workers = [json.loads(json.dumps(_worker(i))) for i in range(MODEL_DOCS)]
        self.names: Dict[type, List[str]] = {}
        self.rss: Dict[str, float] = {}  # of the last listing

    def measure(self, name: str, repeat: int = 1) -> float:
        """The best of ``repeat`` runs, in seconds of this process's CPU time: the transport is in-process, so that
        is all the work, and unlike wall time it does not count the time the machine's other processes hold the
        CPU (on a shared machine, most of the wall time)."""
        run: Callable[[], Any] = getattr(self, "m_" + name)
        best = float("inf")
        for _ in range(repeat):
            gc.collect()
            start = time.process_time()
            run()
            best = min(best, time.process_time() - start)
        return best

    # models
    def _models(self, docs: List[Dict[str, Any]], model: Any, every: bool) -> None:
        names = self.names
        for doc in docs:
            built = model(doc)
            if every:
                _read_every_field(built, names)
            else:
                built.id  # noqa: B018

    def m_job_every(self) -> None:
        from azure.communication.jobrouter.models import RouterJob

        self._models(self.jobs, RouterJob, True)

    def m_job_one(self) -> None:
        from azure.communication.jobrouter.models import RouterJob

        self._models(self.jobs, RouterJob, False)

    def m_worker_every(self) -> None:
        from azure.communication.jobrouter.models import RouterWorker

        self._models(self.workers, RouterWorker, True)

    def m_worker_one(self) -> None:
        from azure.communication.jobrouter.models import RouterWorker

        self._models(self.workers, RouterWorker, False)

    def m_floor_job_dict(self) -> None:
        for doc in self.jobs:
            _read_every_key(doc)

    def m_floor_worker_dict(self) -> None:
        for doc in self.workers:
            _read_every_key(doc)

    # calls
    def m_get_job(self) -> None:
        client = self.client
        for _ in range(GET_CALLS):
            client.get_job("job-1")

    def listing(self, total: int) -> Any:
        """``list_jobs`` over ``total`` jobs: the filter tells the adapter the length (1.0.0 has the filter too)."""
        return self.client.list_jobs(results_per_page=PAGE_SIZE, queue_id=f"total-{total}")

    def _list(self, total: int) -> None:
        count = 0
        start = peak = _rss_bytes()
        for job in self.listing(total):
            job.id  # noqa: B018
            count += 1
            if count % 1000 == 0:  # a tenth of a millisecond in all, against a second of listing
                peak = max(peak, _rss_bytes())
        assert count == total, count
        self.rss = {"start_mb": start / 2**20, "peak_above_start_mb": (peak - start) / 2**20}

    def m_list_1k(self) -> None:
        self._list(1000)

    def m_list_100k(self) -> None:
        self._list(100_000)

    def _floor_requests(self, total: int) -> None:
        session, url, count = self.session, self._first_url(total), 0
        while url:
            page = json.loads(session.get(url, headers={"Accept": "application/json"}).content)
            count += sum(1 for item in page["value"] if item["id"])
            url = page.get("nextLink")
        assert count == total

    def _pipeline(self, decode: bool) -> Any:
        from azure.core import PipelineClient
        from azure.core.credentials import AzureKeyCredential
        from azure.core.pipeline import policies
        from azure.core.pipeline.transport import RequestsTransport

        from azure.communication.jobrouter._auth import HMACCredentialsPolicy

        listed = [
            policies.RequestIdPolicy(),
            policies.HeadersPolicy(),
            policies.UserAgentPolicy(sdk_moniker="communication-jobrouter/1.0.0"),
            policies.ProxyPolicy(),
            policies.ContentDecodePolicy() if decode else None,
            policies.RedirectPolicy(),
            policies.RetryPolicy(),
            HMACCredentialsPolicy(AzureKeyCredential(KEY)),
            policies.CustomHookPolicy(),
            policies.NetworkTraceLoggingPolicy(),
            policies.DistributedTracingPolicy(),
            policies.SensitiveHeaderCleanupPolicy(),
            policies.HttpLoggingPolicy(),
        ]
        transport = RequestsTransport(session=self.session, session_owner=False)
        return PipelineClient(base_url=ENDPOINT, policies=[p for p in listed if p], transport=transport)

    def _floor_pipeline(self, total: int, decode: bool) -> None:
        from azure.core.rest import HttpRequest

        client, url, count = self._pipeline(decode), self._first_url(total), 0
        while url:
            response = client.send_request(HttpRequest("GET", url, headers={"Accept": "application/json"}))
            page = json.loads(response.content)
            count += sum(1 for item in page["value"] if item["id"])
            url = page.get("nextLink")
        assert count == total

    def _first_url(self, total: int) -> str:
        return f"{ENDPOINT}/routing/jobs?total={total}&page=0&api-version=2023-11-01&maxpagesize={PAGE_SIZE}"

    def _floor_get(self, fetch: Callable[[str], bytes]) -> None:
        url = f"{ENDPOINT}/routing/jobs/job-1?api-version=2023-11-01"
        for _ in range(GET_CALLS):
            json.loads(fetch(url))

    def m_floor_get_requests(self) -> None:
        session = self.session
        self._floor_get(lambda url: session.get(url, headers={"Accept": "application/json"}).content)

    def _floor_get_pipeline(self, decode: bool) -> None:
        from azure.core.rest import HttpRequest

        client = self._pipeline(decode)
        self._floor_get(
            lambda url: client.send_request(HttpRequest("GET", url, headers={"Accept": "application/json"})).content
        )

    def m_floor_get_pipeline(self) -> None:
        self._floor_get_pipeline(True)

    def m_floor_get_one_parse(self) -> None:
        self._floor_get_pipeline(False)

    def m_floor_list_1k_requests(self) -> None:
        self._floor_requests(1000)

    def m_floor_list_1k_pipeline(self) -> None:
        self._floor_pipeline(1000, True)

    def m_floor_list_1k_one_parse(self) -> None:
        self._floor_pipeline(1000, False)

    def m_floor_list_100k_requests(self) -> None:
        self._floor_requests(100_000)

    def m_floor_list_100k_pipeline(self) -> None:
        self._floor_pipeline(100_000, True)

    def m_floor_list_100k_one_parse(self) -> None:
        self._floor_pipeline(100_000, False)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def worker_main(parser: Optional[str]) -> None:
    """Answer measure names read from stdin with seconds, one JSON line each."""
    import azure.communication.jobrouter as sdk

    if parser == "json":
        try:
            from azure.communication.jobrouter import _json

            _json._orjson = None
        except ImportError:
            pass  # a checkout from before the parser module: the stdlib already
    workload = Workload()
    print(json.dumps({"sdk": str(Path(sdk.__file__).parent)}), flush=True)
    for line in sys.stdin:
        name, _, repeat = line.strip().partition(" ")
        seconds = workload.measure(name, int(repeat or 1))
        print(json.dumps({"seconds": seconds, "rss": workload.rss}), flush=True)


# -- the parent: sides, rounds, tables -------------------------------------------------------------------------------

MODEL_ROWS = [
    ("job_every", "floor_job_dict", "RouterJob(document), every field read (nested too)"),
    ("job_one", None, "RouterJob(document), id read"),
    ("worker_every", "floor_worker_dict", "RouterWorker(document), every field read"),
    ("worker_one", None, "RouterWorker(document), id read"),
]
CALL_ROWS = [
    ("get_job", "get", GET_CALLS, 1e6, "µs", "get_job"),
    ("list_1k", "list_1k", 1, 1e3, "ms", "list_jobs, 1,000 items (10 pages), id read"),
    ("list_100k", "list_100k", 1, 1e3, "ms", "list_jobs, 100,000 items (1,000 pages), id read"),
]
SLOW_MEASURES = {"list_100k", "floor_list_100k_requests", "floor_list_100k_pipeline", "floor_list_100k_one_parse"}


class Side:
    def __init__(self, name: str, command: List[str], env: Dict[str, str], cwd: str) -> None:
        self.name, self.command, self.env, self.cwd = name, command, env, cwd
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=cwd
        )
        self.sdk = self._answer()["sdk"]

    def _answer(self) -> Dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.name} worker stopped; run {' '.join(self.command)} to see why")
        return json.loads(line)

    def ask(self, name: str) -> Dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


def _sides(args: argparse.Namespace) -> Dict[str, Side]:
    here_root = str(HERE.parent.parent)
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    worker = [str(HERE), "--worker"]
    sides = {"1.0.0": Side("1.0.0", [args.baseline_python, *worker], clean, "/")}
    if args.before:
        sides["before"] = Side("before", [sys.executable, *worker], dict(clean, PYTHONPATH=args.before), "/")
        if not sides["before"].sdk.startswith(str(Path(args.before).resolve())):
            raise SystemExit(f"--before {args.before}: the worker imported the SDK from {sides['before'].sdk}")
    sides["ours"] = Side("ours", [sys.executable, *worker, "--parser", "json"], clean, here_root)
    try:
        import orjson  # noqa: F401

        sides["ours+orjson"] = Side("ours+orjson", [sys.executable, *worker], clean, here_root)
    except ImportError:
        pass
    return sides


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-python", default="/tmp/venv-jr100/bin/python")
    parser.add_argument("--before", help="a checkout whose SDK is the 'before' column (imported with PYTHONPATH)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure and round (the best is kept)")
    parser.add_argument("--slow-rounds", type=int, default=1, help="rounds of the 100,000-item listings")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--parser", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.parser)
        return 0
    sides = _sides(args)
    floor_side = sides["ours"]
    measures = [m for m, _, _ in MODEL_ROWS] + [m for m, *_ in CALL_ROWS]
    floors = [f for _, f, _ in MODEL_ROWS if f] + [
        f"floor_{key}_{kind}" for _, key, *_ in CALL_ROWS for kind in ("requests", "pipeline", "one_parse")
    ]
    best: Dict[Tuple[str, str], float] = {}
    rss: Dict[str, Dict[str, Any]] = {}
    for round_number in range(max(args.rounds, args.slow_rounds)):
        for name in measures + floors:
            limit = args.slow_rounds if name in SLOW_MEASURES else args.rounds
            if round_number >= limit:
                continue
            for side in [floor_side] if name.startswith("floor_") else sides.values():
                answer = side.ask(f"{name} {1 if name in SLOW_MEASURES else args.repeat}")
                seconds = answer["seconds"]
                if name == "list_100k":
                    rss[side.name] = answer["rss"]
                key = (side.name, name)
                best[key] = min(best.get(key, float("inf")), seconds)
        print(f"round {round_number + 1} done", file=sys.stderr, flush=True)
    for side in sides.values():
        side.close()
    _print_tables(list(sides), best, rss)
    return 0


def _print_tables(names: List[str], best: Dict[Tuple[str, str], float], rss: Dict[str, Dict[str, Any]]) -> None:
    model_names = [n for n in names if n != "ours+orjson"]  # no parse in these rows: the parser changes nothing
    print("| model, from parsed JSON (µs per model) | " + " | ".join(model_names) + " | dict reads | 1.0.0 / ours |")
    print("| --- |" + " ---: |" * (len(model_names) + 2))
    for measure, floor, label in MODEL_ROWS:
        cells = [f"{best[(n, measure)] / MODEL_DOCS * 1e6:,.1f}" for n in model_names]
        floor_cell = f"{best[('ours', floor)] / MODEL_DOCS * 1e6:,.1f}" if floor else ""
        ratio = best[("1.0.0", measure)] / best[("ours", measure)]
        print(f"| {label} | " + " | ".join(cells) + f" | {floor_cell} | {ratio:.1f}x |")
    print()
    floor_labels = ("requests + json.loads", "azure-core, 1.0.0's policies + json.loads", "the same, one parse")
    heads = " | ".join([*names, *floor_labels, "ours / one parse"])
    print(f"| call (in-process transport) | {heads} |")
    print("| --- |" + " ---: |" * (len(names) + 4))
    for measure, key, count, scale, unit, label in CALL_ROWS:
        cells = [f"{best[(n, measure)] / count * scale:,.1f}" for n in names]
        floor_values = [best[("ours", f"floor_{key}_{kind}")] for kind in ("requests", "pipeline", "one_parse")]
        floor_cells = [f"{value / count * scale:,.1f}" for value in floor_values]
        ratio = best[("ours", measure)] / floor_values[2]
        print(f"| {label} ({unit}) | " + " | ".join(cells + floor_cells) + f" | {ratio:.2f}x |")
    print()
    print("| iterating 100,000 listed jobs | " + " | ".join(names) + " |")
    print("| --- |" + " ---: |" * len(names))
    print("| RSS at the start (MB) | " + " | ".join(f"{rss[n]['start_mb']:.1f}" for n in names) + " |")
    peaks = " | ".join(f"{rss[n]['peak_above_start_mb']:.1f}" for n in names)
    print(f"| peak RSS above the start (MB) | {peaks} |")


if __name__ == "__main__":
    sys.exit(main())
