"""Run the emulator inside the current process, on a free port: for tests, samples and notebooks.

with EmbeddedEmulator() as emulator:
    client = JobRouterClient.from_connection_string(emulator.connection_string)

with EmbeddedEmulator(clock="virtual") as emulator:   # time moves only when told
    ...
    emulator.advance(3600)   # an hour later, with everything that fell due on the way done
    emulator.reset()         # empty again, in a millisecond

Event subscriptions and faults are set from Python with the same checks as their control routes
(``/_emulator/eventSubscriptions``, ``/_emulator/faults``), without building a signed request:

    emulator.subscribe("agents", "http://127.0.0.1:8000/events", included_event_types=["RouterWorkerOfferIssued"])
    emulator.set_faults(throttle=0.2, retry_after_seconds=0.1, seed=7)
"""

from __future__ import annotations

import tempfile
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Union

from .api.faults import FaultPlan
from .auth import DEFAULT_ACCESS_KEY
from .delivery import EventSubscription, SubscriptionError
from .engine.clock import make_clock
from .engine.errors import BadRequest, Conflict
from .engine.router import Router
from .engine.routing_delay import RoutingDelay
from .limits import Limits
from .service import EmulatorServer, EmulatorSettings
from .statistics import DEFAULT_INTERVAL_SECONDS, DEFAULT_SERVICE_LEVEL_SECONDS
from .statistics.settings import StatisticsSettings


def _json_body(options: Dict[str, Any], json_names: Dict[str, str], what: str) -> Dict[str, Any]:
    """Keyword ``options`` (python names) as the JSON object the control route takes; an unknown name is a
    TypeError listing the known ones, as a Python call with a wrong keyword would be."""
    unknown = sorted(set(options) - set(json_names))
    if unknown:
        raise TypeError(f"unknown {what} option(s) {', '.join(unknown)}; known: {', '.join(sorted(json_names))}")
    return {json_names[name]: list(v) if isinstance(v, tuple) else v for name, v in options.items()}


# Python name -> JSON name of each option of PUT /_emulator/eventSubscriptions/{name} and PUT /_emulator/faults,
# read from the definitions themselves so that a new option is accepted here at once.
_SUBSCRIPTION_OPTIONS = {f.name: f.metadata["json"] for f in fields(EventSubscription) if f.metadata}
_FAULT_OPTIONS = {f.name: f.metadata["json"] for f in fields(FaultPlan)}


