"""Recorded playback of a user's own tests: what the ``recorded_router`` fixture writes to a cassette and how it
replays one.

The pytest plugin loads this package only when a test asks for ``recorded_router``; it imports the standard library
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

from .router import VALUE_METHOD, RecordedRouter
from .scrubbing import (
    CONFLICTING_VCR_CONFIG,
    MATCH_ON,
    PLAYBACK_ACCESS_KEY,
    PLAYBACK_CONNECTION_STRING,
    PLAYBACK_ENDPOINT,
    REDACTED,
    REMOVED_REQUEST_HEADERS,
    REMOVED_RESPONSE_HEADERS,
    RULE_SECRET_FIELDS,
    Scrubber,
    SecretInRecording,
    configure_vcr,
    json_body_matcher,
)
from .values import decode_value, encode_value

__all__ = [
    "CONFLICTING_VCR_CONFIG",
    "MATCH_ON",
    "PLAYBACK_ACCESS_KEY",
    "PLAYBACK_CONNECTION_STRING",
    "PLAYBACK_ENDPOINT",
    "REDACTED",
    "REMOVED_REQUEST_HEADERS",
    "REMOVED_RESPONSE_HEADERS",
    "RULE_SECRET_FIELDS",
    "VALUE_METHOD",
    "RecordedRouter",
    "Scrubber",
    "SecretInRecording",
    "configure_vcr",
    "decode_value",
    "encode_value",
    "json_body_matcher",
]
