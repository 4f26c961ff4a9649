"""The ASGI application: routes the REST API onto the router, with HMAC checks, conditional requests and paging.

Requests find their operation in the route table of :mod:`.operations`, which is the SDK's own operation table
(plus the pre-release forms): the resource operations (get, upsert, delete, list of each collection) reach the
router's generic resource methods, with the list filters of the resource declarations
(:data:`~jobrouter_emulator.engine.resources.RESOURCES`); every other operation reaches the router method of the
same name through :data:`ACTIONS`.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from datetime import datetime
from functools import partial
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, unquote, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from ..auth import DEFAULT_ACCESS_KEY
from ..engine import strict_json
from ..engine.documents import check_types
from ..engine.errors import BadRequest, MethodNotAllowed, NotFound, RouterError, UnsupportedMediaType
from ..engine.resources import RESOURCES
from ..engine.router import Router
from ..engine.state import Entity
from ..engine.times import format_http_date, parse_http_date
from ..limits import Limits
from ..sdk import OPERATIONS
from . import operations
from .admission import ClientGone, admit, json_object, lower_headers, raw_path
from .errors import EXCEPTION_HANDLERS, client_gone, error_response, unexpected_error
from .feed import EventFeed, events_response
from .signed import signed

logger = logging.getLogger(__name__)

API_VERSIONS = {"2023-11-01"}
LOCK_WAIT_ON_LOOP = 0.02  # seconds a request waits on the event loop for the router's lock before using a thread
MAX_QUERY_FIELDS = 50

Handler = Callable[..., Tuple[int, Any, Dict[str, str]]]

# Every operation that is not a resource's get, upsert, delete or list: the router method of the same name, with
# the path's ids (and the body, for those that take one). The route table checks the body against the operation's
# body model first.
ACTIONS: Dict[str, Callable[[Router, Dict[str, str], Dict[str, Any]], Dict[str, Any]]] = {
    "accept_job_offer": lambda router, ids, body: router.accept_job_offer(ids["workerId"], ids["offerId"]),
    "decline_job_offer": lambda router, ids, body: router.decline_job_offer(ids["workerId"], ids["offerId"], body),
    "cancel_job": lambda router, ids, body: router.cancel_job(ids["jobId"], body),
    "reclassify_job": lambda router, ids, body: router.reclassify_job(ids["jobId"]),
    "complete_job": lambda router, ids, body: router.complete_job(ids["jobId"], ids["assignmentId"], body),
    "close_job": lambda router, ids, body: router.close_job(ids["jobId"], ids["assignmentId"], body),
    "unassign_job": lambda router, ids, body: router.unassign_job(ids["jobId"], ids["assignmentId"], body),
    "get_queue_position": lambda router, ids, body: router.get_queue_position(ids["jobId"]),
    "get_queue_statistics": lambda router, ids, body: router.get_queue_statistics(ids["queueId"]),
}

# A resource operation's path: the collection, then its id parameter for one resource.
RESOURCE_PATH = re.compile(r"^/routing/(\w+)(/\{\w+\})?$")


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
    nothing to decode: those are split directly, far more cheaply than ``parse_qsl`` does it."""
    if "%" not in query_string and "+" not in query_string and query_string.count("&") < MAX_QUERY_FIELDS:
        pairs = (pair.partition("=") for pair in query_string.split("&") if pair)
        return {name: value for name, _, value in pairs}
    try:
        return dict(parse_qsl(query_string, keep_blank_values=True, errors="strict", max_num_fields=MAX_QUERY_FIELDS))
    except UnicodeError:
        raise BadRequest("The query string is not valid percent-encoded UTF-8.") from None
    except ValueError:
        raise BadRequest(f"The query string has more than {MAX_QUERY_FIELDS} parameters.") from None


def _continuation(page: str, query: Dict[str, str]) -> str:
    """The continuation token of a next link: the router's page token and the query that chose the items."""
    return base64.urlsafe_b64encode(json.dumps({"page": page, "query": query}).encode()).decode()


