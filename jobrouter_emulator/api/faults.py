"""Fault injection: a share of ``/routing`` requests answered with 429 (and ``Retry-After``), 503, a dropped
connection, or served after an added latency, so client retry policies can be watched at work.

Faults are decided before the request reaches the router, so a faulted request changes nothing (latency only delays
a request that then runs). They can be limited to operations named as the SDK names them (``upsert_job``,
``get_worker``, ...). Set them with ``--faults key=value ...`` or ``PUT /_emulator/faults`` (signed) with the same keys
in a JSON object; ``GET`` shows the plan and how many faults were injected, ``DELETE`` clears it.

    {"throttle": 0.1, "retryAfterSeconds": 1, "unavailable": 0.02, "drop": 0.01,
     "latency": 0.2, "latencyMs": 250, "operations": ["upsert_job", "get_job"], "seed": 7}
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import threading
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..engine.errors import BadRequest
from ..options import options_from_tokens
from ..sdk import OPERATIONS
from .operations import operation_of
from .signed import json_object, signer

logger = logging.getLogger(__name__)


def _share(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name} is a share of requests from 0 to 1 (0.1 = 10%), got {value!r}")
    return float(value)


def _seconds(limit: float) -> Callable[[str, Any], float]:
    def check(name: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= limit:
            raise ValueError(f"{name} must be a number from 0 to {limit:g}, got {value!r}")
        return float(value)

    return check


def _operations(name: str, value: Any) -> Tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{name} must be a list of operation names such as ['upsert_job', 'get_job']")
    unknown = sorted(set(value) - set(OPERATIONS))
    if unknown:
        raise ValueError(f"{name}: unknown operation(s) {', '.join(unknown)}; known: {', '.join(sorted(OPERATIONS))}")
    return tuple(value)


def _seed(name: str, value: Any) -> Optional[int]:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return value


def _spec(json_name: str, check: Callable[[str, Any], Any]) -> Dict[str, Any]:
    return {"json": json_name, "check": check}


@dataclass(frozen=True)
class FaultPlan:
    throttle: float = field(default=0.0, metadata=_spec("throttle", _share))
    retry_after_seconds: float = field(default=1.0, metadata=_spec("retryAfterSeconds", _seconds(3600)))
    unavailable: float = field(default=0.0, metadata=_spec("unavailable", _share))
    drop: float = field(default=0.0, metadata=_spec("drop", _share))
    latency: float = field(default=0.0, metadata=_spec("latency", _share))
    latency_ms: float = field(default=0.0, metadata=_spec("latencyMs", _seconds(60_000)))
    operations: Tuple[str, ...] = field(default=(), metadata=_spec("operations", _operations))
    seed: Optional[int] = field(default=None, metadata=_spec("seed", _seed))

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> FaultPlan:
        specs = {f.metadata["json"]: f for f in fields(cls)}
        unknown = sorted(set(body) - set(specs))
        if unknown:
            raise ValueError(f"unknown fault setting(s) {', '.join(unknown)}; known: {', '.join(specs)}")
        plan = cls(**{spec.name: spec.metadata["check"](key, body[key]) for key, spec in specs.items() if key in body})
        if plan.throttle + plan.unavailable + plan.drop > 1:
            raise ValueError("throttle + unavailable + drop is more than 1: the shares are of the same requests")
        return plan

    @classmethod
    def from_cli(cls, tokens: Sequence[str]) -> FaultPlan:
        return cls.from_json(options_from_tokens(tokens, list_keys=("operations",)))

    def to_json(self) -> Dict[str, Any]:
        return {
            spec.metadata["json"]: list(value) if isinstance(value, tuple) else value
            for spec in fields(self)
            for value in [getattr(self, spec.name)]
        }


@dataclass(frozen=True)
class _Decision:
    fault: Optional[str]  # "throttle", "unavailable", "drop" or None (serve the request)
    delay: float  # seconds of added latency


_SERVE = _Decision(None, 0.0)  # the answer to nearly every request: built once


class Faults:
    """The current plan, its random draws and what it injected; shared by the middleware and the control routes."""

    KINDS = ("throttle", "unavailable", "drop", "latency")

    def __init__(self, plan: Optional[FaultPlan] = None) -> None:
        self._lock = threading.Lock()
        self.set(plan or FaultPlan())

    def set(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan = plan
            self._random = random.Random(plan.seed)
            self._injected = dict.fromkeys(self.KINDS, 0)

    def view(self) -> Dict[str, Any]:
        with self._lock:
            return {**self._plan.to_json(), "injected": dict(self._injected)}

    def decide(self, method: str, path: str) -> _Decision:
        plan = self._plan
        if not (plan.throttle or plan.unavailable or plan.drop or plan.latency):
            return _SERVE
        if plan.operations and operation_of(method, path) not in plan.operations:
            return _SERVE
        with self._lock:
            draw, latency_draw = self._random.random(), self._random.random()
            fault = None
            for kind, share in (("throttle", plan.throttle), ("unavailable", plan.unavailable), ("drop", plan.drop)):
                if draw < share:
                    fault = kind
                    break
                draw -= share
            delay = plan.latency_ms / 1000 if latency_draw < plan.latency else 0.0
            if fault:
                self._injected[fault] += 1
            if delay:
                self._injected["latency"] += 1
        return _Decision(fault, delay)

    @property
    def plan(self) -> FaultPlan:
        return self._plan


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"communicationError": {"code": code, "message": message}}).encode()


class FaultInjection:
    """ASGI middleware in front of the app: faults for ``/routing`` requests, everything else passes through."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/routing"):
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path", scope["path"].encode()).decode("latin-1").split("?", 1)[0]
        decision = self.faults.decide(scope["method"], raw_path)
        if decision.delay:
            await asyncio.sleep(decision.delay)
        if decision.fault is None:
            await self.app(scope, receive, send)
        elif decision.fault == "drop":
            await _drop_connection(send)
        elif decision.fault == "throttle":
            seconds = self.faults.plan.retry_after_seconds
            # Retry-After in whole seconds when whole (as HTTP writes it); a fraction keeps tests fast, and azure-core
            # reads it as a float.
            retry_after = str(int(seconds)) if seconds == math.floor(seconds) else f"{seconds:g}"
            body = _error_body("TooManyRequests", f"Too many requests (fault injected); retry after {retry_after} s.")
            await _respond(send, 429, body, [(b"retry-after", retry_after.encode())])
        else:
            body = _error_body("ServiceUnavailable", "The service is unavailable (fault injected).")
            await _respond(send, 503, body, [])


