"""A service-like routing delay: how long after a request the routing work it causes runs.

Against Azure, a job is classified, queued and offered some hundreds of milliseconds after the request that created
it (the recorded sessions show 0.3-0.8 s). An emulator that routes at once lets code that expects an offer right
after the upsert pass locally and fail in production; ``--routing-delay 200ms-800ms`` brings the race home.

Written ``500ms``, ``0.5s`` or ``2s`` for a fixed delay, ``200ms-800ms`` for one drawn uniformly per request from a
random generator seeded with the emulator's ``--seed`` (the same seed gives the same delays). On a virtual clock the
delay is virtual time: the routing runs when the clock is advanced past it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional, Union

MAX_SECONDS = 60.0  # a routing delay longer than this is a typo, not a simulation of the service

_AMOUNT = r"(\d+(?:\.\d+)?)\s*(ms|s)?"  # no unit: seconds (so "0" is no delay)
_FORM = re.compile(rf"^\s*{_AMOUNT}\s*(?:-\s*{_AMOUNT}\s*)?$", re.IGNORECASE)


def _seconds(number: str, unit: Optional[str]) -> float:
    return float(number) / (1000 if (unit or "s").lower() == "ms" else 1)


@dataclass(frozen=True)
class RoutingDelay:
    """From ``low`` to ``high`` seconds (equal for a fixed delay)."""

    low: float
    high: float

    def __post_init__(self) -> None:
        for value in (self.low, self.high):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_SECONDS:
                raise ValueError(f"a routing delay is from 0 to {MAX_SECONDS:g} s, got {value!r}")
        if self.low > self.high:
            raise ValueError(f"a routing delay range goes from low to high, got {self.low:g} s-{self.high:g} s")

    @classmethod
    def parse(cls, value: Union[str, float, int, RoutingDelay, None]) -> Optional[RoutingDelay]:
        """``"500ms"``, ``"0.5s"``, ``"200ms-800ms"``, a number of seconds, or None/0 (no delay: None)."""
        if value is None or isinstance(value, RoutingDelay):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            delay = cls(float(value), float(value))
        elif isinstance(value, str):
            found = _FORM.match(value)
            if found is None:
                raise ValueError(
                    f"a routing delay is written like 500ms, 0.5s or 200ms-800ms (a range), from 0 to "
                    f"{MAX_SECONDS:g} s, got {value!r}"
                )
            low = _seconds(found.group(1), found.group(2))
            high = _seconds(found.group(3), found.group(4)) if found.group(3) else low
            delay = cls(low, high)
        else:
            raise TypeError(f"a routing delay is a text such as '500ms' or a number of seconds, not {value!r}")
        return delay if delay.high > 0 else None

    def __str__(self) -> str:
        def text(seconds: float) -> str:
            return f"{seconds * 1000:g}ms"

        return text(self.low) if self.low == self.high else f"{text(self.low)}-{text(self.high)}"


class RoutingDelays:
    """One router's delays: called, how long from now the routing work being scheduled runs. That is the routing
    delay for work a request causes; work caused by routing itself (the match once a queued job's timer has run)
    gets the base ``processing`` delay, since the request's delay has passed already. The router sets
    ``in_timer`` while a timer's work (and its commit) runs, under its lock.

    Drawn from a generator of its own, seeded with the router's seed: the router's other random choices (weighted
    allocation) draw from theirs, so turning the delay on does not change them."""

    def __init__(self, processing: timedelta, delay: Optional[RoutingDelay], seed: Optional[int]) -> None:
        self.processing = processing
        self.delay = delay
        self.in_timer = False
        self._random = random.Random(seed)

    def __call__(self) -> timedelta:
        delay = self.delay
        if delay is None or self.in_timer:
            return self.processing
        return timedelta(seconds=delay.low if delay.low == delay.high else self._random.uniform(delay.low, delay.high))