def _read_continuation(token: str) -> Tuple[str, Dict[str, str]]:
    try:
        carried = strict_json.loads(base64.urlsafe_b64decode(token.encode()))
        page, query = carried["page"], carried["query"]
        if not isinstance(page, str) or not isinstance(query, dict):
            raise ValueError("unexpected shape")
    except (ValueError, KeyError, TypeError):
        raise BadRequest("The continuationToken is not valid.", target="continuationToken") from None
    return page, {str(k): str(v) for k, v in query.items()}


class _Api:
    def __init__(self, router: Router) -> None:
        self.router = router
        self.handlers: Dict[str, Handler] = {name: self._handler(name) for name in OPERATIONS}

    def _handler(self, name: str) -> Handler:
        """What answers operation ``name``: a resource method for the collection in its path, or its action."""
        operation = OPERATIONS[name]
        resource = RESOURCE_PATH.match(operation.path)
        if resource is not None and resource.group(1) in RESOURCES:
            collection, one = resource.group(1), resource.group(2) is not None
            resource_methods: Dict[Tuple[str, bool], Handler] = {
                ("GET", False): self.list,
                ("GET", True): self.get,
                ("PATCH", True): self.upsert,
                ("DELETE", True): self.delete,
            }
            return partial(resource_methods[(operation.method, one)], collection)
        if name not in ACTIONS:
            raise LookupError(f"The operation {name} has no handler in the emulator.")
        return partial(self.action, ACTIONS[name])

    def dispatch(
        self, method: str, path: str, query: Dict[str, str], headers: Dict[str, str], body: Any
    ) -> Tuple[int, Any, Dict[str, str]]:
        wanted = "GET" if method == "HEAD" else method  # HEAD answers what GET would, without the body
        found = operations.match(wanted, path)
        if found is None:
            if operations.path_exists(path):
                raise MethodNotAllowed(f"{method} is not allowed on {path}.")
            raise NotFound(f"No operation matches {method} {path}.")
        route, raw_ids = found
        ids = {name: operations.segment(value) for name, value in raw_ids.items()}
        return self.handlers[route.operation](route, ids, query=query, headers=headers, body=body)

    # -- handlers -------------------------------------------------------------------------------------------------
    def upsert(
        self,
        collection: str,
        route: operations.Route,
        ids: Dict[str, str],
        *,
        headers: Dict[str, str],
        body: Any,
        **_: Any,
    ):
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ("application/merge-patch+json", "application/json"):
            raise UnsupportedMediaType("Upserts take a JSON body with Content-Type application/merge-patch+json.")
        (key,) = ids.values()
        entity, created = self.router.upsert(
            collection,
            key,
            body if body is not None else {},
            if_match=headers.get("if-match"),
            if_none_match=headers.get("if-none-match"),
            if_unmodified_since=_http_date(headers.get("if-unmodified-since"), "If-Unmodified-Since"),
        )
        return _entity_response(entity, 201 if created else 200)

    def get(self, collection: str, route: operations.Route, ids: Dict[str, str], **_: Any):
        (key,) = ids.values()
        return _entity_response(self.router.get(collection, key))

    def delete(
        self, collection: str, route: operations.Route, ids: Dict[str, str], *, headers: Dict[str, str], **_: Any
    ):
        (key,) = ids.values()
        self.router.delete(
            collection,
            key,
            if_match=headers.get("if-match"),
            if_unmodified_since=_http_date(headers.get("if-unmodified-since"), "If-Unmodified-Since"),
        )
        return 204, None, {}

    def list(self, collection: str, route: operations.Route, ids: Dict[str, str], *, query: Dict[str, str], **_: Any):
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

    def action(
        self, call: Callable[..., Dict[str, Any]], route: operations.Route, ids: Dict[str, str], *, body: Any, **_: Any
    ):
        body = body or {}  # an action's body is optional
        if route.method == "POST" and route.body_model is not None:
            check_types(route.body_model, body)  # 400 naming a wrong field
        for name in route.ids_in_body:
            value = body.get(name)
            if not isinstance(value, str) or not value:
                raise BadRequest(f"{name} is required.", target=name)
            ids = {**ids, name: value}
        return 200, call(self.router, ids, body), {}


