"""The sync clients: JobRouterAdministrationClient (policies, queues) and JobRouterClient (workers, jobs, offers)."""

from __future__ import annotations

from typing import Any, Dict, TypeVar, Union, cast

from azure.core import PipelineClient
from azure.core.credentials import AzureKeyCredential, TokenCredential
from azure.core.paging import ItemPaged
from azure.core.pipeline import PipelineResponse
from azure.core.rest import HttpRequest, HttpResponse

from . import _operation
from ._client_base import _ClientBase
from ._generated.client_operations import JobRouterAdministrationClientOperations, JobRouterClientOperations
from ._operation import Operation
from ._pipeline import copy_of_callers_request, with_absolute_url

C = TypeVar("C", bound="_SyncClientBase")


class _SyncClientBase(_ClientBase["PipelineClient[HttpRequest, HttpResponse]"]):
    """The shared base, sending with azure-core's sync pipeline."""

    def __init__(self, endpoint: str, credential: Union[AzureKeyCredential, TokenCredential], **kwargs: Any) -> None:
        super().__init__(endpoint, credential, **kwargs)

    def _pipeline_client(self, **options: Any) -> PipelineClient[HttpRequest, HttpResponse]:
        return PipelineClient(**options)

    def _invoke(self, operation: Operation, arguments: Dict[str, Any], kwargs: Dict[str, Any]) -> Any:
        call = self._prepare(operation, arguments, kwargs)
        return _operation.read_response(operation, self._run(call.request, **call.options), call.match_condition)

    def _list(self, operation: Operation, arguments: Dict[str, Any], kwargs: Dict[str, Any]) -> ItemPaged[Any]:
        call = self._prepare(operation, arguments, kwargs)

        def get_next(next_link: Any = None) -> PipelineResponse[HttpRequest, Any]:
            return self._run(self._page_request(call.request, next_link), **call.options)

        def extract_data(response: PipelineResponse[HttpRequest, Any]) -> Any:
            return _operation.read_page(operation, response)

        return ItemPaged(get_next, extract_data)

    def send_request(self, request: HttpRequest, *, stream: bool = False, **kwargs: Any) -> HttpResponse:
        """Send a raw request through the client's pipeline (authentication, retries, logging)."""
        return self._send(copy_of_callers_request(request, self._client), stream=stream, **kwargs)

    def _send(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = self._client.send_request(with_absolute_url(request, self._client), **kwargs)
        return response

    def _run(self, request: HttpRequest, **kwargs: Any) -> PipelineResponse[HttpRequest, Any]:
        """An operation's call; its pipeline response carries the body the pipeline parsed (``parsed_body``)."""
        # azure-core's send_request returns the pipeline response itself when asked (it is typed as the response)
        response: Any = self._client.send_request(
            with_absolute_url(request, self._client), _return_pipeline_response=True, **kwargs
        )
        return cast("PipelineResponse[HttpRequest, Any]", response)

    def close(self) -> None:
        self._client.close()

    def __enter__(self: C) -> C:
        self._client.__enter__()
        return self

    def __exit__(self, *exc_details: Any) -> None:
        self._client.__exit__(*exc_details)


class JobRouterAdministrationClient(_SyncClientBase, JobRouterAdministrationClientOperations):
    """Manages distribution policies, queues, classification policies and exception policies.

    :param str endpoint: The resource's endpoint, e.g. ``https://<resource>.communication.azure.com``
        (``http://127.0.0.1:8089`` reaches a local emulator).
    :param credential: An ``AzureKeyCredential`` with the access key, or a ``TokenCredential``.
    :keyword str api_version: The REST api-version; default ``2023-11-01``.
    """


class JobRouterClient(_SyncClientBase, JobRouterClientOperations):
    """Manages workers and jobs, and acts on offers and assignments.

    :param str endpoint: The resource's endpoint, e.g. ``https://<resource>.communication.azure.com``
        (``http://127.0.0.1:8089`` reaches a local emulator).
    :param credential: An ``AzureKeyCredential`` with the access key, or a ``TokenCredential``.
    :keyword str api_version: The REST api-version; default ``2023-11-01``.
    """
