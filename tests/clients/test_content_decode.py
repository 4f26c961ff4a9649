"""The pipeline's ContentDecodePolicy (kept because 1.0.0 has it, and a user's per-call policy can read
``response.context["deserialized_data"]``) parses JSON from the body's bytes; what it stores, or raises, must be what
azure-core's own policy stores or raises for the same response."""

from __future__ import annotations

from typing import Any, Optional

import pytest
from azure.core.exceptions import DecodeError
from azure.core.pipeline import PipelineContext, PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import ContentDecodePolicy as AzureCoreContentDecodePolicy
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl import HttpResponseImpl

# Private: the decode policy is compared with azure-core's own, case by case.
from azure.communication.jobrouter._pipeline import ContentDecodePolicy

from ._transport import _response
from .test_json_parser import parser  # noqa: F401  (each case with orjson, when installed, and with the stdlib)

CASES = [
    ("application/json", b'{"id": "j1", "labels": {"x": 1}}', None),
    ("application/json; charset=utf-8", "{\"name\": \"é\"}".encode(), None),
    ("application/json", b"\xef\xbb\xbf{\"bom\": true}", None),  # a UTF-8 byte order mark
    ("application/json", "{\"wide\": 1}".encode("utf-16"), None),  # no charset: read as UTF-8, so invalid
    ("application/json; charset=utf-16", "{\"wide\": 1}".encode("utf-16"), None),
    ("application/json", b'{"bad": "\xff"}', None),  # no charset: the bad byte replaced
    ("application/json; charset=utf-8", b'{"bad": "\xff"}', None),  # charset named: a decoding error
    ("application/json", "{\"name\": \"é\"}".encode(), None),
    ("application/json", b"\xef\xbb\xbf", None),  # a byte order mark alone
    ("application/json", b"", None),  # an empty body: None
    ("application/json", b"{not json", None),  # DecodeError, from azure-core's own code
    ("application/merge-patch+json", b'{"a": [1, 2]}', None),
    ("text/json", b"[1, 2, 3]", None),
    ("text/plain", b"plain words", None),  # not JSON: the text
    (None, b'{"no": "content type"}', None),  # none declared: taken as JSON, as azure-core does
    ("application/json; charset=latin-1", "{\"n\": \"\xe9\"}".encode("latin-1"), None),
    ("application/json", b'{"id": "j1"}', "utf-8"),  # a response_encoding chosen by the caller
]


def _decode(policy: Any, content_type: Optional[str], body: bytes, encoding: Optional[str]) -> Any:
    request = HttpRequest("GET", "https://contoso.communication.azure.com/routing/jobs/j1")
    response = _response(HttpResponseImpl, request, 200, None, None)
    response._content = body
    response._headers = {} if content_type is None else {"Content-Type": content_type}
    response.content_type = content_type
    context = PipelineContext(None, stream=False)
    if encoding:
        context["response_encoding"] = encoding
    pipeline_response = PipelineResponse(request, response, context)
    try:
        policy.on_response(PipelineRequest(request, context), pipeline_response)
    except DecodeError as error:
        return ("DecodeError", str(error).split(":")[0])
    except UnicodeDecodeError as error:  # azure-core lets it through when a named charset does not decode
        return ("UnicodeDecodeError", error.encoding, error.start)
    return context.get("deserialized_data")


@pytest.mark.parametrize("content_type, body, encoding", CASES)
def test_the_context_entry_is_azure_cores(content_type, body, encoding, parser):  # noqa: F811
    ours = _decode(ContentDecodePolicy(), content_type, body, encoding)
    theirs = _decode(AzureCoreContentDecodePolicy(), content_type, body, encoding)
    assert ours == theirs


def test_a_streamed_response_is_not_read():
    request = HttpRequest("GET", "https://contoso.communication.azure.com/routing/jobs/j1")
    response = _response(HttpResponseImpl, request, 200, {"id": "j1"}, None)
    context = PipelineContext(None, stream=True)
    ContentDecodePolicy().on_response(PipelineRequest(request, context), PipelineResponse(request, response, context))
    assert "deserialized_data" not in context
