"""``jobrouter-emulator``: serve a local Job Router and print its connection string."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

from ._dependencies import MissingEmulatorDependencies, emulator_dependencies
from .auth import DEFAULT_ACCESS_KEY
from .data_dir import DEFAULT_DATA_DIR
from .engine.clock import CLOCKS
from .logs import LOG_FORMATS, LOG_LEVELS, configure_logging

if TYPE_CHECKING:  # imported when serving: they need the [emulator] extra
    from .api.faults import FaultPlan
    from .delivery import EventSubscription
    from .statistics.settings import StatisticsSettings

DESCRIPTION = """\
Serve a local Azure Communication Services Job Router (REST api-version
2023-11-01). At start it prints its connection string, a one-time login URL of
its dashboard and where its state is kept. Stop it with Ctrl-C.
"""

EPILOG = """\
examples:
  jobrouter-emulator                        http://127.0.0.1:8089/, state kept
                                            in ./.jobrouter-emulator
  jobrouter-emulator --in-memory --port 0   nothing on disk, a free port
  jobrouter-emulator --clock virtual        time moves only when told
  jobrouter-emulator --routing-delay 200ms-800ms --seed 7
                                            route as late as the service does
  jobrouter-emulator --reset --log-format json
  jobrouter-emulator simulate day.yaml --report report.html
                                            a what-if simulation (simulate -h)

