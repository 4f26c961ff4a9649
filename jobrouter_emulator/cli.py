"""``jobrouter-emulator``: serve a local Job Router and print its connection string."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

from ._dependencies import MissingEmulatorDependencies, emulator_dependencies
from .auth import DEFAULT_ACCESS_KEY


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jobrouter-emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8089, help="port to listen on (default 8089)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a self-signed certificate")
    parser.add_argument("--cert", type=Path, help="certificate (PEM) to serve HTTPS with, instead of a generated one")
    parser.add_argument("--key", type=Path, help="private key (PEM) of --cert")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".jobrouter-emulator"),
        help="where state and the generated certificate live, private to its owner and used by one emulator at a "
        "time; it holds the secrets stored in policies (default ./.jobrouter-emulator)",
    )
    parser.add_argument("--in-memory", action="store_true", help="keep no state on disk")
    parser.add_argument("--access-key", default=DEFAULT_ACCESS_KEY, help="base64 access key requests are signed with")
    parser.add_argument(
        "--allow-bearer", action="store_true", help="also accept any bearer token (TokenCredential demos)"
    )
    parser.add_argument(
        "--event-webhook",
        action="append",
        default=[],
        metavar="URL",
        help="deliver every event to this webhook in the Event Grid schema: a subscription with Event Grid's "
        "defaults (repeatable)",
    )
    parser.add_argument(
        "--event-subscription",
        action="append",
        default=[],
        nargs="+",
        metavar=("NAME", "URL KEY=VALUE"),
        help="an event subscription: a name, a webhook URL, then options as in PUT /_emulator/eventSubscriptions "
        "(includedEventTypes=RouterJobQueued,RouterWorkerOfferIssued subjectBeginsWith=job/ "
        "eventDeliverySchema=CloudEventSchemaV1_0 maxEventsPerBatch=10 maxDeliveryAttempts=5 "
        "eventTimeToLiveInMinutes=60 deadLetterFolder=./dead-letters); repeatable",
    )
    parser.add_argument(
        "--retry-scale",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="scale Event Grid's delivery retry schedule and event time to live (0.001: a 10 s step takes 10 ms)",
    )
    parser.add_argument(
        "--faults",
        nargs="+",
        metavar="KEY=VALUE",
        help="inject faults into /routing requests, as in PUT /_emulator/faults: throttle=0.1 (share answered 429) "
        "retryAfterSeconds=1 unavailable=0.05 (503) drop=0.01 (connection closed) latency=0.2 latencyMs=250 "
        "operations=upsert_job,get_job seed=7",
    )
    parser.add_argument("--seed", type=int, help="seed for random choices (weighted allocation), for repeatable runs")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with emulator_dependencies():  # after parsing: --help works without the [emulator] extra
            from .api.faults import FaultPlan
            from .delivery import EventSubscription
            from .service import EmulatorServer, EmulatorSettings
    except MissingEmulatorDependencies as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per webhook call is noise; delivery logs failures
    try:
        subscriptions = [EventSubscription.from_cli(tokens) for tokens in args.event_subscription]
        faults = FaultPlan.from_cli(args.faults) if args.faults else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = EmulatorSettings(
        host=args.host,
        port=args.port,
        tls=args.tls or bool(args.cert),
        cert_file=args.cert,
        key_file=args.key,
        data_dir=args.data_dir,
        in_memory=args.in_memory,
        access_key=args.access_key,
        allow_bearer=args.allow_bearer,
        event_webhooks=args.event_webhook,
        event_subscriptions=subscriptions,
        retry_scale=args.retry_scale,
        faults=faults,
        seed=args.seed,
    )
    try:
        server = EmulatorServer(settings)
    except (ValueError, OSError) as exc:  # StartupError (a ValueError) says what to change; no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    server.stop_on_signals()
    print(f"Job Router emulator (api-version 2023-11-01) on {server.endpoint}", flush=True)
    print(server.connection_string, flush=True)
    if server.cert_path:
        print(
            f"certificate: {server.cert_path} (trust it with connection_verify=<path> or REQUESTS_CA_BUNDLE)",
            flush=True,
        )
    print("state: in memory" if settings.in_memory else f"state: {settings.data_dir / 'state.sqlite3'}", flush=True)
    server.serve_forever()
    print("Job Router emulator stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
