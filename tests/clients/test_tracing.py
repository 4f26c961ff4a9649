"""One azure-core tracing span per public operation, named like ``JobRouterClient.get_job``, with the HTTP span
under it and an error status when the call fails; with tracing off, the settings are read once per call."""

from __future__ import annotations

import contextlib
import inspect
from contextvars import ContextVar
from typing import Any, Dict, Iterator, List, Optional

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.core.settings import settings
from azure.core.tracing import SpanKind

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter import aio as jr_aio

# Private: the operation table, so every operation's span is checked without listing them again.
from azure.communication.jobrouter._generated.operations import OPERATIONS

from ._transport import AsyncFakeTransport, FakeTransport

CONN = "endpoint=https://contoso.communication.azure.com/;accesskey=a2V5"
_CURRENT: ContextVar[Optional[RecordingSpan]] = ContextVar("current_span", default=None)


class RecordingSpan:
    """A tracing implementation for azure-core's settings that records every finished span, its parent, its kind,
    its attributes and the exception that ended it (the error status)."""

    finished: List[RecordingSpan] = []

    def __init__(self, span: Any = None, name: str = "span", kind: SpanKind = SpanKind.INTERNAL, **_: Any) -> None:
        self.name = name
        self.kind = kind
        self.parent = _CURRENT.get()
        self.attributes: Dict[str, Any] = {}
        self.error: Optional[type] = None
        self._token: Any = None

    @property
    def span_instance(self) -> RecordingSpan:
        return self

    def __enter__(self) -> RecordingSpan:
        self._token = _CURRENT.set(self)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.error = exc_type
        if self._token is not None:
            _CURRENT.reset(self._token)
        self.finish()

    def start(self) -> None:
        pass

    def finish(self) -> None:
        RecordingSpan.finished.append(self)

    def to_header(self) -> Dict[str, str]:
        return {"traceparent": f"00-{id(self):032x}-{id(self):016x}-01"}

    def add_attribute(self, key: str, value: Any) -> None:
        self.attributes[key] = value

    def set_http_attributes(self, request: Any, response: Any = None) -> None:
        self.attributes["http.method"] = request.method
        self.attributes["http.status_code"] = getattr(response, "status_code", None)

    def get_trace_parent(self) -> str:
        return self.to_header()["traceparent"]

    @classmethod
    def link(cls, traceparent: str, attributes: Any = None) -> None:
        pass

    @classmethod
    def link_from_headers(cls, headers: Dict[str, str], attributes: Any = None) -> None:
        pass

    @classmethod
    def get_current_span(cls) -> Optional[RecordingSpan]:
        return _CURRENT.get()

    @classmethod
    def get_current_tracer(cls) -> None:
        return None

    @classmethod
    def set_current_span(cls, span: Any) -> None:
        pass

    @classmethod
    def set_current_tracer(cls, tracer: Any) -> None:
        pass

    @classmethod
    @contextlib.contextmanager
    def change_context(cls, span: Any) -> Iterator[None]:
        token = _CURRENT.set(span)
        try:
            yield
        finally:
            _CURRENT.reset(token)

    @classmethod
    def with_current_context(cls, func: Any) -> Any:
        return func


@pytest.fixture
def spans():
    RecordingSpan.finished = []
    settings.tracing_implementation = RecordingSpan
    try:
        yield RecordingSpan.finished
    finally:
        settings.tracing_implementation.unset_value()


def _arguments(operation):
    """Positional arguments that make a valid call of ``operation``."""
    return [f"{python}-1" for python, _ in operation.path_params]


def _operations():
    return [pytest.param(name, id=name) for name in sorted(OPERATIONS)]


def _answer(operation):
    body = {"value": [{"id": "a"}]} if operation.pageable else {"id": "a", "jobId": "j", "assignmentId": "x"}
    return (operation.success[0], body)


