"""The statistics' settings, one object for the CLI (``--statistics-interval``, ``--service-level``), embedding and the
route's query (``serviceLevel``), with the one parser of a service-level token."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, Optional, Tuple

from .definitions import DEFAULT_INTERVAL_SECONDS, DEFAULT_SERVICE_LEVEL_SECONDS, DEFAULT_SHORT_ABANDON_SECONDS
from .ledger import Statistics, checked_seconds


def service_levels(tokens: Iterable[str]) -> Tuple[Optional[float], Dict[str, float]]:
    """``SECONDS`` (every queue's threshold) and ``QUEUE=SECONDS`` tokens as (default or None, per queue);
    ValueError naming the token that is neither."""
    default: Optional[float] = None
    per_queue: Dict[str, float] = {}
    for token in tokens:
        queue_id, separator, text = token.rpartition("=")
        if separator and not queue_id:
            raise ValueError(f"a service level is SECONDS or QUEUE=SECONDS, got {token!r}")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"a service level is SECONDS or QUEUE=SECONDS, got {token!r}") from None
        seconds = checked_seconds(f"the service level of {queue_id or 'every queue'}", value)
        if separator:
            per_queue[queue_id] = seconds
        else:
            default = seconds
    return default, per_queue


@dataclass
class StatisticsSettings:
    interval_seconds: float = DEFAULT_INTERVAL_SECONDS
    service_level_seconds: float = DEFAULT_SERVICE_LEVEL_SECONDS
    queue_service_level_seconds: Dict[str, float] = field(default_factory=dict)
    short_abandon_seconds: float = DEFAULT_SHORT_ABANDON_SECONDS

    @classmethod
    def from_tokens(cls, interval_seconds: Optional[float], tokens: Iterable[str]) -> StatisticsSettings:
        """From the command line: ``--statistics-interval`` and the ``--service-level`` tokens."""
        default, per_queue = service_levels(tokens)
        return cls(
            interval_seconds=DEFAULT_INTERVAL_SECONDS if interval_seconds is None else interval_seconds,
            service_level_seconds=DEFAULT_SERVICE_LEVEL_SECONDS if default is None else default,
            queue_service_level_seconds=per_queue,
        )

    def build(self) -> Statistics:
        """Empty statistics with these settings (ValueError naming a setting that cannot work)."""
        return Statistics(
            interval_seconds=self.interval_seconds,
            service_level_seconds=self.service_level_seconds,
            queue_service_level_seconds=self.queue_service_level_seconds,
            short_abandon_seconds=self.short_abandon_seconds,
        )
