"""The request log: one line per HTTP request, once it is answered, on the ``jobrouter_emulator.requests`` logger.

    PATCH /routing/jobs/j1 upsert_job 201 2.4 ms jobId=j1

Method, path as sent (never the query string, which may carry a login token), the operation (the SDK's name for
``/routing`` requests, the route's name for the emulator's own), status (``-`` when the connection was dropped
without an answer), duration in milliseconds, and the ids in the path. In JSON lines these are the keys ``method``,
``path``, ``operation``, ``status``, ``durationMs`` and ``jobId``, ``workerId``, ... No header or body is read, so
signatures and keys cannot reach the log.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Dict, Optional

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .operations import call_of

logger = logging.getLogger("jobrouter_emulator.requests")

ID_ORDER = ("jobId", "workerId", "offerId", "assignmentId", "queueId")


def _route_name(scope: Scope) -> Optional[str]:
    """The name of the emulator's own route that answered (the router put its endpoint in the scope)."""
    endpoint = scope.get("endpoint")
    return getattr(endpoint, "__name__", None) if endpoint is not None else None


class RequestLog:
    """ASGI middleware outermost in the app: it sees every request, faulted ones too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: Dict[str, Any] = {}

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        send_and_note.__wrapped__ = send  # type: ignore[attr-defined]  # fault injection drops through to the server

        try:
            await self.app(scope, receive, send_and_note)
        except BaseException:
            status.setdefault("code", 500)
            raise
        finally:
            self._log(scope, status.get("code"), (time.perf_counter() - started) * 1000)

    @staticmethod
    def _log(scope: Scope, status: Optional[int], duration_ms: float) -> None:
        method = scope["method"]
        path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1").split("?", 1)[0]
        routing = path.startswith("/routing/")
        call = call_of(method, path) if routing else None
        operation = call.operation if call is not None else None if routing else _route_name(scope)
        ids = call.ids if call is not None else {}
        ordered = sorted(ids.items(), key=lambda item: ID_ORDER.index(item[0]) if item[0] in ID_ORDER else 99)
        fields: Dict[str, Any] = {
            "method": method,
            "path": path,
            "operation": operation,
            "status": status,
            "durationMs": round(duration_ms, 1),
            **dict(ordered),
        }
        id_text = "".join(f" {name}={value}" for name, value in ordered)
        logger.info(
            "%s %s %s %s %.1f ms%s",
            method,
            path,
            operation or "-",
            status if status is not None else "-",
            duration_ms,
            id_text,
            extra={"fields": fields},
        )