async def _respond(send: Send, status: int, body: bytes, headers: List[Tuple[bytes, bytes]]) -> None:
    start_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": start_headers})
    await send({"type": "http.response.body", "body": body})


async def _drop_connection(send: Send) -> None:
    """Close the connection without answering. ASGI has no message for that, so this reaches uvicorn's transport
    (``send`` is a method of uvicorn's request cycle); the client sees the connection reset."""
    while hasattr(send, "__wrapped__"):  # middleware that wraps send (the request log) names the one it wraps
        send = send.__wrapped__
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:  # another server: end the response half-way, which it reports as a broken connection
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
        return
    transport.abort()
    # Let the server see the lost connection before this returns, so it does not try to answer a 500 on it.
    for _ in range(3):
        await asyncio.sleep(0)


def fault_routes(faults: Faults, *, access_key: str, allow_bearer: bool) -> List[Route]:
    async def get_faults(request: Request, body: bytes) -> Response:
        return JSONResponse(faults.view())

    async def put_faults(request: Request, body: bytes) -> Response:
        try:
            plan = FaultPlan.from_json(json_object(body))
        except ValueError as exc:
            raise BadRequest(f"{exc}.") from None
        faults.set(plan)
        logger.info("Fault plan set: %s", plan.to_json())
        return JSONResponse(faults.view())

    async def delete_faults(request: Request, body: bytes) -> Response:
        faults.set(FaultPlan())
        return Response(status_code=204)

    guard = signer(access_key=access_key, allow_bearer=allow_bearer)

    return [
        Route("/_emulator/faults", guard(get_faults), methods=["GET"]),
        Route("/_emulator/faults", guard(put_faults), methods=["PUT"]),
        Route("/_emulator/faults", guard(delete_faults), methods=["DELETE"]),
    ]
