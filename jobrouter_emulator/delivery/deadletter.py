"""Dead-letter files, laid out and shaped as Event Grid writes dead-letter blobs.

Event Grid writes each dead-lettered event to the subscription's dead-letter container under
``<SUBSCRIPTION NAME IN UPPER CASE>/<year>/<month>/<day>/<hour>/<guid>.json`` (UTC, no zero padding); a blob holds a
JSON array of events, each the delivered event plus ``deadLetterReason``, ``deliveryAttempts``,
``lastDeliveryOutcome``, ``lastHttpStatusCode``, ``publishTime`` and ``lastDeliveryAttemptTime``
("Set dead-letter location and retry policy", https://learn.microsoft.com/azure/event-grid/manage-event-delivery).
The emulator writes one file per event into the subscription's ``deadLetterFolder``, atomically (a reader never
sees half a file). Without a folder the events are dropped, as Event Grid drops them, with a warning in the log.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from ..engine.times import format_time
from .subscription import EventSubscription
from .wire import in_schema

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadLetter:
    """Why a batch could not be delivered."""

    reason: str
    attempts: int
    last_outcome: str
    last_status: Optional[int]
    last_attempt_at: datetime


def dead_letter_record(
    subscription: EventSubscription, event: Mapping[str, Any], why: DeadLetter, publish_time: datetime
) -> Dict[str, Any]:
    return {
        **in_schema(subscription, event),
        "deadLetterReason": why.reason,
        "deliveryAttempts": why.attempts,
        "lastDeliveryOutcome": why.last_outcome,
        "lastHttpStatusCode": why.last_status if why.last_status is not None else 0,
        "publishTime": format_time(publish_time),
        "lastDeliveryAttemptTime": format_time(why.last_attempt_at),
    }


def write_dead_letters(
    subscription: EventSubscription,
    events: List[Mapping[str, Any]],
    publish_times: List[datetime],
    why: DeadLetter,
) -> List[Path]:
    """Write one file per event; returns their paths (none without a dead-letter folder)."""
    if not subscription.dead_letter_folder:
        logger.warning(
            "Subscription %s: dropped %d event(s) (%s, %d attempt(s), last outcome %s); set deadLetterFolder to keep "
            "them",
            subscription.name,
            len(events),
            why.reason,
            why.attempts,
            why.last_outcome,
        )
        return []
    at = why.last_attempt_at
    folder = Path(subscription.dead_letter_folder, subscription.name.upper(), *map(str, (at.year, at.month, at.day)))
    folder = folder / str(at.hour)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for event, published in zip(events, publish_times):
        path = folder / f"{uuid.uuid4()}.json"
        partial = path.with_suffix(".json.partial")
        partial.write_text(json.dumps([dead_letter_record(subscription, event, why, published)], indent=2))
        os.replace(partial, path)
        written.append(path)
    logger.info(
        "Subscription %s: dead-lettered %d event(s) (%s) into %s", subscription.name, len(events), why.reason, folder
    )
    return written
