"""The ASGI application: routes the REST API onto the router, with HMAC checks, conditional requests and paging.

Operations use ``:action`` suffixes on path segments (``/routing/jobs/{id}:cancel``), so requests are matched
with the regular expressions of ``_Api.routes`` rather than the framework's path converters. An id may contain
``:`` (clients send it raw): a suffix is an action only where the route names it, so ``POST .../jobs/a:b:cancel``
cancels job ``a:b`` and ``GET .../jobs/a:cancel`` reads job ``a:cancel``. The resource routes (get, upsert,
delete, list) and the list filters come from the resource declarations
(:data:`~jobrouter_emulator.engine.resources.RESOURCES`).
"""

from __future__ import annotations

import base64
import json
import logging
import re
from datetime import datetime
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, unquote, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from ..auth import DEFAULT_ACCESS_KEY, verify_request
from ..engine.errors import BadRequest, NotFound, PayloadTooLarge, RouterError, UnsupportedMediaType
from ..engine.resources import RESOURCES
from ..engine.router import Router
from ..engine.state import Entity
from ..engine.times import format_http_date, parse_http_date
from .feed import EventFeed

logger = logging.getLogger(__name__)

API_VERSIONS = {"2023-11-01"}
MAX_BODY_BYTES = 2 * 1024 * 1024
LOCK_WAIT_ON_LOOP = 0.02  # seconds a request waits on the event loop for the router's lock before using a thread
COLLECTIONS = "(" + "|".join(re.escape(collection) for collection in RESOURCES) + ")"

Handler = Callable[..., Tuple[int, Any, Dict[str, str]]]


def _entity_response(entity: Entity, status: int = 200) -> Tuple[int, Any, Dict[str, str]]:
    headers = {"ETag": entity.etag, "Last-Modified": format_http_date(entity.last_modified)}
    return status, entity.body, headers


def _http_date(value: Optional[str], name: str) -> Optional[datetime]:
    if value is None:
        return None
    try:
        return parse_http_date(value)
    except ValueError:
        raise BadRequest(f"The {name} header is not an RFC 1123 date.", target=name) from None


def _query(query_string: str) -> Dict[str, str]:
    """The query's parameters (the last of a repeated name wins). Most queries are ``api-version=...`` alone, with
    nothing to decode: those are split directly, at a fifth of ``parse_qsl``'s cost."""
    if "%" in query_string or "+" in query_string:
        return dict(parse_qsl(query_string, keep_blank_values=True))
    pairs = (pair.partition("=") for pair in query_string.split("&") if pair)
    return {name: value for name, _, value in pairs}


def _continuation(page: str, query: Dict[str, str]) -> str:
    """The continuation token of a next link: the router's page token and the query that chose the items."""
    return base64.urlsafe_b64encode(json.dumps({"page": page, "query": query}).encode()).decode()


def _read_continuation(token: str) -> Tuple[str, Dict[str, str]]:
    try:
        carried = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
        page, query = carried["page"], carried["query"]
        if not isinstance(page, str) or not isinstance(query, dict):
            raise ValueError("unexpected shape")
    except (ValueError, KeyError, TypeError):
        raise BadRequest("The continuationToken is not valid.", target="continuationToken") from None
    return page, {str(k): str(v) for k, v in query.items()}


