"""Open-loop load on the emulator over loopback: N agents on the async SDK take offers from the emulator's event
stream, accept, complete and close, while jobs arrive at a fixed rate R; then the HTTP ceiling of the same run.

    .venv/bin/python benchmarks/emulator_load.py                      # memory and SQLite, then the ceiling (~4 min)
    .venv/bin/python benchmarks/emulator_load.py --rates 100,200 --stores memory --no-ceiling
    .venv/bin/python benchmarks/emulator_load.py --compare-with <checkout of main>   # before/after, twice as long

Three processes: the emulator (``python -m jobrouter_emulator``, as users run it), the load generator (this file
with ``--generate``: one asyncio loop, the async SDK over aiohttp) and this one, which starts both and prints the
tables. For each rate R, in increasing order, jobs arrive every 1/R s for ``--step-seconds`` whatever happened to
the earlier ones (open loop: a slow emulator does not slow the arrivals). Each agent is a worker of capacity 1; one
server-sent-event stream of the emulator's events (``GET /_emulator/events``, signed through the SDK's pipeline) is
read for the whole generator, as one Event Grid subscription serves a whole contact center, and each
RouterWorkerOfferIssued event, parsed with ``azure.communication.jobrouter.events``, goes to its agent. Reported
per step:

- lifecycles/s: jobs closed during the arrival window, per second;
- job -> offer: from the moment the job was due to arrive (its create request starts then, unless the generator is
  behind) to the moment its agent has the parsed offer event; p50 / p99 over the step's jobs;
- request latency per operation, p50 / p99 (upsert_job, accept_job_offer, complete_job, close_job);
- server CPU per request: the emulator process's user + system CPU time over the window (from /proc, every thread:
  routing, event stream and commits included) divided by the requests answered in it; and the generator's own;
- sustained: every job offered, lifecycles/s at least 95% of R, and job -> offer p99 at most 50 ms.

A step that falls below 80% of R ends the store's run, and so does ``--max-seconds``: the run is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any, Dict, List, Optional

from emulator_process import EmulatorProcess, cpu_seconds
from http_ceiling import ceiling_rows, print_ceiling_table, print_stage_table, stack_description

OFFER_P99_GOAL_MS = 50.0
OPERATIONS = ("upsert_job", "accept_job_offer", "complete_job", "close_job")
FAILED = object()  # what a timed call that raised returns (close_job returns None when it succeeds)


def percentile(values: List[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank); infinity for none."""
    if not values:
        return float("inf")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


