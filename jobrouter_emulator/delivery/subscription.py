"""An event subscription: where Router events go, which ones, in which schema, and how hard to try.

The JSON names are Event Grid's own (``endpointUrl``, ``includedEventTypes``, ``subjectBeginsWith``,
``maxEventsPerBatch``, ``maxDeliveryAttempts``, ``eventTimeToLiveInMinutes``, ``eventDeliverySchema``), flattened
into one object; ``deadLetterFolder`` stands in for Event Grid's dead-letter blob container. Limits and defaults are
Event Grid's ("Event Grid message delivery and retry", https://learn.microsoft.com/azure/event-grid/delivery-and-retry):
1-30 attempts (30), a time to live of 1-1440 minutes (1440), one event per delivery unless batching is asked for
(up to 5,000 events per batch).

A subscription delivers to a webhook (``endpointType`` ``WebHook``, the default: ``endpointUrl``) or to an Azure
Storage queue (``StorageQueue``: ``queueName``, ``queueMessageTimeToLiveInSeconds``, Event Grid's names, and
``connectionString``, which stands in for Event Grid's storage account ``resourceId`` since the emulator cannot
resolve Azure resources). A message's time to live is -1 (never expires) or 1 second or more, as Event Grid's
``StorageQueueEventSubscriptionDestination`` takes it (https://learn.microsoft.com/rest/api/eventgrid/); unset, it
is Queue Storage's default of 7 days. Batching (``maxEventsPerBatch``) is a webhook setting in Event Grid; a queue
gets one message per event. Queue names follow Queue Storage's rules ("Naming queues and metadata",
https://learn.microsoft.com/rest/api/storageservices/naming-queues-and-metadata).

The dataclass's field metadata drives reading, writing and the command line, so a new option is one field.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import importlib.util
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from azure.communication.jobrouter.events import EVENT_CLASSES

from ..options import options_from_tokens

EVENT_GRID_SCHEMA = "EventGridSchema"
CLOUD_EVENT_SCHEMA = "CloudEventSchemaV1_0"
SCHEMAS = (EVENT_GRID_SCHEMA, CLOUD_EVENT_SCHEMA)
EVENT_TYPE_PREFIX = "Microsoft.Communication."
MAX_TIME_TO_LIVE_MINUTES = 1440
NAME_PATTERN = re.compile(r"^[A-Za-z0-9-]{3,64}$")  # Event Grid's rule for event subscription names
WEB_HOOK = "WebHook"
STORAGE_QUEUE = "StorageQueue"
ENDPOINT_TYPES = (WEB_HOOK, STORAGE_QUEUE)
# 3-63 lowercase letters, digits and single hyphens, beginning and ending with a letter or digit.
QUEUE_NAME_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$")
DEFAULT_QUEUE_MESSAGE_TTL_SECONDS = 7 * 24 * 3600
# The JSON fields that belong to one endpoint type; the others take no such field.
ENDPOINT_FIELDS: Dict[str, Tuple[str, ...]] = {
    WEB_HOOK: ("endpointUrl", "maxEventsPerBatch"),
    STORAGE_QUEUE: ("queueName", "connectionString", "queueMessageTimeToLiveInSeconds"),
}
REQUIRED_FIELDS: Dict[str, Tuple[Tuple[str, str], ...]] = {
    WEB_HOOK: (("endpointUrl", "the webhook to deliver events to"),),
    STORAGE_QUEUE: (
        ("queueName", "the Storage queue to write events to"),
        ("connectionString", "the storage account's connection string (Azurite's or a real account's)"),
    ),
}
# Key names (lowercase) of a storage connection string that hold a secret: never shown back.
SECRET_KEYS = ("accountkey", "sharedaccesssignature")


class SubscriptionError(ValueError):
    """A subscription definition that cannot be used; ``target`` names the field to fix."""

    def __init__(self, message: str, target: Optional[str] = None) -> None:
        super().__init__(message)
        self.target = target


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SubscriptionError(f"{name} must be a string, got {type(value).__name__}.", name)
    return value


def _whole(low: int, high: int) -> Callable[[str, Any], int]:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise SubscriptionError(f"{name} must be a whole number from {low} to {high}, got {value!r}.", name)
        if not low <= value <= high:
            raise SubscriptionError(f"{name} must be from {low} to {high}, got {int(value)}.", name)
        return int(value)

    return check


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SubscriptionError(f"{name} must be true or false, got {value!r}.", name)
    return value


def _url(name: str, value: Any) -> str:
    parts = urlsplit(_text(name, value))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SubscriptionError(f"{name} must be an http:// or https:// URL with a host, got {value!r}.", name)
    return str(value)


def _endpoint_type(name: str, value: Any) -> str:
    for endpoint_type in ENDPOINT_TYPES:
        if _text(name, value).lower() == endpoint_type.lower():
            return endpoint_type
    raise SubscriptionError(f"{name} must be one of {', '.join(ENDPOINT_TYPES)}, got {value!r}.", name)


def _queue_name(name: str, value: Any) -> str:
    if not QUEUE_NAME_PATTERN.match(_text(name, value)):
        raise SubscriptionError(
            f"{name} must be 3-63 lowercase letters, digits and single hyphens, beginning and ending with a letter or"
            f" digit (Queue Storage's rule), got {value!r}.",
            name,
        )
    return str(value)


def connection_string_settings(text: str) -> Dict[str, str]:
    """A storage connection string's ``Key=value;`` settings, keys in lowercase."""
    settings: Dict[str, str] = {}
    for part in text.split(";"):
        if part.strip():
            key, separator, value = part.partition("=")
            if not separator or not key.strip():
                raise ValueError(f"{part!r} is not Key=value")
            settings[key.strip().lower()] = value.strip()
    return settings


