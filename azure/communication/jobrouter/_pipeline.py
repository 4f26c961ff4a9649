"""What the sync and async clients share: credential handling and the azure-core policy list."""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Tuple, Union

from azure.core.credentials import AzureKeyCredential, TokenCredential
from azure.core.exceptions import ResponseNotReadError
from azure.core.pipeline import policies
from azure.core.rest import HttpRequest
from azure.core.utils import case_insensitive_dict

from . import _json
from ._auth import TOKEN_SCOPE, HMACCredentialsPolicy, parse_connection_string
from ._operation import DEFAULT_API_VERSION, PARSED_BODY
from ._tracing import TracingPolicy
from ._version import VERSION

SDK_MONIKER = f"communication-jobrouter/{VERSION}"


def endpoint_and_credential(conn_str: str) -> Tuple[str, AzureKeyCredential]:
    endpoint, access_key = parse_connection_string(conn_str)
    return endpoint, AzureKeyCredential(access_key)


def check_endpoint(endpoint: Any) -> str:
    if not isinstance(endpoint, str) or not endpoint.lower().startswith(("http://", "https://")):
        raise ValueError(
            f"endpoint must be an http(s) URL such as 'https://<resource>.communication.azure.com', got {endpoint!r}"
        )
    return endpoint.rstrip("/")


def auth_policy(credential: Union[AzureKeyCredential, TokenCredential, Any], *, is_async: bool) -> Any:
    if credential is None:
        raise ValueError(
            "credential is required: an AzureKeyCredential, a TokenCredential, or use from_connection_string()"
        )
    if isinstance(credential, AzureKeyCredential):
        return HMACCredentialsPolicy(credential)
    if hasattr(credential, "get_token"):
        if is_async:
            return policies.AsyncBearerTokenCredentialPolicy(credential, TOKEN_SCOPE)  # type: ignore[arg-type]
        return policies.BearerTokenCredentialPolicy(credential, TOKEN_SCOPE)
    raise TypeError(
        f"Unsupported credential {type(credential).__name__}: use AzureKeyCredential, a TokenCredential "
        "(for example azure.identity.DefaultAzureCredential) or from_connection_string()"
    )


class ContentDecodePolicy(policies.ContentDecodePolicy):
    """azure-core's policy, which 1.0.0's pipeline has: a user's per-call policy finds each response parsed in
    ``response.context["deserialized_data"]``. azure-core finds a body's charset with ``email.message``, a tenth of a
    ``get_job`` (``benchmarks/client.py``); here a JSON body with no parameter in its content type (the emulator's) or
    ``charset=utf-8`` (the service's) is decoded as azure-core decodes it, without that. Anything else, a chosen
    ``response_encoding`` and every body that does not parse go to azure-core's own code, which decodes it or raises
    its ``DecodeError``.

    What this fast path parses is the parse the SDK reads its result from (``_operation.parsed_body``): each body is
    parsed once. It is also kept under ``PARSED_BODY`` beside the response it came from, so a policy that replaces
    ``deserialized_data`` changes what it sees, not what the SDK returns (as with 1.0.0, which parses again)."""

    def on_response(self, request: Any, response: Any) -> None:
        http_response = response.http_response
        header = http_response.headers.get("Content-Type") or ""
        mime_type = (http_response.content_type or "application/json").split(";")[0].strip().lower()
        parameters = header.partition(";")[2].strip().lower()
        if (
            response.context.options.get("stream", True)
            or request.context.get("response_encoding")
            or parameters not in ("", "charset=utf-8")
            or not self.JSON_REGEXP.match(mime_type)
        ):
            super().on_response(request, response)
            return
        try:
            # azure-core's decoding: UTF-8 with a byte order mark allowed; bad bytes replaced when no charset is named
            text = http_response.content.decode("utf-8-sig", "replace" if not parameters else "strict")
            data = _json.loads(text) if text else None
        except (ValueError, ResponseNotReadError):
            super().on_response(request, response)
            return
        response.context[self.CONTEXT_NAME] = data
        response.context[PARSED_BODY] = (http_response, data)


def build_policies(credential: Any, *, is_async: bool, **kwargs: Any) -> List[Any]:
    """The pipeline: request id, headers, user agent, proxy, retry, auth (signed after retry sets the attempt),
    logging and distributed tracing, each overridable with the azure-core keyword of the same name."""
    retry_type = policies.AsyncRetryPolicy if is_async else policies.RetryPolicy
    redirect_type = policies.AsyncRedirectPolicy if is_async else policies.RedirectPolicy
    retry = kwargs.get("retry_policy") or retry_type(**kwargs)
    return [
        kwargs.get("request_id_policy") or policies.RequestIdPolicy(**kwargs),
        kwargs.get("headers_policy") or policies.HeadersPolicy(**kwargs),
        kwargs.get("user_agent_policy") or policies.UserAgentPolicy(sdk_moniker=SDK_MONIKER, **kwargs),
        kwargs.get("proxy_policy") or policies.ProxyPolicy(**kwargs),
        ContentDecodePolicy(**kwargs),
        kwargs.get("redirect_policy") or redirect_type(**kwargs),
        retry,
        kwargs.get("authentication_policy") or auth_policy(credential, is_async=is_async),
        policies.CustomHookPolicy(**kwargs),
        kwargs.get("logging_policy") or policies.NetworkTraceLoggingPolicy(**kwargs),
        TracingPolicy(**kwargs),
        policies.SensitiveHeaderCleanupPolicy(**kwargs),
        kwargs.get("http_logging_policy") or policies.HttpLoggingPolicy(**kwargs),
    ]


def api_version_of(kwargs: Dict[str, Any]) -> str:
    """The ``api_version`` keyword, taken out of the client's keywords (the default: 2023-11-01)."""
    return str(kwargs.pop("api_version", DEFAULT_API_VERSION))


def with_absolute_url(request: HttpRequest, client: Any) -> HttpRequest:
    """``request`` with the client's endpoint in front of a relative URL."""
    if not request.url.startswith(("http://", "https://")):
        request.url = client.format_url(request.url)
    return request


def operation_url(request: HttpRequest, client: Any, endpoint: str) -> HttpRequest:
    """An operation's request (its URL the path and query ``build_request`` wrote, starting with "/") on the
    client's ``endpoint`` (no trailing slash): joined directly, at a tenth of the cost of azure-core's
    ``format_url``, unless the endpoint carries a query of its own for ``format_url`` to merge."""
    if "?" in endpoint:
        return with_absolute_url(request, client)
    request.url = endpoint + request.url
    return request


def copy_of_callers_request(request: HttpRequest, client: Any) -> HttpRequest:
    """What ``send_request`` sends: a copy, with an absolute URL, for the pipeline to add its headers to; the caller's
    request stays as it was (as 1.0.0 leaves it)."""
    copied = copy.deepcopy(request)
    if copied.headers is request.headers:  # azure-core copies shallowly a body it cannot deep-copy (an open file)
        copied.headers = case_insensitive_dict(request.headers)
    return with_absolute_url(copied, client)
