"""Assembling a running emulator: store, router, ASGI app and the uvicorn server, shared by the CLI and embedding."""

from __future__ import annotations

import logging
import signal
import socket
import sqlite3
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from . import routing_log
from .api import create_app
from .api.control import control_routes
from .api.faults import FaultInjection, FaultPlan, Faults, fault_routes
from .api.feed import EventFeed
from .api.hosts import HostAllowList, allowed_hosts
from .api.request_log import RequestLog
from .api.statistics import statistics_routes
from .api.subscriptions import subscription_routes
from .auth import DEFAULT_ACCESS_KEY
from .dashboard import DashboardAuth, dashboard_routes
from .dashboard.statistics_panel import statistics_panel_routes
from .data_dir import DEFAULT_DATA_DIR, DataDir, StartupError
from .delivery import EventDelivery, EventSubscription, MemorySubscriptionStore, SQLiteSubscriptionStore
from .engine.clock import CLOCKS, FakeClock, make_clock
from .engine.router import PROCESSING_DELAY, Router
from .engine.routing_delay import RoutingDelay
from .engine.rules import HttpOutbound
from .http_protocol import protocol_class
from .limits import Limits
from .outbound import BoundedHttp
from .sdk import decode_access_key
from .statistics.live import LiveStatistics
from .statistics.settings import StatisticsSettings
from .store import MemoryStore, SQLiteStore
from .store.base import Store
from .tls import ensure_certificate

logger = logging.getLogger(__name__)