ROUTING_METHODS = frozenset(("GET", "PATCH", "POST", "DELETE", "PUT"))


class _EmulatorApp(Starlette):
    """Starlette, with ``/routing`` requests handed straight to their endpoint.

    Starlette's own path (error and exception middleware, route matching, the request-response wrapper) was a large
    share of the server's time per request (``benchmarks/README.md``, "where the time goes"). The endpoint
    answers every error it knows as the service's error body; anything else gets the same 500 body here
    (:func:`.errors.unexpected_error`) that the exception handlers give other paths. Other paths and methods (405
    on ``/routing``) go through Starlette as before.
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
        request = Request(scope, receive, send)
        try:
            response = await self._routing(request)
        except Exception as exc:  # noqa: BLE001 - a bug must still get an answer, and a line in the log
            logger.exception("%s %s failed", scope["method"], scope["path"])
            response = await unexpected_error(request, exc)
        await response(scope, receive, send)


def create_app(
    router: Router,
    *,
    access_key: str = DEFAULT_ACCESS_KEY,
    allow_bearer: bool = False,
    require_auth: bool = True,
    extra_routes: Sequence[BaseRoute] = (),
    limits: Limits = Limits(),
    feed: Optional[EventFeed] = None,
) -> Starlette:
    """The ASGI app serving ``router``; requests must be signed with ``access_key``. ``extra_routes`` are the
    emulator's control routes (``api/subscriptions.py``, ``api/faults.py``, ``api/control.py``, the dashboard);
    ``feed`` is the event feed they share with ``/_emulator/events`` (a new one when not given). Every answer that is
    not a success is the service's error body (:mod:`.errors`)."""
    api = _Api(router)

    async def routing(request: Request) -> Response:
        # The signature covers the path as sent (percent-encoded), so match and verify on the raw path.
        path = raw_path(request)
        headers = lower_headers(request)
        try:
            body_bytes = await admit(
                request,
                headers,
                access_key=access_key,
                allow_bearer=allow_bearer,
                max_body=limits.max_body_bytes,
                require_auth=require_auth,
            )
            query = _query(request.scope.get("query_string", b"").decode("latin-1"))
            version = query.get("api-version")
            if version is None:
                raise BadRequest("The api-version query parameter is required (2023-11-01).", target="api-version")
            if version not in API_VERSIONS:
                raise BadRequest(f"api-version {version} is not supported; use 2023-11-01.", target="api-version")
            call = (request.method, path, query, headers, json_object(body_bytes))
            # Wait a little for the lock on the event loop: the timer thread holds it for one routing step, usually
            # well under a millisecond. A thread per waiting request cost a thread hop each, and under load dozens of
            # them convoyed on the lock and the GIL (SQLite lifecycles fell to 150/s with both cores half idle).
            if router.try_lock(LOCK_WAIT_ON_LOOP):
                try:
                    status, payload, extra = api.dispatch(*call)
                finally:
                    router.unlock()
            else:  # the timer thread is routing: wait for it off the event loop
                status, payload, extra = await run_in_threadpool(api.dispatch, *call)
        except RouterError as error:
            if error.target is None:
                error.target = unquote(path)
            return error_response(error, request)
        except ClientGone:
            return client_gone(request)
        if status == 204:
            return Response(status_code=204, headers=extra)
        return JSONResponse(payload, status_code=status, headers=extra)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    feed = feed or EventFeed(router)

    async def events(request: Request, body: bytes) -> Response:
        return events_response(request, feed)

    app = _EmulatorApp(
        routing,
        routes=[
            Route("/_emulator/health", health, methods=["GET"]),
            Route(
                "/_emulator/events",
                signed(events, access_key=access_key, allow_bearer=allow_bearer, require_auth=require_auth),
                methods=["GET"],
            ),
            *extra_routes,
            Route("/routing/{rest:path}", routing, methods=sorted(ROUTING_METHODS)),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.event_feed = feed  # closed by the server on shutdown, ending open streams
    return app
