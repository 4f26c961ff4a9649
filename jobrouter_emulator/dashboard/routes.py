"""The dashboard's routes, under ``/_emulator/``:

    GET  /_emulator/?token=T         spend a login token: session cookie, then a redirect to the page without it
    GET  /_emulator/                 the page (401 and the login form without a session)
    POST /_emulator/login            the login form: the access key for a session
    POST /_emulator/logout           end the session
    GET  /_emulator/dashboard/stream the live stream (stream.py); 401 without a session
    GET  /_emulator/dashboard/dashboard.js, dashboard.css   the page's script and style (the style is public: the
                                     login form uses it)

Every answer forbids caching, framing and sending the URL on as a referrer (the login URL holds a token), and
allows only this origin's script and style (no inline code, nothing from elsewhere).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from ..api.admission import ClientGone, read_body
from ..api.errors import error_response
from ..api.feed import EventFeed
from ..engine.errors import BadRequest, PayloadTooLarge
from ..engine.router import Router
from .auth import COOKIE_PATH, DashboardAuth
from .stream import SharedSnapshot, dashboard_messages, start_sequence

STATIC = Path(__file__).parent / "static"
PAGE = "/_emulator/"
MAX_LOGIN_FORM_BYTES = 4096

HEADERS: Dict[str, str] = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def _static(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def login_page(message: str, status: int = 401, *, refused: bool = True) -> Response:
    """The login form (401: the page needs a session), with ``message`` saying why it is shown (in red when a login
    was ``refused``)."""
    body = _static("login.html").replace("<!--message-->", html.escape(message))
    body = body.replace("<!--tone-->", "refused" if refused else "")
    return Response(body, status_code=status, media_type="text/html; charset=utf-8", headers=HEADERS)


def foreign_origin(request: Request) -> bool:
    """Whether a request that changes state comes from another site's page (login CSRF: a page elsewhere logging the
    browser in to a session of its choosing). Browsers send ``Origin`` with every POST; it must name this server as
    the request reached it (``Host``, which the allow-list has checked). ``Sec-Fetch-Site``, where sent, must not
    say cross-site. A request with neither is not a browser's (curl, a script) and is let through."""
    headers = request.headers
    if headers.get("sec-fetch-site", "same-origin").lower() not in ("same-origin", "none"):
        return True
    origin = headers.get("origin")
    if origin is None:
        return False
    scheme = request.url.scheme
    return origin.strip().lower() != f"{scheme}://{headers.get('host', '').strip().lower()}"


def cross_origin_refused() -> Response:
    return Response(
        "The dashboard takes this request from its own page only (the Origin header names another site).",
        status_code=403,
        media_type="text/plain; charset=utf-8",
        headers=HEADERS,
    )


def dashboard_routes(router: Router, feed: EventFeed, auth: DashboardAuth) -> List[Route]:
    snapshots = SharedSnapshot(router)  # one snapshot for every open page

    def session_of(request: Request) -> Optional[str]:
        cookie = request.cookies.get(auth.cookie_name)
        return cookie if auth.has_session(cookie) else None

    def to_page(session: str) -> Response:
        response = RedirectResponse(PAGE, status_code=303, headers=HEADERS)
        response.headers.append("Set-Cookie", auth.cookie(session))
        return response

    async def dashboard_page(request: Request) -> Response:
        token = request.query_params.get("token")
        if token is not None:
            session = auth.redeem_token(token)
            if session is None and session_of(request) is not None:
                # The link again, from a browser logged in already (a bookmark, a reload): the page, not a refusal
                return RedirectResponse(PAGE, status_code=303, headers=HEADERS)
            if session is None:
                return login_page(
                    "This login link was used already, is over 10 minutes old, or was never valid here. Enter the "
                    "access key, or use a new link (the emulator prints one when it starts)."
                )
            return to_page(session)
        if session_of(request) is None:
            return login_page("Open the login URL the emulator printed, or enter its access key.", refused=False)
        return Response(_static("index.html"), media_type="text/html; charset=utf-8", headers=HEADERS)

    async def dashboard_login(request: Request) -> Response:
        if foreign_origin(request):
            return cross_origin_refused()
        try:
            body = await read_body(request, MAX_LOGIN_FORM_BYTES)
        except PayloadTooLarge:
            return login_page("The login form is larger than it can be.", status=413)
        except ClientGone:
            return Response(status_code=400, headers=HEADERS)
        key = (parse_qs(body.decode("utf-8", "replace")).get("key") or [""])[0]
        session = auth.log_in_with_key(key)
        if session is None:
            return login_page("That is not the access key of this emulator.")
        return to_page(session)

    async def dashboard_logout(request: Request) -> Response:
        if foreign_origin(request):
            return cross_origin_refused()
        auth.end_session(request.cookies.get(auth.cookie_name))
        response = RedirectResponse(PAGE, status_code=303, headers=HEADERS)
        response.delete_cookie(auth.cookie_name, path=COOKIE_PATH)
        return response

    async def dashboard_stream(request: Request) -> Response:
        if session_of(request) is None:
            return JSONResponse({"error": "log in to the dashboard first"}, status_code=401, headers=HEADERS)
        try:
            since = start_sequence(router, request.headers.get("last-event-id"))
        except BadRequest as error:
            return error_response(error, request, HEADERS)
        return StreamingResponse(
            dashboard_messages(router, feed, since, snapshots),
            media_type="text/event-stream",
            headers={**HEADERS, "X-Accel-Buffering": "no"},
        )

    async def dashboard_js(request: Request) -> Response:
        if session_of(request) is None:
            return Response("log in to the dashboard first", status_code=401, headers=HEADERS)
        return Response(_static("dashboard.js"), media_type="text/javascript; charset=utf-8", headers=HEADERS)

    async def dashboard_css(request: Request) -> Response:
        return Response(_static("dashboard.css"), media_type="text/css; charset=utf-8", headers=HEADERS)

    return [
        Route(PAGE, dashboard_page, methods=["GET"]),
        Route(PAGE + "login", dashboard_login, methods=["POST"]),
        Route(PAGE + "logout", dashboard_logout, methods=["POST"]),
        Route(PAGE + "dashboard/stream", dashboard_stream, methods=["GET"]),
        Route(PAGE + "dashboard/dashboard.js", dashboard_js, methods=["GET"]),
        Route(PAGE + "dashboard/dashboard.css", dashboard_css, methods=["GET"]),
    ]
