"""Route parsed events to handlers, by event class.

Register with a decorator (``@dispatcher.on(RouterJobQueued)``) or by subclassing :class:`RouterEventHandler`
(set ``event_class`` and write ``handle``), sync or async. Every handler of an event runs even if another one
raises; the failures come back in the :class:`DispatchResult`.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Type, TypeVar, Union, cast

from ._envelope import RouterEvent
from ._parse import RouterEventParseError, parse_each

logger = logging.getLogger(__name__)

Handler = Callable[[RouterEvent], Union[None, Awaitable[None]]]

EventT = TypeVar("EventT", bound=RouterEvent)
# A handler returns nothing (sync) or an awaitable of nothing (``async def``): anything else is a mistake to report.
ResultT = TypeVar("ResultT", bound=Union[None, Awaitable[None]])


class RouterEventHandler:
    """Subclass, set ``event_class`` (a RouterEvent subclass, or RouterEvent for every event) and write ``handle``."""

    event_class: Type[RouterEvent] = RouterEvent

    def handle(self, event: RouterEvent) -> Union[None, Awaitable[None]]:
        raise NotImplementedError


@dataclass
class DispatchResult:
    """What one dispatch did.

    :ivar int handled: Handler calls that returned normally.
    :ivar errors: (event, exception) for each handler that raised; the other handlers still ran.
    :ivar unhandled: Events no handler was registered for (kept, so nothing is dropped silently).
    :ivar rejected: Input that could not be read as an event, one error per bad event of a batch; the good events
        of the batch were still dispatched.
    """

    handled: int = 0
    errors: List[Tuple[RouterEvent, BaseException]] = field(default_factory=list)
    unhandled: List[RouterEvent] = field(default_factory=list)
    rejected: List[RouterEventParseError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every event was read and every handler succeeded (unhandled events are not failures)."""
        return not self.errors and not self.rejected


class RouterEventDispatcher:
    def __init__(self, handlers: Optional[Iterable[RouterEventHandler]] = None) -> None:
        self._handlers: Dict[Type[RouterEvent], List[Handler]] = {}
        for handler in handlers or ():
            self.add_handler(handler.event_class, handler.handle)

    def add_handler(self, event_class: Type[EventT], handler: Callable[[EventT], ResultT]) -> None:
        """Run ``handler`` (sync or async) for every event of ``event_class`` or of a subclass of it."""
        if not (isinstance(event_class, type) and issubclass(event_class, RouterEvent)):
            raise TypeError(f"Handlers are registered for RouterEvent classes, not {event_class!r}")
        if not callable(handler):
            raise TypeError(f"A handler must be callable, not {type(handler).__name__}")
        # Only events of event_class reach this handler (_handlers_for looks them up by class), so it is safe to
        # keep it with the handlers of every event.
        self._handlers.setdefault(event_class, []).append(cast(Handler, handler))

    def on(self, event_class: Type[EventT]) -> Callable[[Callable[[EventT], ResultT]], Callable[[EventT], ResultT]]:
        """A decorator registering a handler of ``event_class``, sync or async, and returning it unchanged::

            @dispatcher.on(RouterJobQueued)
            def on_queued(event: RouterJobQueued) -> None: ...

        Type checkers accept a handler taking ``event_class`` (or a base of it) and report one taking another
        event class or returning a value.
        """

        def register(handler: Callable[[EventT], ResultT]) -> Callable[[EventT], ResultT]:
            self.add_handler(event_class, handler)
            return handler

        return register

    def _handlers_for(self, event: RouterEvent) -> List[Handler]:
        found: List[Handler] = []
        for klass in type(event).__mro__:
            found.extend(self._handlers.get(klass, ()))
        return found

    def _calls(self, source: Any, result: DispatchResult) -> Iterator[Tuple[RouterEvent, Handler]]:
        for event in parse_each(source):
            if isinstance(event, RouterEventParseError):
                logger.warning("Rejected an event: %s", event)
                result.rejected.append(event)
                continue
            handlers = self._handlers_for(event)
            if not handlers:
                result.unhandled.append(event)
            for handler in handlers:
                yield event, handler

    @staticmethod
    def _failed(result: DispatchResult, event: RouterEvent, handler: Handler, exc: Exception) -> None:
        logger.exception("Handler %r failed on %s", handler, event.event_type)
        result.errors.append((event, exc))

    def dispatch(self, source: Any) -> DispatchResult:
        """Parse ``source`` and run the sync handlers; awaitable results are an error here (use ``dispatch_async``)."""
        result = DispatchResult()
        for event, handler in self._calls(source, result):
            try:
                outcome = handler(event)
                if inspect.isawaitable(outcome):
                    close = getattr(outcome, "close", None)
                    if close:
                        close()
                    raise TypeError(f"{handler!r} is async; call dispatch_async")
                result.handled += 1
            except Exception as exc:  # noqa: BLE001 - one failing handler must not stop the others
                self._failed(result, event, handler, exc)
        return result

    async def dispatch_async(self, source: Any) -> DispatchResult:
        """Parse ``source`` and run every handler, awaiting async ones."""
        result = DispatchResult()
        for event, handler in self._calls(source, result):
            try:
                outcome = handler(event)
                if inspect.isawaitable(outcome):
                    await outcome
                result.handled += 1
            except Exception as exc:  # noqa: BLE001
                self._failed(result, event, handler, exc)
        return result