class Generator:
    """The load generator's state: when each job was due, when its offer arrived and when it closed, and every
    request's latency."""

    def __init__(self, connection_string: str, agents: int, use_env_settings: bool) -> None:
        from azure.communication.jobrouter.aio import JobRouterAdministrationClient, JobRouterClient

        # No retries: an error must show as an error, not as a slow request. ``use_env_settings=False`` (azure-core's
        # switch): otherwise aiohttp reads the proxy environment and ~/.netrc, in a thread, on every request.
        options: Dict[str, Any] = {"retry_total": 0, "use_env_settings": use_env_settings}
        self.client = JobRouterClient.from_connection_string(connection_string, **options)
        self.admin = JobRouterAdministrationClient.from_connection_string(connection_string, **options)
        self.agent_ids = [f"agent-{index}" for index in range(agents)]
        self.inboxes: Dict[str, asyncio.Queue] = {agent: asyncio.Queue() for agent in self.agent_ids}
        self.due: Dict[str, float] = {}
        self.offered: Dict[str, float] = {}
        self.closed: Dict[str, float] = {}
        self.requests: List[tuple] = []  # (operation, started, seconds)
        self.errors: Dict[str, int] = defaultdict(int)
        self.stream_ready = asyncio.Event()

    async def timed(self, operation: str, call: Any) -> Any:
        started = time.perf_counter()
        try:
            return await call
        except Exception as error:  # noqa: BLE001 - counted and reported, the load goes on
            self.errors[f"{operation}: {type(error).__name__} {getattr(error, 'status_code', '')}".strip()] += 1
            return FAILED
        finally:
            self.requests.append((operation, started, time.perf_counter() - started))

    async def set_up(self) -> None:
        from azure.communication.jobrouter.models import LongestIdleMode, RouterChannel

        await self.admin.upsert_distribution_policy(
            "load-policy", offer_expires_after_seconds=60, mode=LongestIdleMode(), name="load"
        )
        await self.admin.upsert_queue("load-queue", distribution_policy_id="load-policy")
        for agent in self.agent_ids:
            await self.client.upsert_worker(
                agent,
                capacity=1,
                queues=["load-queue"],
                channels=[RouterChannel(channel_id="voice", capacity_cost_per_job=1)],
                available_for_offers=True,
            )

    async def read_events(self) -> None:
        """The emulator's event stream, through the SDK's pipeline (so it is signed as any request): each offer
        event is parsed into its typed class and handed to its agent."""
        from azure.core.rest import HttpRequest

        from azure.communication.jobrouter.events import RouterWorkerOfferIssued, parse_event

        request = HttpRequest("GET", "/_emulator/events?since=0", headers={"Accept": "text/event-stream"})
        response = await self.client.send_request(request, stream=True)
        response.raise_for_status()
        self.stream_ready.set()
        pending = b""
        async for chunk in response.iter_bytes():
            pending += chunk
            *messages, pending = pending.split(b"\n\n")
            for message in messages:
                if b"RouterWorkerOfferIssued\n" not in message:
                    continue
                data = message[message.index(b"\ndata: ") + 7 :]
                event = parse_event(data)
                assert isinstance(event, RouterWorkerOfferIssued)
                job_id = event.data.job_id
                if job_id in self.due and job_id not in self.offered:
                    self.offered[job_id] = time.perf_counter()
                    self.inboxes[event.data.worker_id].put_nowait(event.data)

    async def agent(self, worker_id: str) -> None:
        inbox = self.inboxes[worker_id]
        while True:
            offer = await inbox.get()
            accepted = await self.timed("accept_job_offer", self.client.accept_job_offer(worker_id, offer.offer_id))
            if accepted is FAILED:
                continue
            job_id, assignment = offer.job_id, accepted.assignment_id
            await self.timed("complete_job", self.client.complete_job(job_id, assignment))
            if await self.timed("close_job", self.client.close_job(job_id, assignment)) is not FAILED:
                self.closed[job_id] = time.perf_counter()

    async def create(self, job_id: str) -> None:
        await self.timed("upsert_job", self.client.upsert_job(job_id, channel_id="voice", queue_id="load-queue"))

    async def step(self, index: int, rate: float, seconds: float, drain: float, server_pid: int) -> Dict[str, Any]:
        """Jobs at ``rate`` per second for ``seconds``; figures of the window, after up to ``drain`` seconds for the
        step's last lifecycles to end."""
        count = int(rate * seconds)
        job_ids = [f"r{index}-job-{n}" if index >= 0 else f"warmup-job-{n}" for n in range(count)]
        first_request = len(self.requests)
        creating = []
        server_cpu, own_cpu = cpu_seconds(server_pid), time.process_time()
        start = time.perf_counter()
        for n, job_id in enumerate(job_ids):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            self.due[job_id] = due
            creating.append(asyncio.ensure_future(self.create(job_id)))
        await asyncio.sleep(max(0.0, start + seconds - time.perf_counter()))
        end = time.perf_counter()
        server_cpu, own_cpu = cpu_seconds(server_pid) - server_cpu, time.process_time() - own_cpu
        answered = sum(1 for _, started, took in self.requests[first_request:] if started + took <= end)
        window = [(op, took) for op, started, took in self.requests[first_request:] if start <= started < end]
        lifecycles = sum(1 for at in self.closed.values() if start <= at < end)
        deadline = end + drain
        while time.perf_counter() < deadline and not all(job_id in self.closed for job_id in job_ids):
            await asyncio.sleep(0.05)
        await asyncio.gather(*creating)
        waits = [(self.offered[j] - self.due[j]) * 1000 for j in job_ids if j in self.offered]
        unoffered = count - len(waits)
        offer_p99 = percentile(waits, 0.99) if unoffered <= count * 0.01 else float("inf")
        per_operation = {}
        for operation in OPERATIONS:
            took = [t * 1000 for op, t in window if op == operation]
            per_operation[operation] = (percentile(took, 0.5), percentile(took, 0.99))
        return {
            "rate": rate,
            "jobs": count,
            "lifecycles_per_second": lifecycles / seconds,
            "offer_p50": percentile(waits, 0.5),
            "offer_p99": offer_p99,
            "unoffered": unoffered,
            "unclosed": sum(1 for j in job_ids if j not in self.closed),
            "operations": per_operation,
            "requests_per_second": answered / seconds,
            "server_cpu_us_per_request": server_cpu / max(answered, 1) * 1e6,
            "server_cpu_share": server_cpu / seconds,
            "generator_cpu_us_per_request": own_cpu / max(answered, 1) * 1e6,
            "generator_cpu_share": own_cpu / seconds,
            "errors": dict(self.errors),
            "sustained": unoffered == 0 and lifecycles >= 0.95 * count and offer_p99 <= OFFER_P99_GOAL_MS,
        }


async def generate(args: argparse.Namespace) -> None:
    generator = Generator(args.connection_string, args.agents, args.use_env_settings)
    await generator.set_up()
    tasks = [asyncio.ensure_future(generator.read_events())]
    tasks += [asyncio.ensure_future(generator.agent(agent)) for agent in generator.agent_ids]
    await asyncio.wait_for(generator.stream_ready.wait(), 10)
    await asyncio.sleep(0.5)  # the stream has caught up with the set-up's events
    stop_at = time.perf_counter() + args.max_seconds
    rates = [float(r) for r in args.rates.split(",")]
    if args.warmup_seconds > 0:  # connections opened, code paths warm: not reported
        await generator.step(-1, rates[0], args.warmup_seconds, args.drain_seconds, args.server_pid)
        generator.errors.clear()
    for index, rate in enumerate(rates):
        if time.perf_counter() + args.step_seconds + args.drain_seconds > stop_at:
            break
        result = await generator.step(index, rate, args.step_seconds, args.drain_seconds, args.server_pid)
        print(json.dumps(result), flush=True)
        generator.errors.clear()
        if result["lifecycles_per_second"] < 0.8 * rate or result["unclosed"]:
            break  # saturated: a higher rate would only queue more
    for task in tasks:
        task.cancel()
    await generator.client.close()
    await generator.admin.close()