class _QuietShutdown(logging.Filter):
    """uvicorn reports clients that keep connections open past shutdown as an error; for an emulator that is the
    normal end of a test or sample, so it is logged at debug level instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "graceful shutdown exceeded" in record.getMessage():
            logger.debug("uvicorn: %s", record.getMessage())
            return False
        return True


logging.getLogger("uvicorn.error").addFilter(_QuietShutdown())


STATE_FILE = "state.sqlite3"


@dataclass
class EmulatorSettings:
    host: str = "127.0.0.1"
    port: int = 8089
    tls: bool = False
    cert_file: Optional[Path] = None
    key_file: Optional[Path] = None
    data_dir: Path = DEFAULT_DATA_DIR
    in_memory: bool = False
    access_key: str = DEFAULT_ACCESS_KEY
    allow_bearer: bool = False
    event_webhooks: List[str] = field(default_factory=list)  # each a subscription with Event Grid's defaults
    event_subscriptions: List[EventSubscription] = field(default_factory=list)
    retry_scale: float = 1.0  # delivery retry schedule and event time to live, scaled (0.001: a 10 s step is 10 ms)
    faults: Optional[FaultPlan] = None
    seed: Optional[int] = None
    limits: Limits = field(default_factory=Limits)
    clock: str = "system"  # "virtual": time moves only when told (POST /_emulator/clock:advance)
    # Routing runs this long after the request causing it, as the service's does: "500ms", "200ms-800ms" (drawn
    # with ``seed``) or seconds; None or 0: at once. Virtual time on a virtual clock. See engine/routing_delay.py.
    routing_delay: Union[str, float, RoutingDelay, None] = None
    reset: bool = False  # start from empty state: the state database in data_dir is deleted first
    # Supervisor statistics (intervals, service-level thresholds); None: not kept (GET /_emulator/statistics: 404).
    statistics: Optional[StatisticsSettings] = field(default_factory=StatisticsSettings)
    allowed_hosts: List[str] = field(default_factory=list)  # names besides the local ones (api/hosts.py); "*": any

    def subscriptions(self) -> List[EventSubscription]:
        return [EventSubscription.for_webhook(url) for url in self.event_webhooks] + list(self.event_subscriptions)

    def check(self) -> None:
        """:class:`StartupError` naming the setting that cannot work, before anything is opened or served."""
        if not 0 <= self.port <= 65535:
            raise StartupError(f"--port must be from 0 (any free port) to 65535, got {self.port}")
        try:
            if not decode_access_key(self.access_key):
                raise ValueError("empty")
        except ValueError:
            raise StartupError(
                "--access-key must be a base64 key, as in a connection string's accesskey= (the default is "
                "the well-known development key)"
            ) from None
        for url in self.event_webhooks:
            try:
                EventSubscription.for_webhook(url)
            except ValueError:
                raise StartupError(
                    f"--event-webhook must be an http:// or https:// URL with a host, got {url!r}"
                ) from None
        if bool(self.cert_file) != bool(self.key_file):
            raise StartupError("--cert and --key go together")
        if self.cert_file and self.key_file:
            for option, path in (("--cert", self.cert_file), ("--key", self.key_file)):
                if not Path(path).is_file():
                    raise StartupError(f"{option} {path}: no such file")
            try:
                ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(str(self.cert_file), str(self.key_file))
            except (ssl.SSLError, OSError) as exc:
                raise StartupError(
                    f"--cert {self.cert_file} with --key {self.key_file} cannot serve HTTPS: {exc}"
                ) from None
        if self.statistics is not None:
            try:
                self.statistics.build()
            except ValueError as exc:
                raise StartupError(f"statistics: {exc}") from None
        try:
            allowed_hosts(self.host, self.allowed_hosts)
        except ValueError as exc:
            raise StartupError(str(exc)) from None
        if self.clock not in CLOCKS:
            raise StartupError(f"--clock must be one of {', '.join(CLOCKS)}, got {self.clock!r}")
        try:
            RoutingDelay.parse(self.routing_delay)
        except (TypeError, ValueError) as exc:
            raise StartupError(f"--routing-delay: {exc}") from None

    @property
    def state_path(self) -> Path:
        """The SQLite database of the state (and of the event subscriptions)."""
        return self.data_dir / STATE_FILE


def delete_state(path: Path) -> None:
    """Delete a state database and its write-ahead log (``--reset``); other files of the data dir stay."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def server_config(app: Any, host: str, port: int, limits: Limits = Limits(), **options: Any) -> Any:
    """The emulator's uvicorn configuration, with its connection ``limits`` (``benchmarks/http_ceiling.py`` serves
    its bare app with it too)."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        timeout_keep_alive=limits.idle_timeout,  # type: ignore[arg-type]  # a float works (a timer's delay)
        http=protocol_class(limits),
        log_level="warning",
        timeout_graceful_shutdown=1,
        lifespan="off",
        # The request log (api/request_log.py) replaces uvicorn's access log, which would print query strings (a
        # dashboard login token among them) and formats its arguments before asking whether INFO is on. The proxy
        # middleware reads X-Forwarded-* headers: the emulator serves local clients, so it would only cost.
        access_log=False,
        proxy_headers=False,
        **options,
    )


def _listening_socket(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except OSError as exc:
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class EmulatorServer:
    """A started emulator: ``connection_string``, ``endpoint``, ``cert_path`` and ``router`` describe it."""

    def __init__(self, settings: EmulatorSettings) -> None:
        import uvicorn

        settings.check()
        self.settings = settings
        # Bind first, so the port is known (``--port 0``) and taken before the connection string is printed (and
        # a port in use is reported before the data directory is touched); connections that arrive before the
        # server loop runs wait in the listen backlog.
        self._socket = _listening_socket(settings.host, settings.port)
        self.port = int(self._socket.getsockname()[1])
        self._data_dir: Optional[DataDir] = None
        try:
            if not settings.in_memory or (settings.tls and not settings.cert_file):
                self._data_dir = DataDir(settings.data_dir)
            self._open(settings)
        except BaseException:
            self._socket.close()
            self._release_data_dir()
            raise
        app: Any = RequestLog(FaultInjection(self._app, self.faults))
        hosts = allowed_hosts(settings.host, settings.allowed_hosts)
        if hosts is None:
            logger.warning(
                "The Host check is off (--allowed-host *): a web page can reach this emulator through DNS rebinding "
                "and, with a known access key, read and change its state"
            )
        else:
            app = HostAllowList(app, hosts)  # first: a refused request costs nothing else
        config = server_config(
            app,
            settings.host,
            settings.port,
            settings.limits,
            log_config=None,  # uvicorn's loggers propagate to whatever the host process set up
            **self._ssl_options,
        )
        feed = self._app.state.event_feed

        class Server(uvicorn.Server):
            def handle_exit(self, sig: int, frame: Any) -> None:  # SIGINT/SIGTERM: end event streams first
                feed.close()
                super().handle_exit(sig, frame)

        self._feed = feed
        self._server = Server(config)
        self._thread: Optional[threading.Thread] = None
        self.delivery.emulator_url = self.endpoint

    def _open(self, settings: EmulatorSettings) -> None:
        """The store, router, delivery and app; every failure to use the data directory is a StartupError."""
        store: Store = MemoryStore()
        database = settings.state_path
        if not settings.in_memory:
            assert self._data_dir is not None
            self._data_dir.lock()  # before a reset: never delete the state another emulator has open
            if settings.reset:
                delete_state(database)
            self._data_dir.private_file(database.name)  # SQLite gives its -wal and -shm files the same mode
        clock = make_clock(settings.clock)
        try:
            if not settings.in_memory:
                store = SQLiteStore(database)
            # One bounded helper for every outbound call, rule calls and webhook deliveries (see outbound.py).
            self.http = BoundedHttp()
            self.outbound = HttpOutbound(
                deadline=settings.limits.rule_call_deadline,
                max_response_bytes=settings.limits.max_rule_response_bytes,
                http=self.http,
            )
            # On a virtual clock routing runs "now" (see Router's processing_delay): that clock never moves by itself.
            delay = 0.0 if isinstance(clock, FakeClock) else PROCESSING_DELAY
            self.router = Router(
                store,
                clock,
                seed=settings.seed,
                outbound=self.outbound,
                processing_delay=delay,
                routing_delay=RoutingDelay.parse(settings.routing_delay),
            )
            subscriptions = MemorySubscriptionStore() if settings.in_memory else SQLiteSubscriptionStore(database)
        except (sqlite3.Error, OSError, ValueError) as exc:
            (self.router if hasattr(self, "router") else store).close()
            raise StartupError(
                f"cannot use the database {database} ({exc}); move it away to start afresh, or pass another --data-dir"
            ) from None
        routing_log.attach(self.router)
        self.delivery = EventDelivery(self.router, subscriptions, retry_scale=settings.retry_scale, http=self.http)
        self.faults = Faults(settings.faults)
        self.cert_path: Optional[Path] = None
        self._ssl_options: Dict[str, Any] = {}
        if settings.tls:
            if settings.cert_file and settings.key_file:
                self.cert_path, key_path = settings.cert_file, settings.key_file
            else:
                assert self._data_dir is not None
                self.cert_path, key_path = ensure_certificate(self._data_dir)
            self._ssl_options = {"ssl_certfile": str(self.cert_path), "ssl_keyfile": str(key_path)}
        key, bearer = settings.access_key, settings.allow_bearer
        feed = EventFeed(self.router)
        self.statistics: Optional[LiveStatistics] = None
        if settings.statistics is not None:
            self.statistics = LiveStatistics(self.router, settings.statistics.build())
        self.dashboard_auth = DashboardAuth(key, secure_cookie=settings.tls, port=self.port)
        control = [
            *subscription_routes(self.delivery, access_key=key, allow_bearer=bearer),
            *fault_routes(self.faults, access_key=key, allow_bearer=bearer),
            *control_routes(self.router, access_key=key, allow_bearer=bearer),
            *dashboard_routes(self.router, feed, self.dashboard_auth),
            *statistics_routes(self.statistics, access_key=key, allow_bearer=bearer),
            *statistics_panel_routes(self.statistics, self.dashboard_auth),
        ]
        self._app = create_app(
            self.router, access_key=key, allow_bearer=bearer, extra_routes=control, limits=settings.limits, feed=feed
        )

    def _release_data_dir(self) -> None:
        if self._data_dir is not None:
            self._data_dir.release()

    @property
    def endpoint(self) -> str:
        scheme = "https" if self.settings.tls else "http"
        host = f"[{self.settings.host}]" if ":" in self.settings.host else self.settings.host
        return f"{scheme}://{host}:{self.port}/"

    @property
    def connection_string(self) -> str:
        return f"endpoint={self.endpoint};accesskey={self.settings.access_key}"

    @property
    def access_key(self) -> str:
        return self.settings.access_key

    def dashboard_login_url(self) -> str:
        """A new one-time URL that logs a browser in to the dashboard."""
        return f"{self.endpoint}_emulator/?token={self.dashboard_auth.new_login_token()}"

    def start_in_thread(self, timeout: float = 10.0) -> None:
        self.router.start(background=True)
        self.delivery.start(self.settings.subscriptions())
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="jobrouter-emulator-http", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"The emulator did not start on {self.endpoint}")
            time.sleep(0.02)

    def stop_on_signals(self) -> None:
        """From now on, SIGINT and SIGTERM ask the server to stop (main thread only). The CLI calls it before it
        prints the connection string, so that a stop request right after that line finds the handlers in place."""
        if threading.current_thread() is not threading.main_thread():
            return

        # uvicorn handles both signals while it serves, then raises them again once it has stopped, to reach the
        # handlers it found. Ours only ask the server to stop (which also covers a signal that comes before
        # uvicorn listens for them), so the process closes its store and returns normally (exit 0) instead of
        # dying from SIGTERM or printing a KeyboardInterrupt traceback for Ctrl-C.
        def request_stop(*_: Any) -> None:
            self._feed.close()
            self._server.should_exit = True

        for handled in (signal.SIGINT, signal.SIGTERM):
            signal.signal(handled, request_stop)

    def serve_forever(self) -> None:
        """Serve until SIGINT or SIGTERM, then shut down gracefully (ending event streams, closing the store)."""
        self.stop_on_signals()
        self.router.start(background=True)
        self.delivery.start(self.settings.subscriptions())
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self.close()

    def stop(self) -> None:
        self._feed.close()
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.close()

    def close(self) -> None:
        if self.statistics is not None:
            self.statistics.close()
        self.delivery.stop()
        self.router.close()
        self.outbound.close()
        self.http.close()
        self._socket.close()
        self._release_data_dir()