dashboard: http://HOST:PORT/_emulator/ (log in with the URL printed at start)
"""


def _version() -> str:
    from azure.communication.jobrouter import __version__

    return f"jobrouter-emulator {__version__} (Job Router REST api-version 2023-11-01)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jobrouter-emulator",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    server = parser.add_argument_group("server")
    server.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    server.add_argument("--port", type=int, default=8089, help="port to listen on; 0 picks a free one (default 8089)")
    server.add_argument("--tls", action="store_true", help="serve HTTPS with a self-signed certificate")
    server.add_argument("--cert", type=Path, help="certificate (PEM) to serve HTTPS with, instead of a generated one")
    server.add_argument("--key", type=Path, help="private key (PEM) of --cert")
    server.add_argument("--access-key", default=DEFAULT_ACCESS_KEY, help="base64 access key requests are signed with")
    server.add_argument(
        "--allow-bearer", action="store_true", help="also accept any bearer token (TokenCredential demos)"
    )
    server.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name requests may be addressed to besides localhost, 127.0.0.1, [::1], the --host address and "
        "this machine's name (repeatable; * allows any, which lets DNS-rebinding web pages in)",
    )
    state = parser.add_argument_group("state and time")
    state.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where state and the generated certificate live, private to its owner and used by one emulator at a "
        "time; it holds the secrets stored in policies (default ./.jobrouter-emulator; with --in-memory, a "
        "temporary directory removed at exit)",
    )
    state.add_argument("--in-memory", action="store_true", help="keep no state on disk")
    state.add_argument(
        "--reset",
        action="store_true",
        help="start from empty state: delete the state database in --data-dir first (the certificate stays)",
    )
    state.add_argument(
        "--clock",
        choices=CLOCKS,
        default="system",
        help="system: real time (default); virtual: starts at the current time and moves only when told, with "
        "POST /_emulator/clock:advance",
    )
    state.add_argument(
        "--seed", type=int, help="seed for random choices (weighted allocation, routing delays), for repeatable runs"
    )
    state.add_argument(
        "--routing-delay",
        metavar="DELAY",
        help="route this long after the request that causes it, as the service does: 500ms, or a range such as "
        "200ms-800ms drawn per request (default: at once; virtual time on --clock virtual)",
    )
    events = parser.add_argument_group("events")
    events.add_argument(
        "--event-webhook",
        action="append",
        default=[],
        metavar="URL",
        help="deliver every event to this webhook in the Event Grid schema: a subscription with Event Grid's "
        "defaults (repeatable)",
    )
    events.add_argument(
        "--event-subscription",
        action="append",
        default=[],
        nargs="+",
        metavar=("NAME", "URL KEY=VALUE"),
        help="an event subscription: a name, a webhook URL, then options as in PUT /_emulator/eventSubscriptions "
        "(includedEventTypes=RouterJobQueued,RouterWorkerOfferIssued subjectBeginsWith=job/ "
        "eventDeliverySchema=CloudEventSchemaV1_0 maxEventsPerBatch=10 maxDeliveryAttempts=5 "
        "eventTimeToLiveInMinutes=60 deadLetterFolder=./dead-letters); for a Storage queue, a name then "
        "endpointType=StorageQueue queueName=NAME connectionString=... [queueMessageTimeToLiveInSeconds=N] "
        "and the same options; repeatable",
    )
    events.add_argument(
        "--retry-scale",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="scale Event Grid's delivery retry schedule and event time to live (0.001: a 10 s step takes 10 ms)",
    )
    statistics = parser.add_argument_group("statistics")
    statistics.add_argument(
        "--statistics-interval",
        type=float,
        metavar="SECONDS",
        help="length of the statistics' intervals (default 900: quarter hours)",
    )
    statistics.add_argument(
        "--service-level",
        action="append",
        default=[],
        metavar="[QUEUE=]SECONDS",
        help="service-level threshold: of one queue (QUEUE=SECONDS) or of every queue (SECONDS; default 20); "
        "repeatable",
    )
    faults = parser.add_argument_group("faults")
    faults.add_argument(
        "--faults",
        nargs="+",
        metavar="KEY=VALUE",
        help="inject faults into /routing requests, as in PUT /_emulator/faults: throttle=0.1 (share answered 429) "
        "retryAfterSeconds=1 unavailable=0.05 (503) drop=0.01 (connection closed) latency=0.2 latencyMs=250 "
        "operations=upsert_job,get_job seed=7",
    )
    logs = parser.add_argument_group("log")
    logs.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default="info",
        help="info (default): a line per request and per routing decision; debug: more; warning: problems only",
    )
    logs.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="text",
        help="text (default) or json: one JSON object per line, on stderr",
    )
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    from .simulation.cli import dispatch  # `simulate` and `policies` need no server

    handled = dispatch(sys.argv[1:] if argv is None else argv)
    if handled is not None:
        return handled
    args = build_parser().parse_args(argv)
    try:
        with emulator_dependencies():  # after parsing: --help works without the [emulator] extra
            from . import service  # noqa: F401 (imports starlette, uvicorn and the rest)
    except MissingEmulatorDependencies as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    handler = configure_logging(args.log_level, args.log_format, secrets=[args.access_key])
    try:
        return _serve(args)
    finally:  # main() may run in a process that goes on (a test): leave its logging as it was
        logging.getLogger().removeHandler(handler)


def _serve(args: argparse.Namespace) -> int:
    from .api.faults import FaultPlan
    from .delivery import EventSubscription
    from .statistics.settings import StatisticsSettings

    try:
        subscriptions = [EventSubscription.from_cli(tokens) for tokens in args.event_subscription]
        faults = FaultPlan.from_cli(args.faults) if args.faults else None
        statistics = StatisticsSettings.from_tokens(args.statistics_interval, args.service_level)
        statistics.build()  # a threshold or interval that cannot work is reported now
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as cleanup:
        data_dir = args.data_dir
        if data_dir is None and args.in_memory:
            # Nothing of an in-memory run stays behind: a generated certificate goes to a temporary directory.
            data_dir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="jobrouter-emulator-")))
        return _serve_with(args, subscriptions, faults, statistics, data_dir or DEFAULT_DATA_DIR)


def _serve_with(
    args: argparse.Namespace,
    subscriptions: List[EventSubscription],
    faults: Optional[FaultPlan],
    statistics: StatisticsSettings,
    data_dir: Path,
) -> int:
    from .service import EmulatorServer, EmulatorSettings

    settings = EmulatorSettings(
        host=args.host,
        port=args.port,
        tls=args.tls or bool(args.cert),
        cert_file=args.cert,
        key_file=args.key,
        data_dir=data_dir,
        in_memory=args.in_memory,
        access_key=args.access_key,
        allow_bearer=args.allow_bearer,
        event_webhooks=args.event_webhook,
        event_subscriptions=subscriptions,
        retry_scale=args.retry_scale,
        faults=faults,
        seed=args.seed,
        clock=args.clock,
        routing_delay=args.routing_delay,
        reset=args.reset,
        statistics=statistics,
        allowed_hosts=args.allowed_host,
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
    print(f"dashboard: {server.dashboard_login_url()} (one-time login link, valid for 10 minutes)", flush=True)
    if settings.clock == "virtual":
        print(
            f"clock: virtual, at {server.router.now().isoformat()}; move it with POST /_emulator/clock:advance",
            flush=True,
        )
    if server.router.routing_delay is not None:
        print(f"routing delay: {server.router.routing_delay} after each request", flush=True)
    print("state: in memory" if settings.in_memory else f"state: {settings.state_path}", flush=True)
    server.serve_forever()
    print("Job Router emulator stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
