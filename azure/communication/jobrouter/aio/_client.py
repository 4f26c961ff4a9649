"""The async clients: the same methods as the sync ones, awaited; lists return AsyncItemPaged."""

from __future__ import annotations

from typing import Any, AsyncIterator, Dict, Tuple, Type, TypeVar, Union

from azure.core import AsyncPipelineClient
from azure.core.async_paging import AsyncItemPaged, AsyncList
from azure.core.credentials import AzureKeyCredential
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.pipeline import PipelineResponse
from azure.core.rest import AsyncHttpResponse, HttpRequest

from .. import _operation
from .._generated.client_operations import (
    AsyncJobRouterAdministrationClientOperations,
    AsyncJobRouterClientOperations,
)
from .._operation import Operation
from .._pipeline import (
    api_version_of,
    build_policies,
    check_endpoint,
    copy_of_callers_request,
    endpoint_and_credential,
    operation_url,
    with_absolute_url,
)

C = TypeVar("C", bound="_AsyncClientBase")


class _AsyncClientBase:
    def __init__(
        self, endpoint: str, credential: Union[AzureKeyCredential, AsyncTokenCredential], **kwargs: Any
    ) -> None:
        self._endpoint = check_endpoint(endpoint)
        self._api_version = api_version_of(kwargs)
        self._client: AsyncPipelineClient = AsyncPipelineClient(
            base_url=self._endpoint, policies=build_policies(credential, is_async=True, **kwargs), **kwargs
        )

    @classmethod
    def from_connection_string(cls: Type[C], conn_str: str, **kwargs: Any) -> C:
        """Create a client from ``"endpoint=https://<resource>/;accesskey=<key>"``."""
        endpoint, credential = endpoint_and_credential(conn_str)
        return cls(endpoint, credential, **kwargs)

    async def _invoke(self, operation: Operation, arguments: Dict[str, Any], kwargs: Dict[str, Any]) -> Any:
        match_condition = kwargs.get("match_condition")  # consumed by build_request; chooses the error of a 412
        request = _operation.build_request(operation, self._api_version, arguments, kwargs)
        response = await self._run(operation_url(request, self._client, self._endpoint), **kwargs)
        return _operation.read_response(operation, response, match_condition)

    def _list(self, operation: Operation, arguments: Dict[str, Any], kwargs: Dict[str, Any]) -> AsyncItemPaged:
        first = operation_url(
            _operation.build_request(operation, self._api_version, arguments, kwargs), self._client, self._endpoint
        )

        async def get_next(next_link: Any = None) -> PipelineResponse:
            request = first if next_link is None else _operation.next_page_request(next_link, self._api_version)
            return await self._run(request, **kwargs)

        async def extract_data(response: PipelineResponse) -> Tuple[Any, AsyncIterator[Any]]:
            next_link, items = _operation.read_page(operation, response)
            return next_link, AsyncList(items)

        return AsyncItemPaged(get_next, extract_data)

    async def send_request(self, request: HttpRequest, *, stream: bool = False, **kwargs: Any) -> AsyncHttpResponse:
        """Send a raw request through the client's pipeline (authentication, retries, logging)."""
        return await self._send(copy_of_callers_request(request, self._client), stream=stream, **kwargs)

    async def _send(self, request: HttpRequest, **kwargs: Any) -> AsyncHttpResponse:
        # Unless streaming, the transport has read the body already (an empty 204 body cannot be read twice).
        return await self._client.send_request(with_absolute_url(request, self._client), **kwargs)

    async def _run(self, request: HttpRequest, **kwargs: Any) -> PipelineResponse:
        """An operation's call; its pipeline response carries the body the pipeline parsed (``parsed_body``)."""
        return await self._client.send_request(
            with_absolute_url(request, self._client), _return_pipeline_response=True, **kwargs
        )  # type: ignore

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
