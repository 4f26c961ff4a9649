"""The emulator's own controls: empty its state, read and move its clock. Signed like ``/routing`` requests.

POST /_emulator/reset                               -> 204; every resource, job, offer, timer and event is gone
GET  /_emulator/clock                               -> {"now": "...", "virtual": true}
POST /_emulator/clock:advance  {"seconds": 3600}    -> {"now": "...", "virtual": true}, once the work that fell
                                                       due on the way is done (409 on the system clock)
"""

from __future__ import annotations

from typing import Any, Dict, List

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..engine.errors import BadRequest
from ..engine.router import Router
from ..engine.times import format_time
from .signed import json_object, signer


def clock_view(router: Router) -> Dict[str, Any]:
    """The engine's time and whether it is virtual."""
    return {"now": format_time(router.now()), "virtual": router.clock_is_virtual}


def control_routes(router: Router, *, access_key: str, allow_bearer: bool) -> List[Route]:
    async def reset(request: Request, body: bytes) -> Response:
        # Off the event loop: the reset waits for the router's lock, which a timer may hold during a rule's call.
        await run_in_threadpool(router.reset)
        return Response(status_code=204)

    async def read_clock(request: Request, body: bytes) -> Response:
        return JSONResponse(clock_view(router))

    async def advance_clock(request: Request, body: bytes) -> Response:
        options = json_object(body)
        unknown = sorted(set(options) - {"seconds"})
        if unknown or "seconds" not in options:
            raise BadRequest('The body is {"seconds": N}: how far to move the clock.', target="seconds")
        await run_in_threadpool(router.advance, options["seconds"])
        return JSONResponse(clock_view(router))

    guard = signer(access_key=access_key, allow_bearer=allow_bearer)

    return [
        Route("/_emulator/reset", guard(reset), methods=["POST"]),
        Route("/_emulator/clock", guard(read_clock), methods=["GET"]),
        Route("/_emulator/clock:advance", guard(advance_clock), methods=["POST"]),
    ]