class EmbeddedEmulator:
    """The emulator, run in this process on a free port of 127.0.0.1, started and stopped as a context manager.

    Every option is keyword-only; the defaults suit a test: in memory, HTTP, the well-known development key.

    :param tls: serve HTTPS with a self-signed certificate made for the run (its path: :attr:`cert_path`); clients
        trust it with ``connection_verify=str(emulator.cert_path)``.
    :param in_memory: keep no state on disk (the default); False keeps it in SQLite under ``data_dir``.
    :param data_dir: where SQLite state (``in_memory=False``) and a generated certificate go; by default a temporary
        directory removed at :meth:`stop`.
    :param access_key: the base64 key requests are signed with; by default the well-known development key.
    :param allow_bearer: also accept ``Authorization: Bearer`` tokens (any token), for code using a
        ``TokenCredential``.
    :param port: the port to listen on; by default a free one (read it from :attr:`endpoint`).
    :param event_webhooks: URLs that receive every Router event, each a subscription with Event Grid's defaults.
    :param event_subscriptions: subscriptions with filters, schema and batching (:class:`EventSubscription`); see
        also :meth:`subscribe`.
    :param retry_scale: scales the delivery retry schedule and event time to live (0.001: a 10 s retry step takes
        10 ms), so tests of failing webhooks run fast.
    :param faults: a :class:`FaultPlan` of throttled, failed, dropped or slowed ``/routing`` requests from the
        start; see also :meth:`set_faults`.
    :param seed: seed for the random choices (weighted allocation, routing delays drawn from a range), so a run
        repeats.
    :param limits: request and connection limits (:class:`~jobrouter_emulator.limits.Limits`).
    :param clock: ``"system"`` (the default), or ``"virtual"``: time moves only with :meth:`advance`.
    :param routing_delay: route this long after the request that causes it, as the service does (some hundreds of
        milliseconds): ``"500ms"``, a range ``"200ms-800ms"`` drawn per request with ``seed``, or seconds. On a
        virtual clock it is virtual time. By default routing runs at once.
    :param allowed_hosts: host names requests may be addressed to besides the local ones (``["*"]``: any); see
        the README's "Browsers and the Host check".
    :param statistics_interval: the supervisor statistics' interval in seconds (default 900, 15 minutes).
    :param service_level_seconds: every queue's service-level threshold in seconds (default 20).
    :param service_levels: queue id -> that queue's own service-level threshold in seconds.
    """

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
        routing_delay: Union[str, float, None] = None,
        statistics_interval: Optional[float] = None,
        service_levels: Optional[Mapping[str, float]] = None,
        service_level_seconds: Optional[float] = None,
        allowed_hosts: Union[str, List[str], None] = None,
    ) -> None:
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
            routing_delay=RoutingDelay.parse(routing_delay),  # a malformed delay fails here, not at start()
            statistics=StatisticsSettings(
                interval_seconds=DEFAULT_INTERVAL_SECONDS if statistics_interval is None else statistics_interval,
                service_level_seconds=(
                    DEFAULT_SERVICE_LEVEL_SECONDS if service_level_seconds is None else service_level_seconds
                ),
                queue_service_level_seconds=dict(service_levels or {}),
            ),
            # host names besides the local ones; ["*"]: any (one name alone is a list of one, not of its letters)
            allowed_hosts=[allowed_hosts] if isinstance(allowed_hosts, str) else list(allowed_hosts or []),
        )
        self._settings.statistics.build()  # type: ignore[union-attr]  # a bad threshold fails here, not at start()
        make_clock(clock)  # a clock name that is neither "system" nor "virtual" fails here, not at start()
        self._server: Optional[EmulatorServer] = None

    def start(self) -> EmbeddedEmulator:
        """Start serving (``with EmbeddedEmulator() as emulator`` calls it); returns the emulator."""
        self._server = EmulatorServer(self._settings)
        self._server.start_in_thread()
        return self

    def stop(self) -> None:
        """Stop serving and close the state; a temporary data directory is removed. Stopping twice is harmless."""
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
        """``endpoint=http://127.0.0.1:PORT/;accesskey=...``, for ``from_connection_string``."""
        return self._running().connection_string

    @property
    def endpoint(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT/`` (``https://`` with ``tls``)."""
        return self._running().endpoint

    @property
    def access_key(self) -> str:
        """The key requests are signed with (for ``AzureKeyCredential``)."""
        return self._settings.access_key

    @property
    def cert_path(self) -> Optional[Path]:
        """The certificate HTTPS is served with (``tls=True``), to trust in clients; None over HTTP."""
        return self._running().cert_path

    @property
    def router(self) -> Router:
        """The routing engine itself, for tests that inspect state without HTTP."""
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

    # -- event subscriptions and faults, as the control routes set them ---------------------------------------------
    def subscribe(self, name: str, endpoint_url: Optional[str] = None, **options: Any) -> Dict[str, Any]:
        """Create or replace the event subscription ``name``, delivering to the webhook ``endpoint_url``, as
        ``PUT /_emulator/eventSubscriptions/{name}`` does; returns its view (the route's response body). A Storage
        queue subscription names no URL: ``subscribe(name, endpoint_type="StorageQueue", queue_name=...,
        connection_string=...)``.

        ``options`` are the route's fields in python spelling: ``included_event_types`` (a list of event types),
        ``subject_begins_with``, ``subject_ends_with``, ``is_subject_case_sensitive``, ``event_delivery_schema``
        (``"EventGridSchema"`` or ``"CloudEventSchemaV1_0"``), ``max_events_per_batch``, ``max_delivery_attempts``,
        ``event_time_to_live_in_minutes``, ``dead_letter_folder``. A new subscription gets the events committed
        from now on; a replaced one keeps its place. A bad value is a ValueError saying what to change.
        """
        body = _json_body(options, _SUBSCRIPTION_OPTIONS, "subscription")
        if endpoint_url is not None:
            body["endpointUrl"] = endpoint_url
        try:
            subscription = EventSubscription.from_json(name, body)
        except SubscriptionError as exc:
            raise ValueError(str(exc)) from None
        view, _ = self._running().delivery.put(subscription)
        return view

    def unsubscribe(self, name: str) -> bool:
        """Delete the event subscription ``name`` (``DELETE /_emulator/eventSubscriptions/{name}``); returns whether
        there was one (deleting what is not there is no error, as in Azure)."""
        return self._running().delivery.delete(name)

    def subscriptions(self) -> List[Dict[str, Any]]:
        """Every event subscription's view, with its delivery state (``GET /_emulator/eventSubscriptions``)."""
        return self._running().delivery.list()

    def set_faults(self, **options: Any) -> Dict[str, Any]:
        """Replace the fault plan of ``/routing`` requests, as ``PUT /_emulator/faults`` does; returns the plan and the
        counts of faults injected so far (reset to zero).

        ``options``: ``throttle``, ``unavailable``, ``drop`` and ``latency`` (shares of requests, 0 to 1, answered
        429 with ``Retry-After``, answered 503, dropped, or delayed), ``retry_after_seconds``, ``latency_ms``,
        ``operations`` (SDK operation names such as ``"upsert_job"``; by default every operation) and ``seed``. A
        bad value is a ValueError saying what to change.
        """
        try:
            plan = FaultPlan.from_json(_json_body(options, _FAULT_OPTIONS, "fault"))
        except ValueError as exc:
            raise ValueError(f"{exc}.") from None
        faults = self._running().faults
        faults.set(plan)
        return faults.view()

    def faults(self) -> Dict[str, Any]:
        """The fault plan and how many faults of each kind were injected (``GET /_emulator/faults``)."""
        return self._running().faults.view()

    def clear_faults(self) -> None:
        """Serve every request normally again (``DELETE /_emulator/faults``)."""
        self._running().faults.set(FaultPlan())

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