def _connection_string(name: str, value: Any) -> str:
    text = _text(name, value)
    example = "DefaultEndpointsProtocol=http;AccountName=...;AccountKey=...;QueueEndpoint=http://127.0.0.1:10001/..."
    try:
        settings = connection_string_settings(text)
    except ValueError as exc:
        raise SubscriptionError(f"{name} must be a storage connection string such as {example}: {exc}.", name) from None
    if settings.get("usedevelopmentstorage", "").lower() == "true":
        return text
    if "accountkey" in settings:  # Storage signs with the decoded key: one that is not base64 could never write
        try:
            base64.b64decode(settings["accountkey"], validate=True)
        except (ValueError, binascii.Error):
            raise SubscriptionError(f"{name}: AccountKey is not base64, as a storage account's key is.", name) from None
    if not ("accountname" in settings or "queueendpoint" in settings) or not any(k in settings for k in SECRET_KEYS):
        raise SubscriptionError(
            f"{name} must name the account (AccountName or QueueEndpoint) and a credential (AccountKey or "
            f"SharedAccessSignature), as in {example}",
            name,
        )
    return text


def redact_connection_string(text: str) -> str:
    """``text`` with its account key or SAS token replaced, for views and logs (Event Grid never shows them)."""
    parts = []
    for part in text.split(";"):
        key, separator, _ = part.partition("=")
        parts.append(f"{key}=***" if separator and key.strip().lower() in SECRET_KEYS else part)
    return ";".join(parts)


