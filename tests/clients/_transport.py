"""An in-memory azure-core transport: records requests and answers from a queue of canned responses."""

from __future__ import annotations

import json
from typing import Any, List, Optional, Tuple

from azure.core.pipeline.transport import AsyncHttpTransport, HttpTransport
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.rest._http_response_impl_async import AsyncHttpResponseImpl


class _Internal:
    def __init__(self, status: int, body: Any, headers: Optional[dict]) -> None:
        self.status = status
        self.content = b"" if body is None else json.dumps(body).encode()
        self.headers = {"Content-Type": "application/json", **(headers or {})}


def _response(cls: Any, request: HttpRequest, status: int, body: Any, headers: Optional[dict]) -> Any:
    internal = _Internal(status, body, headers)
    response = cls(
        request=request,
        internal_response=internal,
        status_code=status,
        reason="OK" if status < 400 else "Error",
        content_type="application/json",
        headers=internal.headers,
        stream_download_generator=None,
    )
    response._content = internal.content
    response._is_closed = True
    response._is_stream_consumed = True
    return response


class _Base:
    def __init__(self, *responses: Tuple[int, Any]) -> None:
        self.responses: List[Tuple[int, Any, Optional[dict]]] = [
            (r[0], r[1], r[2] if len(r) > 2 else None)
            for r in responses  # type: ignore[misc]
        ]
        self.requests: List[Any] = []

    def _next(self) -> Tuple[int, Any, Optional[dict]]:
        if not self.responses:
            raise AssertionError("the client sent more requests than the test expected")
        return self.responses.pop(0)


class FakeTransport(_Base, HttpTransport):
    def __enter__(self) -> FakeTransport:
        return self

    def __exit__(self, *args: Any) -> None:
        pass

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, request: Any, **kwargs: Any) -> Any:
        self.requests.append(request)
        return _response(HttpResponseImpl, request, *self._next())


class AsyncFakeTransport(_Base, AsyncHttpTransport):
    async def __aenter__(self) -> AsyncFakeTransport:
        return self

    async def __aexit__(self, *args: Any) -> None:
        pass

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def send(self, request: Any, **kwargs: Any) -> Any:
        self.requests.append(request)
        return _response(AsyncHttpResponseImpl, request, *self._next())
