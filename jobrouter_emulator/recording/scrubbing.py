"""What a cassette may hold: the placeholder endpoint, headers and rule secrets removed, leaks refused, requests
matched after the same scrubbing; and the VCR settings that apply it to a test."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union
from urllib.parse import parse_qsl, quote, urlsplit

PLAYBACK_ENDPOINT = "https://sanitized.communication.azure.com"
PLAYBACK_ACCESS_KEY = "cGxheWJhY2sta2V5LW5vdC1hLXNlY3JldA=="  # base64 of "playback-key-not-a-secret"
PLAYBACK_CONNECTION_STRING = f"endpoint={PLAYBACK_ENDPOINT}/;accesskey={PLAYBACK_ACCESS_KEY}"
REDACTED = "REDACTED"

REMOVED_REQUEST_HEADERS = frozenset(
    {"authorization", "x-ms-date", "x-ms-content-sha256", "x-ms-client-request-id", "user-agent", "host"}
)
# Headers that differ on every run and say nothing the test checks; Azure adds the last few.
REMOVED_RESPONSE_HEADERS = frozenset(
    {"date", "server", "x-ms-client-request-id", "ms-cv", "x-azure-ref", "x-cache", "x-ms-request-id",
     "request-context", "x-ms-response-type", "strict-transport-security", "set-cookie",
     "www-authenticate"}  # Azure's challenge on a 401 names its Bearer scheme: not a secret, and not needed
)  # fmt: skip
# Rule credentials (FunctionRouterRuleCredential, OAuth2WebhookClientCredential): secrets the service is given.
RULE_SECRET_FIELDS = frozenset({"functionkey", "appkey", "clientsecret"})

MATCH_ON = ("method", "path", "query", "jobrouter_json_body")

# Credentials written inside strings: a Storage connection string's key or shared access signature, a SAS token's
# signature, an Azure Functions key in a URL (``?code=``). Their values are masked wherever a body holds them.
_CREDENTIAL_PARTS = re.compile(r"\b(accountkey|sharedaccesssignature|sig|code)=([^;&\"'\s\\]+)", re.IGNORECASE)

_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]+", re.IGNORECASE)
# What must never reach a cassette, and how the failure names it.
_LEAKS: List[Tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<!sharedaccess)signature=(?!" + REDACTED + ")", re.IGNORECASE), "an HMAC signature (Signature=)"),
    (re.compile(r"\bbearer\s+[a-z0-9._~+/=-]{8,}", re.IGNORECASE), "a bearer token"),  # not "bearer bonds"
    (re.compile(r"accesskey=(?!" + re.escape(PLAYBACK_ACCESS_KEY) + ")", re.IGNORECASE), "a connection string's key"),
    (re.compile(r"\beyJ[a-z0-9_-]{4,}\.eyJ[a-z0-9_-]{4,}\.", re.IGNORECASE), "a JSON Web Token"),
]


class SecretInRecording(AssertionError):
    """A request or response would write a secret to the cassette; the message names where it is."""


@dataclass
class Scrubber:
    """Scrubs one test's requests and responses; the fixture tells it the endpoint and key in use once it knows them."""

    access_key: Optional[str] = None
    endpoint: Optional[str] = None  # scheme://host[:port] of the service recorded, without a trailing slash

    def _replace_known(self, text: str) -> str:
        if self.access_key and self.access_key != PLAYBACK_ACCESS_KEY:
            text = text.replace(self.access_key, REDACTED).replace(quote(self.access_key, safe=""), REDACTED)
        if self.endpoint and self.endpoint != PLAYBACK_ENDPOINT:
            text = text.replace(self.endpoint, PLAYBACK_ENDPOINT)
        return text

    def _scrub_body(self, body: Union[bytes, str, None]) -> Union[bytes, str, None]:
        if not body:
            return body
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        scrubbed = _mask_credential_parts(_mask_rule_secrets(self._replace_known(text)))
        if scrubbed == text:
            return body
        return scrubbed.encode("utf-8") if isinstance(body, bytes) else scrubbed

    def scrub_request(self, request: Any) -> Any:
        """vcrpy's ``before_record_request``: the request as the cassette keeps it (vcrpy hands over a copy)."""
        request.uri = _ORIGIN.sub(PLAYBACK_ENDPOINT, self._replace_known(request.uri), count=1)
        for name in list(request.headers):
            if name.lower() in REMOVED_REQUEST_HEADERS:
                del request.headers[name]
            else:
                request.headers[name] = self._replace_known(str(request.headers[name]))
        request.body = self._scrub_body(request.body)
        _refuse_leaks("request", request.headers, request.uri, request.body)
        return request

    def scrub_response(self, response: Dict[str, Any]) -> Dict[str, Any]:
        """vcrpy's ``before_record_response`` (vcrpy copies the response before recording it)."""
        headers: Dict[str, Any] = response.get("headers", {})
        for name in list(headers):
            if name.lower() in REMOVED_RESPONSE_HEADERS:
                del headers[name]
            else:
                values = headers[name]
                headers[name] = [self._replace_known(str(v)) for v in values] if isinstance(values, list) else values
        body = response.get("body")
        if isinstance(body, dict) and "string" in body:
            body["string"] = self._scrub_body(body["string"])
        _refuse_leaks("response", headers, "", body.get("string") if isinstance(body, dict) else None)
        return response


