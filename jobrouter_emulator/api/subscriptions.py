"""``/_emulator/eventSubscriptions``: event subscriptions at run time (signed GET, PUT, DELETE and list), and the
unsigned validation URL of Event Grid's manual handshake.

    PUT /_emulator/eventSubscriptions/agents
    {"endpointUrl": "https://...", "includedEventTypes": ["RouterWorkerOfferIssued"], "maxEventsPerBatch": 10}
"""

from __future__ import annotations

from typing import List

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..delivery import EventDelivery, EventSubscription, SubscriptionError
from ..engine.errors import BadRequest, NotFound
from .errors import error_response
from .signed import json_object, signer


def subscription_routes(delivery: EventDelivery, *, access_key: str, allow_bearer: bool) -> List[Route]:
    guard = signer(access_key=access_key, allow_bearer=allow_bearer)

    async def list_subscriptions(request: Request, body: bytes) -> Response:
        return JSONResponse({"value": delivery.list()})

    async def get_subscription(request: Request, body: bytes) -> Response:
        name = request.path_params["name"]
        view = delivery.get(name)
        if view is None:
            raise NotFound(f"There is no event subscription named {name!r}.")
        return JSONResponse(view)

    async def put_subscription(request: Request, body: bytes) -> Response:
        try:
            subscription = EventSubscription.from_json(request.path_params["name"], json_object(body))
            view, created = delivery.put(subscription)  # past 500 subscriptions: TooManySubscriptions
        except SubscriptionError as exc:
            raise BadRequest(str(exc), target=exc.target) from None
        return JSONResponse(view, status_code=201 if created else 200)

    async def delete_subscription(request: Request, body: bytes) -> Response:
        delivery.delete(request.path_params["name"])  # deleting what is not there is not an error, as in Azure
        return Response(status_code=204)

    async def validate(request: Request) -> Response:
        """The ``validationUrl`` of a validation event: a GET completes the handshake (the code is the secret)."""
        name = request.path_params["name"]
        if not delivery.validate_manually(name, request.query_params.get("id", "")):
            return error_response(
                NotFound(f"No validation of event subscription {name!r} is waiting for this code."), request
            )
        return JSONResponse({"validated": name})

    base = "/_emulator/eventSubscriptions"
    return [
        Route(base, guard(list_subscriptions), methods=["GET"]),
        Route(base + "/{name}/validate", validate, methods=["GET"]),
        Route(base + "/{name}", guard(get_subscription), methods=["GET"]),
        Route(base + "/{name}", guard(put_subscription), methods=["PUT"]),
        Route(base + "/{name}", guard(delete_subscription), methods=["DELETE"]),
    ]