class _Api:
    def __init__(self, router: Router) -> None:
        self.router = router
        self.routes: List[Tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(rf"^/routing/{COLLECTIONS}$"), self.list),
            ("PATCH", re.compile(rf"^/routing/{COLLECTIONS}/([^/]+)$"), self.upsert),
            ("GET", re.compile(rf"^/routing/{COLLECTIONS}/([^/]+)$"), self.get),
            ("DELETE", re.compile(rf"^/routing/{COLLECTIONS}/([^/]+)$"), self.delete),
            ("POST", re.compile(r"^/routing/jobs/([^/]+):(cancel|reclassify|complete|close)$"), self.job_action),
            (
                "POST",
                re.compile(r"^/routing/jobs/([^/]+)/assignments/([^/]+):(complete|close|unassign)$"),
                self.assignment_action,
            ),
            ("POST", re.compile(r"^/routing/workers/([^/]+)/offers/([^/]+):(accept|decline)$"), self.offer_action),
            ("GET", re.compile(r"^/routing/jobs/([^/]+)/position$"), self.position),
            ("GET", re.compile(r"^/routing/queues/([^/]+)/statistics$"), self.statistics),
        ]

    def dispatch(
        self, method: str, path: str, query: Dict[str, str], headers: Dict[str, str], body: Any
    ) -> Tuple[int, Any, Dict[str, str]]:
        path_matched = False
        for route_method, pattern, handler in self.routes:
            match = pattern.match(path)
            if match is None:
                continue
            path_matched = True
            if route_method == method:
                groups = [unquote(g) for g in match.groups()]
                return handler(*groups, query=query, headers=headers, body=body)
        if path_matched:
            return (
                405,
                {"communicationError": {"code": "MethodNotAllowed", "message": f"{method} is not allowed on {path}."}},
                {},
            )
        raise NotFound(f"No operation matches {method} {path}.")

    # -- handlers -------------------------------------------------------------------------------------------------
    def upsert(self, collection: str, key: str, *, query: Dict[str, str], headers: Dict[str, str], body: Any):
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ("application/merge-patch+json", "application/json"):
            raise UnsupportedMediaType("Upserts take a JSON body with Content-Type application/merge-patch+json.")
        entity, created = self.router.upsert(
            collection,
            key,
            body if body is not None else {},
            if_match=headers.get("if-match"),
            if_none_match=headers.get("if-none-match"),
            if_unmodified_since=_http_date(headers.get("if-unmodified-since"), "If-Unmodified-Since"),
        )
        return _entity_response(entity, 201 if created else 200)

    def get(self, collection: str, key: str, **_: Any):
        return _entity_response(self.router.get(collection, key))

    def delete(self, collection: str, key: str, *, headers: Dict[str, str], **_: Any):
        self.router.delete(
            collection,
            key,
            if_match=headers.get("if-match"),
            if_unmodified_since=_http_date(headers.get("if-unmodified-since"), "If-Unmodified-Since"),
        )
        return 204, None, {}

    def list(self, collection: str, *, query: Dict[str, str], **_: Any):
        # As the service does, the next link carries only a continuation token, with the query inside it; query
        # parameters sent beside a token win over the ones it carries.
        page_token: Optional[str] = None
        carried: Dict[str, str] = {}
        if "continuationToken" in query:
            page_token, carried = _read_continuation(query["continuationToken"])
        query = {**carried, **{k: v for k, v in query.items() if k not in ("continuationToken", "api-version")}}
        filters = {
            f.name: f.parse(f.name, query[f.name]) for f in RESOURCES[collection].list_filters if f.name in query
        }
        page_size = None
        if "maxpagesize" in query:
            try:
                page_size = int(query["maxpagesize"])
            except ValueError:
                raise BadRequest("maxpagesize must be a whole number.", target="maxpagesize") from None
        items, token = self.router.list(collection, filters=filters, page_size=page_size, continuation=page_token)
        result: Dict[str, Any] = {"value": items}
        if token:
            result["nextLink"] = f"/routing/{collection}?" + urlencode(
                {"continuationToken": _continuation(token, query)}
            )
        return 200, result, {}

    def job_action(self, job_id: str, action: str, *, body: Any, **_: Any):
        body = body or {}
        if action == "cancel":
            return 200, self.router.cancel_job(job_id, body), {}
        if action == "reclassify":
            return 200, self.router.reclassify_job(job_id, body), {}
        # Pre-release form (the service recordings): the assignment id travels in the body.
        assignment_id = body.get("assignmentId")
        if not isinstance(assignment_id, str) or not assignment_id:
            raise BadRequest("assignmentId is required.", target="assignmentId")
        if action == "complete":
            return 200, self.router.complete_job(job_id, assignment_id, body), {}
        return 200, self.router.close_job(job_id, assignment_id, body), {}

    def assignment_action(self, job_id: str, assignment_id: str, action: str, *, body: Any, **_: Any):
        body = body or {}
        if action == "complete":
            return 200, self.router.complete_job(job_id, assignment_id, body), {}
        if action == "close":
            return 200, self.router.close_job(job_id, assignment_id, body), {}
        return 200, self.router.unassign_job(job_id, assignment_id, body), {}

    def offer_action(self, worker_id: str, offer_id: str, action: str, *, body: Any, **_: Any):
        if action == "accept":
            return 200, self.router.accept_job_offer(worker_id, offer_id), {}
        return 200, self.router.decline_job_offer(worker_id, offer_id, body or {}), {}

    def position(self, job_id: str, **_: Any):
        return 200, self.router.get_queue_position(job_id), {}

    def statistics(self, queue_id: str, **_: Any):
        return 200, self.router.get_queue_statistics(queue_id), {}


def _error_response(error: RouterError, path: str) -> JSONResponse:
    if error.target is None:
        error.target = path
    return JSONResponse(error.to_body(), status_code=error.status)


ROUTING_METHODS = frozenset(("GET", "PATCH", "POST", "DELETE", "PUT"))


