"""Typed Azure Communication Services Job Router events (Event Grid and CloudEvents).

from azure.communication.jobrouter.events import parse_events, RouterJobQueued

for event in parse_events(request_body):
    if isinstance(event, RouterJobQueued):
        print(event.data.queue_id, event.data.priority)
"""

from ._dispatcher import DispatchResult, RouterEventDispatcher, RouterEventHandler
from ._envelope import RouterEvent
from ._generated.enums import *  # noqa: F401,F403
from ._generated.enums import __all__ as _enum_names
from ._generated.events import *  # noqa: F401,F403
from ._generated.events import __all__ as _event_names
from ._generated.models import *  # noqa: F401,F403
from ._generated.models import __all__ as _model_names
from ._parse import MAX_PAYLOAD_BYTES, RouterEventParseError, parse_each, parse_event, parse_events
from ._webhook import VALIDATION_EVENT_TYPE, cloudevents_handshake_headers, subscription_validation_response

__all__ = [
    "DispatchResult",
    "MAX_PAYLOAD_BYTES",
    "RouterEvent",
    "RouterEventDispatcher",
    "RouterEventHandler",
    "RouterEventParseError",
    "VALIDATION_EVENT_TYPE",
    "cloudevents_handshake_headers",
    "parse_each",
    "parse_event",
    "parse_events",
    "subscription_validation_response",
    *_event_names,
    *_model_names,
    *_enum_names,
]
