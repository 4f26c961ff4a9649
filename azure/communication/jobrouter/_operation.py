"""Calling one operation of the table: building its request and reading its response.

Everything here is pure (no I/O), so the sync and async clients share it and differ only in how they send.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime as _rfc1123
from io import IOBase
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple, Type
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from azure.core import MatchConditions
from azure.core.rest import HttpRequest

from . import _json
from ._errors import raise_for_status
from ._model_core import Model, deserialize, format_datetime, reader, serialize
from ._url import quote_path_segment, quote_query_value

_logger = logging.getLogger(__name__)

DEFAULT_API_VERSION = "2023-11-01"

# The pipeline context key under which ``_pipeline.ContentDecodePolicy`` keeps (the response it parsed, the parse).
PARSED_BODY = "azure.communication.jobrouter.parsed_body"


@dataclass(frozen=True)
class Operation:
    """One row of the operation table generated from the spec."""

    name: str
    client: str
    method: str
    path: str
    path_params: Tuple[Tuple[str, str], ...]  # (python name, name in the path template)
    query: Tuple[Tuple[str, str], ...]  # (python name, query name)
    body_param: Optional[str]  # the body parameter: "resource" (upserts), "options" (actions), or None
    body_model: Optional[Type[Model]]
    content_type: Optional[str]
    response_model: Optional[Type[Model]]
    success: Tuple[int, ...]
    pageable: bool
    conditional: bool


def _check_id(operation: Operation, python_name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{operation.name}() needs {python_name} as a non-empty string, got {value!r}")
    if value in (".", ".."):  # every transport resolves these path segments away: the request would go elsewhere
        raise ValueError(f"{operation.name}() cannot address {python_name}={value!r}; use another id")
    return value


def _upsert_body(operation: Operation, args: Tuple[Any, ...], fields: Dict[str, Any]) -> Any:
    """The resource to send: a model, a JSON mapping, a byte stream, or the model's fields as keywords."""
    model_type = operation.body_model or Model
    if len(args) > 1:
        raise TypeError(f"{operation.name}() takes one resource after the id, got {len(args)}")
    if args:
        resource = args[0]
        if fields:
            raise TypeError(
                f"{operation.name}() got both a resource and the keyword field(s) {sorted(fields)}; "
                "pass one or the other"
            )
        if isinstance(resource, IOBase):
            return resource.read()  # read once: the HMAC signature covers the body
        if isinstance(resource, (bytes, bytearray)):
            return bytes(resource)
        if isinstance(resource, Model):
            return resource.as_dict(exclude_readonly=True)
        if isinstance(resource, Mapping):
            return serialize(resource)
        raise TypeError(
            f"{operation.name}() takes a {model_type.__name__}, a JSON mapping or a byte stream, "
            f"not {type(resource).__name__}"
        )
    return model_type(**fields).as_dict(exclude_readonly=True)


def _options_body(operation: Operation, options: Any, fields: Dict[str, Any]) -> Any:
    model_type = operation.body_model
    if options is None:
        return model_type(**fields).as_dict() if model_type else {}
    if fields:
        raise TypeError(f"{operation.name}() got both options and the keyword field(s) {sorted(fields)}")
    if isinstance(options, Model):
        return options.as_dict()
    if isinstance(options, Mapping):
        return serialize(options)
    if isinstance(options, IOBase):
        return options.read()
    if isinstance(options, (bytes, bytearray)):
        return bytes(options)
    raise TypeError(f"{operation.name}() takes options as a {(model_type or Model).__name__} or a JSON mapping")


def _query_value(value: Any) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(serialize(value))


def _quoted_etag(etag: str) -> str:
    """An entity tag as HTTP spells it: quoted unless it is weak or quoted already (as 1.0.0 sends it)."""
    if etag.startswith(("W/", '"', "'")):
        return etag
    return f'"{etag}"'


def _conditional_headers(etag: Optional[str], match_condition: Any, if_unmodified_since: Any) -> Dict[str, str]:
    """The headers of ``match_condition``; as in 1.0.0, an ``etag`` without a match condition sets none."""
    headers: Dict[str, str] = {}
    if match_condition in (MatchConditions.IfNotModified, MatchConditions.IfModified) and not etag:
        # 1.0.0 sends such a call without a condition; so do we (code that ran keeps running), but say so.
        _logger.warning("match_condition=%s without an etag: the call is sent without a condition", match_condition)
    elif etag and match_condition == MatchConditions.IfNotModified:
        headers["If-Match"] = _quoted_etag(etag)
    elif etag and match_condition == MatchConditions.IfModified:
        headers["If-None-Match"] = _quoted_etag(etag)
    elif match_condition == MatchConditions.IfPresent:
        headers["If-Match"] = "*"
    elif match_condition == MatchConditions.IfMissing:
        headers["If-None-Match"] = "*"
    if if_unmodified_since is not None:
        if not isinstance(if_unmodified_since, datetime):
            raise TypeError("if_unmodified_since must be a datetime")
        moment = if_unmodified_since if if_unmodified_since.tzinfo else if_unmodified_since.replace(tzinfo=timezone.utc)
        headers["If-Unmodified-Since"] = _rfc1123(moment.astimezone(timezone.utc), usegmt=True)
    return headers


