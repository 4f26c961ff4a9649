"""The async clients: the same methods as the sync ones, awaited; lists return AsyncItemPaged."""

from __future__ import annotations

from typing import Any, AsyncIterator, Dict, Tuple, TypeVar, Union, cast

from azure.core import AsyncPipelineClient
from azure.core.async_paging import AsyncItemPaged, AsyncList
from azure.core.credentials import AzureKeyCredential
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.pipeline import PipelineResponse
from azure.core.rest import AsyncHttpResponse, HttpRequest

from .. import _operation
from .._client_base import _ClientBase
from .._generated.client_operations import (
    AsyncJobRouterAdministrationClientOperations,
    AsyncJobRouterClientOperations,
)
from .._operation import Operation
from .._pipeline import copy_of_callers_request, with_absolute_url

C = TypeVar("C", bound="_AsyncClientBase")


class _AsyncClientBase(_ClientBase["AsyncPipelineClient[HttpRequest, AsyncHttpResponse]"]):
    """The shared base, sending with azure-core's async pipeline: the sync client's calls, awaited."""

    _is_async = True

    def __init__(
        self, endpoint: str, credential: Union[AzureKeyCredential, AsyncTokenCredential], **kwargs: Any
    ) -> None:
        super().__init__(endpoint, credential, **kwargs)

    def _pipeline_client(self, **options: Any) -> AsyncPipelineClient[HttpRequest, AsyncHttpResponse]:
        return AsyncPipelineClient(**options)

    async def _invoke(self, operation: Operation, arguments: Dict[str, Any], kwargs: Dict[str, Any]) -> Any:
        call = self._prepare(operation, arguments, kwargs)
        response = await self._run(call.request, **call.options)
        return _operation.read_response(operation, response, call.match_condition)

    def _list(self, operation: Operation, arguments: Dict[str, Any], kwargs: Dict[str, Any]) -> AsyncItemPaged[Any]:
        call = self._prepare(operation, arguments, kwargs)

        async def get_next(next_link: Any = None) -> PipelineResponse[HttpRequest, Any]:
            return await self._run(self._page_request(call.request, next_link), **call.options)

        async def extract_data(response: PipelineResponse[HttpRequest, Any]) -> Tuple[Any, AsyncIterator[Any]]:
            next_link, items = _operation.read_page(operation, response)
            return next_link, AsyncList(items)

        return AsyncItemPaged(get_next, extract_data)

    async def send_request(self, request: HttpRequest, *, stream: bool = False, **kwargs: Any) -> AsyncHttpResponse:
        """Send a raw request through the client's pipeline (authentication, retries, logging)."""
        return await self._send(copy_of_callers_request(request, self._client), stream=stream, **kwargs)

    async def _send(self, request: HttpRequest, **kwargs: Any) -> AsyncHttpResponse:
        # Unless streaming, the transport has read the body already (an empty 204 body cannot be read twice).
        response: AsyncHttpResponse = await self._client.send_request(
            with_absolute_url(request, self._client), **kwargs
        )
        return response

    async def _run(self, request: HttpRequest, **kwargs: Any) -> PipelineResponse[HttpRequest, Any]:
        """An operation's call; its pipeline response carries the body the pipeline parsed (``parsed_body``)."""
        # azure-core's send_request returns the pipeline response itself when asked (it is typed as the response)
        response: Any = await self._client.send_request(
            with_absolute_url(request, self._client), _return_pipeline_response=True, **kwargs
        )
        return cast("PipelineResponse[HttpRequest, Any]", response)

    async def close(self) -> None:
        await self._client.close()

    async def __aenter__(self: C) -> C:
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *exc_details: Any) -> None:
        await self._client.__aexit__(*exc_details)


class JobRouterAdministrationClient(_AsyncClientBase, AsyncJobRouterAdministrationClientOperations):
    """Async twin of :class:`azure.communication.jobrouter.JobRouterAdministrationClient`."""


class JobRouterClient(_AsyncClientBase, AsyncJobRouterClientOperations):
    """Async twin of :class:`azure.communication.jobrouter.JobRouterClient`."""
