"""``GET /_emulator/statistics``: the supervisor statistics (``jobrouter_emulator/statistics``) as JSON or CSV.

Signed like the event feed (the figures name queues and workers). Query parameters, all optional:

- ``since``, ``until``: ISO 8601 times; the waits that started between them, as they stood at ``until`` (default:
  from the first event, to the emulator's clock now);
- ``interval``: the intervals' length in seconds (default ``--statistics-interval``);
- ``serviceLevel``: ``SECONDS`` (every queue) or ``QUEUE=SECONDS``, repeatable: judge this report against other
  thresholds than ``--service-level``;
- ``format``: ``json`` (default) or ``csv``.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Dict, List, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..engine.errors import BadRequest, NotFound
from ..engine.times import parse_time
from ..statistics.ledger import MAX_SECONDS
from ..statistics.live import LiveStatistics
from ..statistics.settings import service_levels
from ..statistics.table import report_csv
from .signed import signer

PARAMETERS = ("since", "until", "interval", "serviceLevel", "format")


def _time(request: Request, name: str) -> Optional[datetime]:
    text = request.query_params.get(name)
    if text is None:
        return None
    try:
        moment = parse_time(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadRequest(
            f"{name} must be an ISO 8601 date-time with its time zone (Z or +hh:mm), got {text!r}.", target=name
        ) from None
    return moment


def report_options(request: Request) -> Dict[str, Any]:
    """The report's keyword arguments from the query (a 400 that names the parameter to fix)."""
    params = request.query_params
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        raise BadRequest(
            f"Unknown parameter {unknown[0]}; the parameters are {', '.join(PARAMETERS)}.", target=unknown[0]
        )
    interval: Optional[float] = None
    if params.get("interval") is not None:
        try:
            interval = float(params["interval"])
        except ValueError:
            interval = math.nan
        if not math.isfinite(interval) or not 1 <= interval <= MAX_SECONDS:
            raise BadRequest(
                f"interval must be a number of seconds from 1 to {MAX_SECONDS}, got {params['interval']!r}.",
                target="interval",
            )
    try:
        default, per_queue = service_levels(params.getlist("serviceLevel"))
    except ValueError as exc:
        raise BadRequest(f"serviceLevel: {exc}.", target="serviceLevel") from None
    since, until = _time(request, "since"), _time(request, "until")
    if since is not None and until is not None and since > until:
        raise BadRequest("since must not be after until.", target="since")
    return {
        "since": since,
        "until": until,
        "interval_seconds": interval,
        "service_level_seconds": default,
        "queue_service_level_seconds": per_queue,
    }


def statistics_routes(statistics: Optional[LiveStatistics], *, access_key: str, allow_bearer: bool) -> List[Route]:
    async def read_statistics(request: Request, body: bytes) -> Response:
        if statistics is None:
            raise NotFound("Statistics are off in this emulator.", target="/_emulator/statistics")
        options = report_options(request)
        form = request.query_params.get("format", "json")
        if form not in ("json", "csv"):
            raise BadRequest(f"format must be json or csv, got {form!r}.", target="format")
        # Off the event loop: a report folds what is pending and walks every wait.
        try:
            report = await run_in_threadpool(lambda: statistics.report(**options))
        except ValueError as exc:  # a window or threshold the report cannot use; the message names it
            raise BadRequest(f"{exc}.") from None
        if form == "csv":
            return Response(report_csv(report), media_type="text/csv; charset=utf-8")
        return JSONResponse(report)

    guard = signer(access_key=access_key, allow_bearer=allow_bearer)
    return [Route("/_emulator/statistics", guard(read_statistics), methods=["GET"])]