def run_store(store: str, args: argparse.Namespace, code: Optional[str] = None) -> List[Dict[str, Any]]:
    """The emulator on ``store`` (of the checkout ``code``, if given) and the generator, each in its own process; the
    generator's steps."""
    with EmulatorProcess(in_memory=store == "memory", code=code) as emulator:
        command = [
            sys.executable,
            __file__,
            "--generate",
            "--connection-string",
            emulator.connection_string,
            "--server-pid",
            str(emulator.pid),
        ]
        for name in ("agents", "rates", "step_seconds", "drain_seconds", "max_seconds", "warmup_seconds"):
            command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
        command += ["--use-env-settings"] if args.use_env_settings else []
        finished = subprocess.run(command, capture_output=True, text=True, timeout=args.max_seconds + 120)
    if finished.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{finished.stderr}")
    return [json.loads(line) for line in finished.stdout.splitlines() if line.startswith("{")]


def _ms(pair: Any) -> str:
    return f"{pair[0]:.1f} / {pair[1]:.1f}"


def print_load_table(store: str, steps: List[Dict[str, Any]]) -> None:
    print(
        "| store | R (jobs/s) | lifecycles/s | job -> offer p50 / p99 (ms) | "
        + " | ".join(f"{op} p50 / p99 (ms)" for op in OPERATIONS)
        + " | requests/s | server CPU per request (µs) | server CPU | generator CPU per request (µs) | sustained |"
    )
    print("| --- | ---: | ---: | ---: | " + "---: | " * len(OPERATIONS) + "---: | ---: | ---: | ---: | --- |")
    for step in steps:
        sustained = "yes" if step["sustained"] else "no"
        if step["unoffered"]:
            sustained += f" ({step['unoffered']} not offered)"
        if step["errors"]:
            sustained += f" (errors: {step['errors']})"
        print(
            f"| {store} | {step['rate']:.0f} | {step['lifecycles_per_second']:.1f} | "
            f"{step['offer_p50']:.1f} / {step['offer_p99']:.1f} | "
            + " | ".join(_ms(step["operations"][op]) for op in OPERATIONS)
            + f" | {step['requests_per_second']:.0f} | {step['server_cpu_us_per_request']:.0f} | "
            f"{step['server_cpu_share']:.0%} | {step['generator_cpu_us_per_request']:.0f} | {sustained} |",
            flush=True,
        )
    best = max((s["rate"] for s in steps if s["sustained"]), default=None)
    print(
        f"\nHighest R sustained with job -> offer p99 <= {OFFER_P99_GOAL_MS:.0f} ms ({store}): "
        + (f"{best:.0f} jobs/s" if best is not None else "none of the rates tried")
        + "\n",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--rates", default="50,100,150,200,250,300,350,400", help="jobs per second, in order")
    parser.add_argument("--step-seconds", type=float, default=5.0)
    parser.add_argument("--drain-seconds", type=float, default=5.0, help="wait for a step's last lifecycles")
    parser.add_argument("--warmup-seconds", type=float, default=2.0, help="at the first rate, not reported")
    parser.add_argument("--max-seconds", type=float, default=150.0, help="bound of each store's load run")
    parser.add_argument("--stores", default="memory,sqlite")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the ceiling table")
    parser.add_argument("--compare-with", metavar="CHECKOUT", help="also the emulator of another checkout (before)")
    parser.add_argument(
        "--use-env-settings", action="store_true", help="let the SDK's transport read proxy settings per request"
    )
    parser.add_argument("--ceiling-seconds", type=float, default=3.0)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--connection-string", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        asyncio.run(generate(args))
        return 0
    print(f"load average before: {os.getloadavg()[0]:.2f} (other processes on the machine take cores from both sides)")
    print(
        f"{args.agents} agents (capacity 1 each), async SDK in one generator process; steps of "
        f"{args.step_seconds:g} s; use_env_settings={args.use_env_settings}; server: {stack_description()}\n"
    )
    stores = args.stores.split(",")
    for store in stores:
        print_load_table(store, run_store(store, args))
        if args.compare_with:
            print_load_table(f"{store}, {args.compare_with}", run_store(store, args, args.compare_with))
    if not args.no_ceiling:
        print("HTTP ceiling, same run (wrk, 1 thread, 32 connections, pre-signed requests):\n")
        rows, best = ceiling_rows(args.ceiling_seconds, 32, stores, stages=True, compare_with=args.compare_with)
        print_ceiling_table(rows)
        print("\nFrom the bare app to the emulator, GET, stage by stage (same rounds):\n")
        print_stage_table(best, stores[0])
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
