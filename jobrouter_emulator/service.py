"""Assembling a running emulator: store, router, ASGI app and the uvicorn server, shared by the CLI and embedding."""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from .api import create_app
from .api.faults import FaultInjection, FaultPlan, Faults, fault_routes
from .api.subscriptions import subscription_routes
from .auth import DEFAULT_ACCESS_KEY
from .delivery import EventDelivery, EventSubscription, MemorySubscriptionStore, SQLiteSubscriptionStore
from .engine.router import Router
from .engine.rules import HttpOutbound
from .store import MemoryStore, SQLiteStore
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


@dataclass
class EmulatorSettings:
    host: str = "127.0.0.1"
    port: int = 8089
    tls: bool = False
    cert_file: Optional[Path] = None
    key_file: Optional[Path] = None
    data_dir: Path = Path(".jobrouter-emulator")
    in_memory: bool = False
    access_key: str = DEFAULT_ACCESS_KEY
    allow_bearer: bool = False
    event_webhooks: List[str] = field(default_factory=list)  # each a subscription with Event Grid's defaults
    event_subscriptions: List[EventSubscription] = field(default_factory=list)
    retry_scale: float = 1.0  # delivery retry schedule and event time to live, scaled (0.001: a 10 s step is 10 ms)
    faults: Optional[FaultPlan] = None
    seed: Optional[int] = None

    def subscriptions(self) -> List[EventSubscription]:
        return [EventSubscription.for_webhook(url) for url in self.event_webhooks] + list(self.event_subscriptions)


def server_config(app: Any, host: str, port: int, **options: Any) -> Any:
    """The emulator's uvicorn configuration (``benchmarks/http_ceiling.py`` serves its bare app with it too)."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=1,
        lifespan="off",
        # Per request, uvicorn's access log formats its arguments before asking whether INFO is on, and its proxy
        # middleware reads X-Forwarded-* headers: the emulator serves local clients, so both would only cost.
        access_log=False,
        proxy_headers=False,
        **options,
    )


def _listening_socket(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class EmulatorServer:
    """A started emulator: ``connection_string``, ``endpoint``, ``cert_path`` and ``router`` describe it."""

    def __init__(self, settings: EmulatorSettings) -> None:
        import uvicorn

        self.settings = settings
        database = settings.data_dir / "state.sqlite3"
        store = MemoryStore() if settings.in_memory else SQLiteStore(database)
        self.outbound = HttpOutbound()
        self.router = Router(store, seed=settings.seed, outbound=self.outbound)
        subscriptions = MemorySubscriptionStore() if settings.in_memory else SQLiteSubscriptionStore(database)
        self.delivery = EventDelivery(self.router, subscriptions, retry_scale=settings.retry_scale)
        self.faults = Faults(settings.faults)
        self.cert_path: Optional[Path] = None
        ssl_options: Dict[str, Any] = {}
        if settings.tls:
            if settings.cert_file and settings.key_file:
                self.cert_path, key_path = settings.cert_file, settings.key_file
            else:
                self.cert_path, key_path = ensure_certificate(settings.data_dir)
            ssl_options = {"ssl_certfile": str(self.cert_path), "ssl_keyfile": str(key_path)}
        key, bearer = settings.access_key, settings.allow_bearer
        control = [
            *subscription_routes(self.delivery, access_key=key, allow_bearer=bearer),
            *fault_routes(self.faults, access_key=key, allow_bearer=bearer),
        ]
        app = create_app(self.router, access_key=key, allow_bearer=bearer, extra_routes=control)
        config = server_config(FaultInjection(app, self.faults), settings.host, settings.port, **ssl_options)
        feed = app.state.event_feed

        class Server(uvicorn.Server):
            def handle_exit(self, sig: int, frame: Any) -> None:  # SIGINT/SIGTERM: end event streams first
                feed.close()
                super().handle_exit(sig, frame)

        self._feed = feed
        self._server = Server(config)
        self._thread: Optional[threading.Thread] = None
        # Bind now, so the port is known (``--port 0``) and taken before the connection string is printed;
        # connections that arrive before the server loop runs wait in the listen backlog.
        self._socket = _listening_socket(settings.host, settings.port)
        self.port = int(self._socket.getsockname()[1])
        self.delivery.emulator_url = self.endpoint

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
        self.delivery.stop()
        self.router.close()
        self.outbound.close()
        self._socket.close()
