"""Run the emulator inside the current process, on a free port: for tests, samples and notebooks.

with EmbeddedEmulator() as emulator:
    client = JobRouterClient.from_connection_string(emulator.connection_string)

with EmbeddedEmulator(clock="virtual") as emulator:   # time moves only when told
    ...
    emulator.advance(3600)   # an hour later, with everything that fell due on the way done
    emulator.reset()         # empty again, in a millisecond
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from .api.faults import FaultPlan
from .auth import DEFAULT_ACCESS_KEY
from .delivery import EventSubscription
from .engine.clock import make_clock
from .engine.errors import BadRequest, Conflict
from .engine.router import Router
from .limits import Limits
from .service import EmulatorServer, EmulatorSettings
from .statistics import DEFAULT_INTERVAL_SECONDS, DEFAULT_SERVICE_LEVEL_SECONDS
from .statistics.settings import StatisticsSettings


class EmbeddedEmulator:
    def __init__(
        self,
        *,
        tls: bool = False,
        in_memory: bool = True,
        data_dir: Optional[Path] = None,
        access_key: str = DEFAULT_ACCESS_KEY,
        allow_bearer: bool = False,
        port: Optional[int] = None,
        event_webhooks: Optional[List[str]] = None,
        event_subscriptions: Optional[List[EventSubscription]] = None,
        retry_scale: float = 1.0,
        faults: Optional[FaultPlan] = None,
        seed: Optional[int] = None,
        limits: Optional[Limits] = None,
        clock: str = "system",
        statistics_interval: Optional[float] = None,
        service_levels: Optional[Mapping[str, float]] = None,
        service_level_seconds: Optional[float] = None,
    ) -> None:
        # statistics_interval: the statistics' intervals in seconds (900); service_level_seconds: every queue's
        # service-level threshold (20); service_levels: queue id -> its own threshold.
        self._temporary: Optional[tempfile.TemporaryDirectory] = None
        if data_dir is None and (tls or not in_memory):
            self._temporary = tempfile.TemporaryDirectory(prefix="jobrouter-emulator-")
            data_dir = Path(self._temporary.name)
        self._settings = EmulatorSettings(
            port=port or 0,
            tls=tls,
            in_memory=in_memory,
            data_dir=Path(data_dir or "."),
            access_key=access_key,
            allow_bearer=allow_bearer,
            event_webhooks=list(event_webhooks or []),
            event_subscriptions=list(event_subscriptions or []),
            retry_scale=retry_scale,
            faults=faults,
            seed=seed,
            limits=limits or Limits(),
            clock=clock,
            statistics=StatisticsSettings(
                interval_seconds=DEFAULT_INTERVAL_SECONDS if statistics_interval is None else statistics_interval,
                service_level_seconds=(
                    DEFAULT_SERVICE_LEVEL_SECONDS if service_level_seconds is None else service_level_seconds
                ),
                queue_service_level_seconds=dict(service_levels or {}),
            ),
        )
        self._settings.statistics.build()  # type: ignore[union-attr]  # a bad threshold fails here, not at start()
        make_clock(clock)  # a clock name that is neither "system" nor "virtual" fails here, not at start()
        self._server: Optional[EmulatorServer] = None

    def start(self) -> EmbeddedEmulator:
        self._server = EmulatorServer(self._settings)
        self._server.start_in_thread()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None

    def __enter__(self) -> EmbeddedEmulator:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def _running(self) -> EmulatorServer:
        if self._server is None:
            raise RuntimeError("The emulator is not running; use it as a context manager or call start()")
        return self._server

    @property
    def connection_string(self) -> str:
        return self._running().connection_string

    @property
    def endpoint(self) -> str:
        return self._running().endpoint

    @property
    def access_key(self) -> str:
        return self._settings.access_key

    @property
    def cert_path(self) -> Optional[Path]:
        return self._running().cert_path

    @property
    def router(self) -> Router:
        return self._running().router

    def reset(self) -> None:
        """Empty the emulator (every resource, job, offer, pending timer and event), as ``POST /_emulator/reset``
        does; event subscriptions, faults and the clock's time stay."""
        self._running().router.reset()

    def advance(self, seconds: float) -> datetime:
        """Move the virtual clock ``seconds`` forward (``clock="virtual"``), doing each piece of work that falls due
        on the way at its own time; returns the new time. ``advance(0)`` does the work due now."""
        try:
            return self._running().router.advance(seconds)
        except BadRequest as error:  # the HTTP API's 400 and 409, as a Python caller expects them
            raise ValueError(error.message) from None
        except Conflict as error:
            raise RuntimeError(error.message) from None

    def now(self) -> datetime:
        """The emulator's time: the virtual clock's, or the system's."""
        return self._running().router.now()

    def dashboard_login_url(self) -> str:
        """A new one-time URL that logs a browser in to the dashboard at ``/_emulator/``."""
        return self._running().dashboard_login_url()

    def statistics(
        self,
        *,
        since: Optional[datetime] = None,
        until: Optional[datetime] = None,
        interval_seconds: Optional[float] = None,
    ) -> Dict[str, Any]:
        """The supervisor statistics, as ``GET /_emulator/statistics`` returns them (the same JSON object): per queue,
        per worker and per interval, at the emulator's time now (see the README's "Supervisor statistics")."""
        live = self._running().statistics
        if live is None:  # only a server built with statistics=None has none; EmbeddedEmulator always keeps them
            raise RuntimeError("Statistics are off in this emulator")
        return live.report(since=since, until=until, interval_seconds=interval_seconds)
