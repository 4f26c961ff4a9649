"""What the sync and async clients share: credential handling and the azure-core policy list."""

from __future__ import annotations

import copy
from typing import Any, List, Tuple, Union

from azure.core.credentials import AzureKeyCredential, TokenCredential
from azure.core.pipeline import policies
from azure.core.rest import HttpRequest
from azure.core.utils import case_insensitive_dict

from ._auth import TOKEN_SCOPE, HMACCredentialsPolicy, parse_connection_string
from ._operation import DEFAULT_API_VERSION
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
        # 1.0.0's pipeline has it: a per-call policy reads the parsed body from response.context["deserialized_data"]
        # (it costs about 4% of a get_job, benchmarks/client.py, parsing a body the client parses again).
        policies.ContentDecodePolicy(**kwargs),
        kwargs.get("redirect_policy") or redirect_type(**kwargs),
        retry,
        kwargs.get("authentication_policy") or auth_policy(credential, is_async=is_async),
        policies.CustomHookPolicy(**kwargs),
        kwargs.get("logging_policy") or policies.NetworkTraceLoggingPolicy(**kwargs),
        TracingPolicy(**kwargs),
        policies.SensitiveHeaderCleanupPolicy(**kwargs),
        kwargs.get("http_logging_policy") or policies.HttpLoggingPolicy(**kwargs),
    ]


def api_version_of(kwargs: Any) -> str:
    return kwargs.pop("api_version", DEFAULT_API_VERSION)


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
