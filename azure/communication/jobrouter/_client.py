"""The sync clients: JobRouterAdministrationClient (policies, queues) and JobRouterClient (workers, jobs, offers)."""

from __future__ import annotations

from typing import Any, Dict, Type, TypeVar, Union

from azure.core import PipelineClient
from azure.core.credentials import AzureKeyCredential, TokenCredential
from azure.core.paging import ItemPaged
from azure.core.pipeline import PipelineResponse
from azure.core.rest import HttpRequest, HttpResponse

from . import _operation
from ._generated.client_operations import JobRouterAdministrationClientOperations, JobRouterClientOperations
from ._operation import Operation
from ._pipeline import (
    api_version_of,
    build_policies,
    check_endpoint,
    copy_of_callers_request,
    endpoint_and_credential,
    operation_url,
    with_absolute_url,
)

C = TypeVar("C", bound="_SyncClientBase")


class _SyncClientBase:
    def __init__(self, endpoint: str, credential: Union[AzureKeyCredential, TokenCredential], **kwargs: Any) -> None:
        self._endpoint = check_endpoint(endpoint)
        self._api_version = api_version_of(kwargs)
        self._client: PipelineClient = PipelineClient(
            base_url=self._endpoint, policies=build_policies(credential, is_async=False, **kwargs), **kwargs
        )

    @classmethod
    def from_connection_string(cls: Type[C], conn_str: str, **kwargs: Any) -> C:
        """Create a client from ``"endpoint=https://<resource>/;accesskey=<key>"``."""
        endpoint, credential = endpoint_and_credential(conn_str)
        return cls(endpoint, credential, **kwargs)

    def _invoke(self, operation: Operation, arguments: Dict[str, Any], kwargs: Dict[str, Any]) -> Any:
        match_condition = kwargs.get("match_condition")  # consumed by build_request; chooses the error of a 412
        request = _operation.build_request(operation, self._api_version, arguments, kwargs)
        response = self._run(operation_url(request, self._client, self._endpoint), **kwargs)
        return _operation.read_response(operation, response, match_condition)

    def _list(self, operation: Operation, arguments: Dict[str, Any], kwargs: Dict[str, Any]) -> ItemPaged:
        first = operation_url(
            _operation.build_request(operation, self._api_version, arguments, kwargs), self._client, self._endpoint
        )

        def get_next(next_link: Any = None) -> PipelineResponse:
            request = first if next_link is None else _operation.next_page_request(next_link, self._api_version)
            return self._run(request, **kwargs)

        def extract_data(response: PipelineResponse) -> Any:
            return _operation.read_page(operation, response)

        return ItemPaged(get_next, extract_data)

    def send_request(self, request: HttpRequest, *, stream: bool = False, **kwargs: Any) -> HttpResponse:
        """Send a raw request through the client's pipeline (authentication, retries, logging)."""
        return self._send(copy_of_callers_request(request, self._client), stream=stream, **kwargs)

    def _send(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self._client.send_request(with_absolute_url(request, self._client), **kwargs)

    def _run(self, request: HttpRequest, **kwargs: Any) -> PipelineResponse:
        """An operation's call; its pipeline response carries the body the pipeline parsed (``parsed_body``)."""
        return self._client.send_request(
            with_absolute_url(request, self._client), _return_pipeline_response=True, **kwargs
        )

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