class _EmulatorApp(Starlette):
    """Starlette, with ``/routing`` requests handed straight to their endpoint.

    Starlette's own path (error and exception middleware, route matching, the request-response wrapper) cost about
    a third of the server's time per request (``benchmarks/README.md``, "where the time goes"). The endpoint
    answers every error it knows as the service's error body; anything else becomes a JSON 500 here, as the error
    middleware would have made it a plain-text one. Other paths and methods (405 on ``/routing``) go through
    Starlette as before.
    """

    def __init__(self, routing: Callable[[Request], Awaitable[Response]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._routing = routing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routed = (
            scope["type"] == "http" and scope["method"] in ROUTING_METHODS and scope["path"].startswith("/routing/")
        )
        if not routed:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        try:
            response = await self._routing(Request(scope, receive, send))
        except Exception:  # noqa: BLE001 - a bug must still get an answer, and a line in the log
            logger.exception("%s %s failed", scope["method"], scope["path"])
            body = {"communicationError": {"code": "InternalError", "message": "The emulator failed on this request."}}
            response = JSONResponse(body, status_code=500)
        await response(scope, receive, send)


def create_app(
    router: Router,
    *,
    access_key: str = DEFAULT_ACCESS_KEY,
    allow_bearer: bool = False,
    require_auth: bool = True,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The ASGI app serving ``router``; requests must be signed with ``access_key``. ``extra_routes`` are the
    emulator's control routes (``api/subscriptions.py``, ``api/faults.py``)."""
    api = _Api(router)

    async def routing(request: Request) -> Response:
        # The signature covers the path as sent (percent-encoded), so match and verify on the raw path.
        # (``scope.get(name, default)`` would build ``request.url`` on every request, for a default never used.)
        raw = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path = raw.decode("latin-1").split("?", 1)[0]
        query_string = request.scope.get("query_string", b"").decode("latin-1")
        try:
            body_bytes = await request.body()
            if len(body_bytes) > MAX_BODY_BYTES:
                raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
            # Straight from the ASGI scope: the same names and values Starlette's Headers would give, without it.
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.scope["headers"]}
            if require_auth:
                verify_request(
                    method=request.method,
                    path_and_query=raw_path + (f"?{query_string}" if query_string else ""),
                    headers=headers,
                    body=body_bytes,
                    access_key=access_key,
                    allow_bearer=allow_bearer,
                )
            query = _query(query_string)
            version = query.get("api-version")
            if version is None:
                raise BadRequest("The api-version query parameter is required (2023-11-01).", target="api-version")
            if version not in API_VERSIONS:
                raise BadRequest(f"api-version {version} is not supported; use 2023-11-01.", target="api-version")
            body: Any = None
            if body_bytes:
                try:
                    body = json.loads(body_bytes)
                except ValueError:
                    raise BadRequest("The request body is not valid JSON.") from None
                if not isinstance(body, dict):
                    raise BadRequest("The request body must be a JSON object.")
            call = (request.method, path, query, headers, body)
            # Wait a little for the lock on the event loop: the timer thread holds it for one routing step, usually
            # well under a millisecond. A thread per waiting request cost a thread hop each, and under load dozens of
            # them convoyed on the lock and the GIL (SQLite lifecycles fell to 150/s with both cores half idle).
            if router.try_lock(LOCK_WAIT_ON_LOOP):
                try:
                    status, payload, extra = api.dispatch(*call)
                finally:
                    router.unlock()
            else:  # the timer thread is still routing (maybe calling a rule's URL): wait for it off the event loop
                status, payload, extra = await run_in_threadpool(api.dispatch, *call)
        except RouterError as error:
            return _error_response(error, unquote(path))
        if status == 204:
            return Response(status_code=204, headers=extra)
        return JSONResponse(payload, status_code=status, headers=extra)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    feed = EventFeed(router)

    async def events(request: Request) -> Response:
        """Events after the ``since`` cursor (a sequence number; ``after`` is accepted too): a JSON page, or with
        ``Accept: text/event-stream`` a live stream that resumes from ``Last-Event-ID``."""
        params = request.query_params
        try:
            since = int(request.headers.get("last-event-id") or params.get("since") or params.get("after") or "0")
            limit = min(int(params.get("limit", "1000")), 1000)
        except ValueError:
            return _error_response(BadRequest("since, after and limit must be whole numbers."), request.url.path)
        if "text/event-stream" in request.headers.get("accept", ""):
            return StreamingResponse(
                feed.stream(since),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        stored = router.events_since(since, limit)
        return JSONResponse(
            {
                "value": [{"sequence": s.sequence, **s.event} for s in stored],
                "last": stored[-1].sequence if stored else since,
            }
        )

    app = _EmulatorApp(
        routing,
        routes=[
            Route("/_emulator/health", health, methods=["GET"]),
            Route("/_emulator/events", events, methods=["GET"]),
            *extra_routes,
            Route("/routing/{rest:path}", routing, methods=sorted(ROUTING_METHODS)),
        ],
    )
    app.state.event_feed = feed  # closed by the server on shutdown, ending open streams
    return app
