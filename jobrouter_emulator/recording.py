"""Recorded playback of a user's own tests: what the ``recorded_router`` fixture writes to a cassette and how it
replays one.

The pytest plugin loads this module only when a test asks for ``recorded_router``; it imports the standard library
at load time and vcrpy (through pytest-recording) when a value is stored, so replaying needs neither the emulator's
dependencies nor a server.

What a cassette holds, whoever recorded it (the emulator on HTTP or HTTPS, any port, or Azure):

- every request's URL starts with :data:`PLAYBACK_ENDPOINT`, the one placeholder for scheme, host and port;
- no ``Authorization``, ``x-ms-date``, ``x-ms-content-sha256``, ``x-ms-client-request-id`` or ``User-Agent`` header
  (:data:`REMOVED_REQUEST_HEADERS`), and no response header that changes from run to run;
- the access key nowhere, and rule secrets (:data:`RULE_SECRET_FIELDS`: Azure Function keys, OAuth client secrets)
  masked in request and response bodies;
- the values a test made with ``value(name, make)``, as interactions of their own (method :data:`VALUE_METHOD`), so
  one file carries a test's whole recording and pytest-recording's ``rewrite`` mode removes both at once.

Whatever still looks like a secret once that is done (a signature, a bearer token, a JSON Web Token, a connection
string's key) stops the recording with :class:`SecretInRecording`, naming the header, query parameter or body field.
The same scrubbing runs on each request before it is matched on replay, so a request whose body carries a rule's
function key matches its recorded twin.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union
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

VALUE_METHOD = "VALUE"  # not an HTTP method: a stored value can never match a request the SDK sends
_VALUE_PATH = "/_recorded_values/"
MATCH_ON = ("method", "path", "query", "jobrouter_json_body")

_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]+", re.IGNORECASE)
# What must never reach a cassette, and how the failure names it.
_LEAKS: List[Tuple[re.Pattern[str], str]] = [
    (re.compile(r"signature=", re.IGNORECASE), "an HMAC signature (Signature=)"),
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
        scrubbed = _mask_rule_secrets(self._replace_known(text))
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


# Values a test makes (ids, times, random choices), kept as JSON; the types JSON lacks carry a tag.
_TAGGED: Dict[str, Tuple[type, Callable[[Any], str], Callable[[str], Any]]] = {
    "datetime": (datetime, lambda v: v.isoformat(), datetime.fromisoformat),
    "date": (date, lambda v: v.isoformat(), date.fromisoformat),
    "uuid": (uuid.UUID, str, uuid.UUID),
}


def encode_value(name: str, value: Any) -> str:
    """``value`` as the JSON text a cassette stores; a TypeError names the value and the types that can be stored."""
    return json.dumps(_tag(name, value), separators=(",", ":"), sort_keys=True)


def _tag(name: str, value: Any) -> Any:
    for tag, (kind, dump, _) in _TAGGED.items():
        if isinstance(value, kind):  # datetime before date: a datetime is a date too
            return {"$type": tag, "value": dump(value)}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_tag(name, item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _tag(name, item) for key, item in value.items()}
    raise TypeError(
        f"recorded value {name!r} is a {type(value).__name__}: make() must return JSON types (str, int, float, bool, "
        "None, lists, dicts with str keys), datetime, date or UUID"
    )


def decode_value(text: str) -> Any:
    return _untag(json.loads(text))


def _untag(node: Any) -> Any:
    if isinstance(node, dict):
        if set(node) == {"$type", "value"} and node["$type"] in _TAGGED:
            return _TAGGED[node["$type"]][2](node["value"])
        return {key: _untag(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_untag(item) for item in node]
    return node


@dataclass
class RecordedRouter:
    """What ``recorded_router`` yields. ``recording`` is False on replay: no server behind ``connection_string``."""

    connection_string: str
    recording: bool
    cassette: Any = None  # vcrpy's Cassette, None when the test runs live (no vcr marker, --disable-recording)
    client_options: Dict[str, Any] = field(default_factory=dict)  # connection_verify for the emulator's certificate
    poll_interval: float = 0.1
    _values: Dict[str, Any] = field(default_factory=dict, repr=False)

    def value(self, name: str, make: Callable[[], Any]) -> Any:
        """``make()`` while recording, stored in the cassette under ``name``; the stored value on replay. The same
        name gives the same value for the rest of the test."""
        if name in self._values:
            return self._values[name]
        if self.cassette is None:
            made = make()
            encode_value(name, made)  # the same refusal of unstorable types, live or recorded
            self._values[name] = made
            return made
        from vcr.request import Request

        request = Request(VALUE_METHOD, PLAYBACK_ENDPOINT + _VALUE_PATH + quote(name, safe=""), None, {})
        if self.cassette.can_play_response_for(request):
            stored = self.cassette.play_response(request)["body"]["string"]
            found = decode_value(stored.decode("utf-8") if isinstance(stored, bytes) else stored)
        elif not self.recording:
            raise LookupError(
                f"the cassette holds no recorded value {name!r}: record the test again "
                "(--record-mode=rewrite) after adding or renaming a value"
            )
        else:
            found = make()
            text = encode_value(name, found)
            response = {
                "status": {"code": 200, "message": "OK"},
                "headers": {"Content-Type": ["application/json"]},
                "body": {"string": text},
            }
            self.cassette.append(request, response)
            found = decode_value(text)  # what replay will return, so a value behaves alike in both modes
        self._values[name] = found
        return found

    def wait_until(self, predicate: Callable[[], Any], timeout: float = 30) -> Any:
        """Calls ``predicate`` until it returns something truthy, and returns that. While recording it sleeps
        ``poll_interval`` between calls; on replay it never sleeps: each call reads the next recorded answer.
        A predicate that returns an awaitable (an ``async def`` or a lambda calling an async client) makes this a
        coroutine to await. Fails with TimeoutError after ``timeout`` seconds."""
        interval = self.poll_interval if self.recording else 0.0
        deadline = time.monotonic() + timeout
        first = predicate()
        if isinstance(first, Awaitable):
            return self._wait_async(predicate, first, interval, deadline, timeout)
        result = first
        while not result:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the condition did not hold within {timeout} s")
            if interval:
                time.sleep(interval)
            result = predicate()
        return result

    async def _wait_async(
        self, predicate: Callable[[], Any], first: Awaitable[Any], interval: float, deadline: float, timeout: float
    ) -> Any:
        result = await first
        while not result:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the condition did not hold within {timeout} s")
            if interval:
                await asyncio.sleep(interval)
            result = await predicate()
        return result


# vcr_config keys that would replace the scrubbing or the matching recorded_router relies on.
CONFLICTING_VCR_CONFIG = ("before_record_request", "before_record", "before_record_response", "match_on")