def _mask_credential_parts(text: str) -> str:
    if "=" not in text:
        return text
    return _CREDENTIAL_PARTS.sub(lambda m: f"{m.group(1)}={REDACTED}", text)


def _mask_rule_secrets(text: str) -> str:
    lowered = text.lower()
    if not any(name in lowered for name in RULE_SECRET_FIELDS):
        return text  # the common case: parse nothing
    try:
        document = json.loads(text)
    except ValueError:
        return text
    masked, changed = _masked(document)
    return json.dumps(masked, separators=(",", ":"), ensure_ascii=False) if changed else text


def _masked(node: Any) -> Tuple[Any, bool]:
    if isinstance(node, dict):
        changed = False
        out: Dict[str, Any] = {}
        for key, value in node.items():
            if key.lower() in RULE_SECRET_FIELDS and isinstance(value, str) and value != REDACTED:
                out[key], changed = REDACTED, True
            else:
                out[key], inner = _masked(value)
                changed = changed or inner
        return out, changed
    if isinstance(node, list):
        items = [_masked(item) for item in node]
        return [item for item, _ in items], any(inner for _, inner in items)
    return node, False


def _refuse_leaks(side: str, headers: Mapping[str, Any], uri: str, body: Union[bytes, str, None]) -> None:
    for name, values in headers.items():
        for value in values if isinstance(values, list) else [values]:
            _check(str(value), f"{side} header {name!r}")
    for name, value in parse_qsl(urlsplit(uri).query, keep_blank_values=True):
        _check(value, f"{side} query parameter {name!r}")
    if body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            document = json.loads(text)
        except ValueError:
            _check(text, f"{side} body")
            return
        for path, value in _strings(document, ""):
            _check(value, f"{side} body field {path or '(the whole body)'!r}")


def _strings(node: Any, path: str) -> Iterator[Tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield path + ("." if path else "") + str(key), str(key)  # a secret may hide in a key, as in labels
            yield from _strings(value, path + ("." if path else "") + str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def _check(text: str, where: str) -> None:
    for pattern, what in _LEAKS:
        if pattern.search(text):
            raise SecretInRecording(
                f"the {where} holds {what}: it would be written to the cassette. Leave it out of the request, "
                "or keep the test from recording it"
            )


def json_body_matcher(r1: Any, r2: Any) -> None:
    """vcrpy matcher ``jobrouter_json_body``: bodies equal as JSON (raw bytes when either is not JSON)."""
    first, second = _json_or_raw(r1.body), _json_or_raw(r2.body)
    assert first == second, f"bodies differ: {first!r} != {second!r}"


def _json_or_raw(body: Union[bytes, str, None]) -> Any:
    if not body:
        return None
    raw = body if isinstance(body, bytes) else body.encode("utf-8")
    try:
        return ("json", json.loads(raw))
    except ValueError:
        return ("raw", raw)


def configure_vcr(vcr: Any, scrubber: Scrubber) -> None:
    """Sets a VCR's defaults for a test that uses ``recorded_router`` (pytest-recording's ``vcr_config`` fixture
    still wins for the keys it sets; the fixture refuses those that would undo the scrubbing)."""
    vcr.register_matcher("jobrouter_json_body", json_body_matcher)
    vcr.match_on = MATCH_ON
    vcr.before_record_request = scrubber.scrub_request
    vcr.before_record_response = scrubber.scrub_response
    vcr.decode_compressed_response = True  # Azure may gzip a body; the cassette keeps it readable, and scrubbable


# vcr_config keys that would replace the scrubbing or the matching recorded_router relies on.
CONFLICTING_VCR_CONFIG = ("before_record_request", "before_record", "before_record_response", "match_on")
