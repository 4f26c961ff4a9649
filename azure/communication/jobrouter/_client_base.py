"""What the sync and async clients share: everything but sending.

As in httpx (``BaseClient`` beside ``Client`` and ``AsyncClient``), the base holds the configuration (endpoint,
api-version, the azure-core pipeline client), ``from_connection_string``, and the preparation of each call, which has
no side effect: :meth:`_ClientBase._prepare` returns the request, the match condition that chooses a 412's error,
and the keywords left for the pipeline, without touching what the caller passed. The sync and async clients
(``_client.py``, ``aio/_client.py``) only send, page and close.
"""

from __future__ import annotations

from typing import Any, Dict, Generic, NamedTuple, Optional, Type, TypeVar

from azure.core import MatchConditions
from azure.core.rest import HttpRequest

from . import _operation
from ._operation import Operation
from ._pipeline import api_version_of, build_policies, check_endpoint, endpoint_and_credential, operation_url

P = TypeVar("P")  # azure-core's PipelineClient or AsyncPipelineClient
C = TypeVar("C", bound="_ClientBase[Any]")


class Prepared(NamedTuple):
    """One operation call, ready to send."""

    request: HttpRequest
    match_condition: Optional[MatchConditions]  # chooses the error a 412 raises
    options: Dict[str, Any]  # the caller's keywords the operation did not take: for the pipeline (retries, ...)


class _ClientBase(Generic[P]):
    _is_async = False  # which azure-core policies the pipeline gets (the async client says True)

    def __init__(self, endpoint: str, credential: Any, **kwargs: Any) -> None:
        self._endpoint = check_endpoint(endpoint)
        self._api_version = api_version_of(kwargs)
        self._client: P = self._pipeline_client(
            base_url=self._endpoint, policies=build_policies(credential, is_async=self._is_async, **kwargs), **kwargs
        )

    def _pipeline_client(self, **options: Any) -> P:
        """azure-core's pipeline client of this kind of client (sync or async)."""
        raise NotImplementedError

    @classmethod
    def from_connection_string(cls: Type[C], conn_str: str, **kwargs: Any) -> C:
        """Create a client from ``"endpoint=https://<resource>/;accesskey=<key>"``."""
        endpoint, credential = endpoint_and_credential(conn_str)
        return cls(endpoint, credential, **kwargs)

    def _prepare(self, operation: Operation, arguments: Dict[str, Any], kwargs: Dict[str, Any]) -> Prepared:
        """The call of ``operation`` with the method's ``arguments`` and ``kwargs``; neither is changed."""
        options = dict(kwargs)  # build_request takes the operation's own keywords out of it
        match_condition = options.get("match_condition")
        request = _operation.build_request(operation, self._api_version, dict(arguments), options)
        return Prepared(operation_url(request, self._client, self._endpoint), match_condition, options)

    def _page_request(self, first: HttpRequest, next_link: Optional[str]) -> HttpRequest:
        """The request of a list's page: the first one, or the one its ``nextLink`` names."""
        return first if next_link is None else _operation.next_page_request(next_link, self._api_version)