@pytest.mark.parametrize("name", _operations())
def test_every_sync_operation_has_one_span_with_the_http_span_under_it(spans, name):
    operation = OPERATIONS[name]
    client_type = JobRouterClient if operation.client == "JobRouterClient" else JobRouterAdministrationClient
    transport = FakeTransport(_answer(operation))
    client = client_type.from_connection_string(CONN, transport=transport, retry_total=0)
    result = getattr(client, name)(*_arguments(operation))
    if operation.pageable:
        assert [span.name for span in spans] == [f"{operation.client}.{name}"]  # the pager is built, nothing sent
        list(result)
    [http_span] = [span for span in spans if span.kind == SpanKind.CLIENT]
    [operation_span] = [span for span in spans if span.kind == SpanKind.INTERNAL]
    assert operation_span.name == f"{operation.client}.{name}"
    assert operation_span.error is None
    assert http_span.attributes["http.method"] == operation.method
    if not operation.pageable:  # a page is fetched while the caller iterates, after the operation returned
        assert http_span.parent is operation_span
    assert len(spans) == 2


@pytest.mark.parametrize("name", [n for n in sorted(OPERATIONS) if not OPERATIONS[n].pageable])
async def test_every_async_operation_has_one_span_with_the_http_span_under_it(spans, name):
    operation = OPERATIONS[name]
    admin = operation.client == "JobRouterAdministrationClient"
    client_type = jr_aio.JobRouterAdministrationClient if admin else jr_aio.JobRouterClient
    async with client_type.from_connection_string(CONN, transport=AsyncFakeTransport(_answer(operation))) as client:
        await getattr(client, name)(*_arguments(operation))
    [operation_span, *others] = [span for span in spans if span.kind == SpanKind.INTERNAL]
    [http_span] = [span for span in spans if span.kind == SpanKind.CLIENT]
    assert (operation_span.name, others) == (f"{operation.client}.{name}", [])
    assert http_span.parent is operation_span and operation_span.error is None


async def test_a_failed_call_ends_its_span_with_the_error(spans):
    not_found = (404, {"error": {"code": "NotFound", "message": "no such job"}})
    client = JobRouterClient.from_connection_string(CONN, transport=FakeTransport(not_found), retry_total=0)
    with pytest.raises(ResourceNotFoundError):
        client.get_job("missing")
    async with jr_aio.JobRouterClient.from_connection_string(CONN, transport=AsyncFakeTransport(not_found)) as aclient:
        with pytest.raises(ResourceNotFoundError):
            await aclient.get_job("missing")
    operation_spans = [span for span in spans if span.kind == SpanKind.INTERNAL]
    assert [(span.name, span.error) for span in operation_spans] == [
        ("JobRouterClient.get_job", ResourceNotFoundError),
        ("JobRouterClient.get_job", ResourceNotFoundError),
    ]
    assert [span.attributes["http.status_code"] for span in spans if span.kind == SpanKind.CLIENT] == [404, 404]


def test_tracing_options_turn_the_spans_of_one_call_off(spans):
    client = JobRouterClient.from_connection_string(CONN, transport=FakeTransport((200, {"id": "j"})), retry_total=0)
    client.get_job("j", tracing_options={"enabled": False})
    assert spans == []


class _CountingSetting:
    """Stands in for ``settings.tracing_enabled``: tracing off, and counts how often it is read."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self, value: Any = None) -> bool:
        self.reads += 1
        return False


async def test_with_tracing_off_a_call_reads_the_tracing_settings_once(monkeypatch):
    """azure-core's decorator and its HTTP span policy each read the settings (environment look-ups); the operation
    reads them once and tells the policy, so the operation's span costs no extra look-up."""
    setting = _CountingSetting()
    monkeypatch.setattr(type(settings), "tracing_enabled", setting)
    client = JobRouterClient.from_connection_string(CONN, transport=FakeTransport((200, {"id": "j"})), retry_total=0)
    client.get_job("j")
    assert setting.reads == 1
    async with jr_aio.JobRouterClient.from_connection_string(CONN, transport=AsyncFakeTransport((200, {}))) as aclient:
        await aclient.upsert_worker("w", capacity=1)
    assert setting.reads == 2
    assert "tracing" not in str(inspect.signature(JobRouterClient.get_job))  # the decorator keeps the signature
