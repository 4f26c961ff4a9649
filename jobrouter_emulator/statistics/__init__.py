"""Supervisor statistics: service level, speed of answer, abandonment, handle time and occupancy per queue, worker
and interval, folded from the Router events (definitions in :mod:`.definitions`)."""

from .definitions import DEFAULT_INTERVAL_SECONDS, DEFAULT_SERVICE_LEVEL_SECONDS, DEFAULT_SHORT_ABANDON_SECONDS
from .ledger import Statistics

__all__ = [
    "DEFAULT_INTERVAL_SECONDS",
    "DEFAULT_SERVICE_LEVEL_SECONDS",
    "DEFAULT_SHORT_ABANDON_SECONDS",
    "Statistics",
]
