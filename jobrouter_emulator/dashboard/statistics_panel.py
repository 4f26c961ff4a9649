"""The dashboard's statistics panel: its figures and its script and style, under ``/_emulator/dashboard/``.

    GET /_emulator/dashboard/statistics        the report of GET /_emulator/statistics (same query), for the session
    GET /_emulator/dashboard/statistics.js     the panel's script (statistics.js); statistics.css its style

The browser cannot sign requests, so the page's session stands in for the signature, as for the stream. The panel
asks for the figures again after each snapshot the stream brings (dashboard.js raises "jobrouter:state"): after
every change and every move of the virtual clock, never on a timer.
"""

from __future__ import annotations

from typing import Awaitable, Callable, List, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..api.statistics import report_options
from ..engine.errors import RouterError
from ..statistics.live import LiveStatistics
from .auth import DashboardAuth
from .routes import HEADERS, PAGE, STATIC


def statistics_panel_routes(statistics: Optional[LiveStatistics], auth: DashboardAuth) -> List[Route]:
    def refused(request: Request) -> Optional[Response]:
        if not auth.has_session(request.cookies.get(auth.cookie_name)):
            return JSONResponse({"error": "log in to the dashboard first"}, status_code=401, headers=HEADERS)
        if statistics is None:
            return JSONResponse({"error": "statistics are off in this emulator"}, status_code=404, headers=HEADERS)
        return None

    async def figures(request: Request) -> Response:
        answer = refused(request)
        if answer is not None:
            return answer
        assert statistics is not None
        try:
            options = report_options(request)
        except RouterError as error:
            return JSONResponse({"error": error.message}, status_code=error.status, headers=HEADERS)
        report = await run_in_threadpool(lambda: statistics.report(**options))
        return JSONResponse(report, headers=HEADERS)

    def static(name: str, media_type: str, *, public: bool = False) -> Callable[[Request], Awaitable[Response]]:
        async def serve(request: Request) -> Response:
            if not public and not auth.has_session(request.cookies.get(auth.cookie_name)):
                return Response("log in to the dashboard first", status_code=401, headers=HEADERS)
            return Response((STATIC / name).read_text(encoding="utf-8"), media_type=media_type, headers=HEADERS)

        return serve

    return [
        Route(PAGE + "dashboard/statistics", figures, methods=["GET"]),
        Route(
            PAGE + "dashboard/statistics.js", static("statistics.js", "text/javascript; charset=utf-8"), methods=["GET"]
        ),
        Route(
            PAGE + "dashboard/statistics.css",
            static("statistics.css", "text/css; charset=utf-8", public=True),
            methods=["GET"],
        ),
    ]