def build_request(
    operation: Operation, api_version: str, arguments: Dict[str, Any], kwargs: Dict[str, Any]
) -> HttpRequest:
    """The HTTP request of ``operation``; consumes from ``kwargs`` the keywords that belong to the operation."""
    path = operation.path
    for python_name, template_name in operation.path_params:
        value = _check_id(operation, python_name, arguments.pop(python_name))
        path = path.replace("{" + template_name + "}", quote_path_segment(value))
    # azure-core appends ``params`` unencoded, so the query is written here, each value encoded.
    query = [("api-version", api_version)]
    for python_name, query_name in operation.query:
        value = arguments.pop(python_name, None)
        if value is not None:
            query.append((query_name, _query_value(value)))
    url = path + "?" + "&".join(f"{quote_query_value(name)}={quote_query_value(value)}" for name, value in query)
    headers: Dict[str, str] = {"Accept": "application/json"}
    if operation.conditional:
        headers.update(
            _conditional_headers(
                kwargs.pop("etag", None), kwargs.pop("match_condition", None), kwargs.pop("if_unmodified_since", None)
            )
        )
    body: Any = None
    if operation.method == "PATCH":
        fields = _take_fields(operation, kwargs)
        body = _upsert_body(operation, arguments.pop("args", ()), fields)
    elif operation.body_param:
        fields = _take_fields(operation, kwargs)
        body = _options_body(operation, arguments.pop(operation.body_param, None), fields)
    if body is not None:
        headers["Content-Type"] = operation.content_type or "application/json"
    extra_headers = kwargs.pop("headers", None) or {}
    headers.update(extra_headers)
    request_kwargs: Dict[str, Any] = {"headers": headers}
    if isinstance(body, bytes):
        request_kwargs["content"] = body
    elif body is not None:
        request_kwargs["content"] = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return HttpRequest(operation.method, url, **request_kwargs)


def _take_fields(operation: Operation, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    model_type = operation.body_model
    if model_type is None:
        return {}
    return {name: kwargs.pop(name) for name in list(kwargs) if name in model_type._fields}


def parsed_body(pipeline_response: Any) -> Any:
    """The JSON of a response's body, parsed once: the parse the pipeline's ``ContentDecodePolicy`` made of this very
    response when it made one (JSON content, not streamed), else the body parsed here."""
    http_response = pipeline_response.http_response
    kept = pipeline_response.context.get(PARSED_BODY)
    if kept is not None and kept[0] is http_response:
        return kept[1]
    # The bytes, not text(): json.loads reads UTF-8 (and -16, -32) itself, without text()'s charset look-up.
    return _json.loads(http_response.content or b"null")


def read_response(
    operation: Operation, pipeline_response: Any, match_condition: Optional[MatchConditions] = None
) -> Any:
    """The typed result of a successful call; a failed one raises as ``_errors.ERROR_TYPES`` says."""
    response = pipeline_response.http_response
    raise_for_status(operation.name, operation.success, response, match_condition)
    if operation.response_model is None or response.status_code == 204:
        return None
    return deserialize(operation.response_model, parsed_body(pipeline_response))


def next_page_request(next_link: str, api_version: str) -> HttpRequest:
    """Follow ``nextLink`` (absolute or relative), keeping the api-version the first request used."""
    parts = urlsplit(next_link)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("api-version", api_version)
    link = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
    return HttpRequest("GET", link, headers={"Accept": "application/json"})


def read_page(operation: Operation, pipeline_response: Any) -> Tuple[Optional[str], Iterator[Any]]:
    """(nextLink, the page's items) of a list response. Each item becomes a model as the caller reaches it, and
    nothing else refers to the page: a listing holds one page at a time however long it is."""
    raise_for_status(operation.name, operation.success, pipeline_response.http_response)
    body = (parsed_body(pipeline_response) if pipeline_response.http_response.content else None) or {}
    if not isinstance(body, dict):
        raise ValueError(f"{operation.name}: a page is a JSON object with 'value', not {type(body).__name__}")
    items = body.get("value") or []
    return body.get("nextLink") or None, map(reader(operation.response_model or Model), items)