def _time_to_live_seconds(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise SubscriptionError(f"{name} must be a whole number of seconds, got {value!r}.", name)
    if value != -1 and not 1 <= value <= 2**31 - 1:
        raise SubscriptionError(
            f"{name} must be -1 (the message never expires) or from 1 to {2**31 - 1} seconds, got {int(value)}.", name
        )
    return int(value)


def _schema(name: str, value: Any) -> str:
    for schema in SCHEMAS:
        if _text(name, value).lower() == schema.lower():
            return schema
    raise SubscriptionError(f"{name} must be one of {', '.join(SCHEMAS)}, got {value!r}.", name)


def _event_types(name: str, value: Any) -> Tuple[str, ...]:
    """Full Event Grid type names; ``RouterJobQueued`` is accepted for ``Microsoft.Communication.RouterJobQueued``."""
    if not isinstance(value, (list, tuple)):
        raise SubscriptionError(f"{name} must be a list of event types, got {type(value).__name__}.", name)
    known = {event_type.lower(): event_type for event_type in EVENT_CLASSES}
    types: List[str] = []
    for item in value:
        text = _text(name, item).strip()
        full = known.get(text.lower()) or known.get((EVENT_TYPE_PREFIX + text).lower())
        if full is None:
            short = sorted(t[len(EVENT_TYPE_PREFIX) :] for t in EVENT_CLASSES)
            raise SubscriptionError(f"{name}: {text!r} is not a Router event type; known: {', '.join(short)}.", name)
        if full not in types:
            types.append(full)
    return tuple(types)


def _folder(name: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    text = _text(name, value)
    if not text.strip():
        raise SubscriptionError(f"{name} must name a folder.", name)
    # A path on the emulator's machine, made absolute now so it does not depend on a later working directory.
    return str(Path(text).expanduser().resolve())


def _storage_queue_installed() -> bool:
    try:
        return importlib.util.find_spec("azure.storage.queue") is not None
    except ImportError:  # no azure.storage package at all
        return False


def _spec(json_name: str, check: Callable[[str, Any], Any]) -> Dict[str, Any]:
    return {"json": json_name, "check": check}


@dataclass(frozen=True)
class EventSubscription:
    name: str
    endpoint_url: str = field(default="", metadata=_spec("endpointUrl", _url))
    endpoint_type: str = field(default=WEB_HOOK, metadata=_spec("endpointType", _endpoint_type))
    queue_name: str = field(default="", metadata=_spec("queueName", _queue_name))
    connection_string: str = field(default="", metadata=_spec("connectionString", _connection_string))
    queue_message_time_to_live_in_seconds: int = field(
        default=DEFAULT_QUEUE_MESSAGE_TTL_SECONDS,
        metadata=_spec("queueMessageTimeToLiveInSeconds", _time_to_live_seconds),
    )
    included_event_types: Tuple[str, ...] = field(default=(), metadata=_spec("includedEventTypes", _event_types))
    subject_begins_with: str = field(default="", metadata=_spec("subjectBeginsWith", _text))
    subject_ends_with: str = field(default="", metadata=_spec("subjectEndsWith", _text))
    is_subject_case_sensitive: bool = field(default=False, metadata=_spec("isSubjectCaseSensitive", _flag))
    event_delivery_schema: str = field(default=EVENT_GRID_SCHEMA, metadata=_spec("eventDeliverySchema", _schema))
    max_events_per_batch: int = field(default=1, metadata=_spec("maxEventsPerBatch", _whole(1, 5000)))
    max_delivery_attempts: int = field(default=30, metadata=_spec("maxDeliveryAttempts", _whole(1, 30)))
    event_time_to_live_in_minutes: int = field(
        default=MAX_TIME_TO_LIVE_MINUTES,
        metadata=_spec("eventTimeToLiveInMinutes", _whole(1, MAX_TIME_TO_LIVE_MINUTES)),
    )
    dead_letter_folder: Optional[str] = field(default=None, metadata=_spec("deadLetterFolder", _folder))
    _types_lower: frozenset = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Filters run for every event and every subscription: fold the type names once.
        object.__setattr__(self, "_types_lower", frozenset(t.lower() for t in self.included_event_types))

    # -- reading and writing ------------------------------------------------------------------------------------------
    @classmethod
    def from_json(cls, name: str, body: Any) -> EventSubscription:
        """Read a definition (the JSON object of ``PUT /_emulator/eventSubscriptions/{name}``)."""
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise SubscriptionError(
                f"The subscription name must be 3-64 letters, digits or hyphens, got {name!r}.", "name"
            )
        if not isinstance(body, Mapping):
            raise SubscriptionError('A subscription is a JSON object such as {"endpointUrl": "https://..."}.')
        specs = {f.metadata["json"]: f for f in fields(cls) if f.metadata}
        unknown = sorted(set(body) - set(specs) - {"name"})
        if unknown:
            raise SubscriptionError(
                f"Unknown subscription field(s) {', '.join(unknown)}; known: {', '.join(sorted(specs))}.", unknown[0]
            )
        if body.get("name", name) != name:
            raise SubscriptionError(f"The body names {body['name']!r} but the URL names {name!r}.", "name")
        endpoint_type = _endpoint_type("endpointType", body.get("endpointType", WEB_HOOK))
        for other, own in ENDPOINT_FIELDS.items():
            stray = [key for key in own if key in body] if other != endpoint_type else []
            if stray:
                raise SubscriptionError(
                    f"{stray[0]} applies to endpointType {other} only; this subscription's is {endpoint_type}.",
                    stray[0],
                )
        for key, what in REQUIRED_FIELDS[endpoint_type]:
            if key not in body:
                raise SubscriptionError(f"{key} is required for endpointType {endpoint_type}: {what}.", key)
        if endpoint_type == STORAGE_QUEUE and not _storage_queue_installed():
            raise SubscriptionError(
                "endpointType StorageQueue needs azure-storage-queue, not installed here: "
                "pip install 'azure-communication-jobrouter[storage-queue]'",
                "endpointType",
            )
        values = {spec.name: spec.metadata["check"](key, body[key]) for key, spec in specs.items() if key in body}
        return cls(name=name, **values)

    @classmethod
    def from_cli(cls, tokens: Sequence[str]) -> EventSubscription:
        """``NAME URL [key=value ...]`` for a webhook, ``NAME endpointType=StorageQueue queueName=...
        connectionString=... [key=value ...]`` for a Storage queue; keys as in JSON; lists are comma-separated
        (``includedEventTypes=RouterJobQueued,RouterWorkerOfferIssued``)."""
        if len(tokens) < 2:
            raise SubscriptionError(
                "--event-subscription takes a name and a URL, then key=value options (or, for a Storage queue, a name "
                "then endpointType=StorageQueue queueName=... connectionString=...)."
            )
        name, *options = tokens
        start: Dict[str, Any] = {}
        if options[0].lower().startswith(("http://", "https://")):
            start["endpointUrl"] = options.pop(0)
        try:
            body = options_from_tokens(options, list_keys=("includedEventTypes",))
        except ValueError as exc:
            raise SubscriptionError(f"--event-subscription {name}: {exc}") from None
        return cls.from_json(name, {**start, **body})

    @classmethod
    def for_webhook(cls, url: str) -> EventSubscription:
        """The subscription ``--event-webhook URL`` stands for: every event, Event Grid schema, Event Grid's defaults.
        Its name comes from the URL, so its cursor survives restarts and a reordered command line."""
        return cls.from_json(f"webhook-{hashlib.sha1(url.encode()).hexdigest()[:10]}", {"endpointUrl": url})

    def to_json(self, *, redact: bool = False) -> Dict[str, Any]:
        """The definition as JSON (what :meth:`from_json` reads back); ``redact`` hides the connection string's
        secret, for views."""
        body: Dict[str, Any] = {"name": self.name}
        foreign = {key for other, own in ENDPOINT_FIELDS.items() if other != self.endpoint_type for key in own}
        for spec in fields(self):
            if spec.metadata and spec.metadata["json"] not in foreign:
                value = getattr(self, spec.name)
                body[spec.metadata["json"]] = list(value) if isinstance(value, tuple) else value
        if redact and self.connection_string:
            body["connectionString"] = redact_connection_string(self.connection_string)
        return body

    @property
    def target(self) -> str:
        """Where events go, for logs: the webhook's URL or the queue's name."""
        return f"Storage queue {self.queue_name}" if self.endpoint_type == STORAGE_QUEUE else self.endpoint_url

    def same_endpoint(self, other: EventSubscription) -> bool:
        """Whether a handshake done for ``other`` also holds for this definition."""
        mine = (self.endpoint_type, self.endpoint_url, self.event_delivery_schema)
        return mine == (other.endpoint_type, other.endpoint_url, other.event_delivery_schema)

    def with_changes(self, **changes: Any) -> EventSubscription:
        return replace(self, **changes)

    # -- filtering ----------------------------------------------------------------------------------------------------
    def matches(self, event: Mapping[str, Any]) -> bool:
        """Event Grid's filters: the type is one of the included ones (all when none are), and the subject begins and
        ends as asked (ignoring case unless ``isSubjectCaseSensitive``)."""
        if self.included_event_types and str(event.get("eventType", "")).lower() not in self._types_lower:
            return False
        subject = str(event.get("subject", ""))
        begins, ends = self.subject_begins_with, self.subject_ends_with
        if not self.is_subject_case_sensitive:
            subject, begins, ends = subject.lower(), begins.lower(), ends.lower()
        return subject.startswith(begins) and subject.endswith(ends)
