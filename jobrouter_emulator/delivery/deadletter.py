"""Dead-letter files, laid out and shaped as Event Grid writes dead-letter blobs.

Event Grid writes each dead-lettered event to the subscription's dead-letter container under
``<SUBSCRIPTION NAME IN UPPER CASE>/<year>/<month>/<day>/<hour>/<guid>.json`` (UTC, no zero padding); a blob holds a
JSON array of events, each the delivered event plus ``deadLetterReason``, ``deliveryAttempts``,
``lastDeliveryOutcome``, ``lastHttpStatusCode``, ``publishTime`` and ``lastDeliveryAttemptTime``
("Set dead-letter location and retry policy", https://learn.microsoft.com/azure/event-grid/manage-event-delivery).
The emulator writes one file per event into the subscription's ``deadLetterFolder``, atomically (a reader never
sees half a file). Without a folder the events are dropped, as Event Grid drops them, with a warning in the log.

Dead letters hold job labels, so they are as private as the data directory: folders the emulator creates are 0700
and files 0600. A folder that already exists with a looser mode (the named folder, or one an older emulator made) is
warned about once, not changed: as for the data directory, it may be shared on purpose, and the files written into
it are 0600 whatever the folder's mode.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set

from ..engine.times import format_time
from .subscription import EventSubscription
from .wire import in_schema

logger = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600
_warned: Set[str] = set()  # folders already warned about in this process
_warned_lock = threading.Lock()


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
    root = Path(subscription.dead_letter_folder)
    folder = private_folders(root, subscription.name.upper(), *map(str, (at.year, at.month, at.day, at.hour)))
    written = []
    for event, published in zip(events, publish_times):
        path = folder / f"{uuid.uuid4()}.json"
        partial = path.with_suffix(".json.partial")
        text = json.dumps([dead_letter_record(subscription, event, why, published)], indent=2)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(partial, path)
        written.append(path)
    logger.info(
        "Subscription %s: dead-lettered %d event(s) (%s) into %s", subscription.name, len(events), why.reason, folder
    )
    return written


def private_folders(root: Path, *names: str) -> Path:
    """``root/names...``, each missing folder created 0700 (``mkdir -p`` would give the parents the default mode);
    ``root`` and the subscription's folder, when they already exist readable by others, are warned about once."""
    folder = root
    for depth, name in enumerate(("", *names)):
        folder = folder / name if depth else folder
        try:
            folder.mkdir(mode=FOLDER_MODE, parents=depth == 0)  # the named folder's own parents: the default mode
        except FileExistsError:
            if depth <= 1:
                _warn_if_shared(folder)
    return folder


def _warn_if_shared(folder: Path) -> None:
    if sys.platform == "win32":
        return
    mode = stat.S_IMODE(folder.stat().st_mode)
    if not mode & 0o077:
        return
    with _warned_lock:
        if str(folder) in _warned:
            return
        _warned.add(str(folder))
    logger.warning(
        "The dead-letter folder %s is readable by others (mode %o), and dead letters hold job labels. New files in it "
        "are 0600; chmod -R go= the folder to make the existing ones private too.",
        folder,
        mode,
    )
