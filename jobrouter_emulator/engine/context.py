"""What the engine's collaborators share, built once by the router and handed to each of them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, Optional

from .clock import Clock
from .matching.index import MatchingIndex
from .matching.match_requests import MatchRequests
from .rules import Outbound
from .rules.calls import RuleCalls
from .state import State
from .timers import Timers


@dataclass(frozen=True)
class EngineContext:
    """The state and the services every lifecycle and the distributor use.

    ``processing_delay``: called, how long from now the routing work being scheduled runs (a
    :class:`~.routing_delay.RoutingDelays`: the routing delay for work a request causes, see ``Router.__init__``);
    ``rng``: the seeded randomness of distribution and rules; ``outbound``: how function and webhook rules are
    called (None: the real HTTP calls).
    """

    state: State
    index: MatchingIndex
    timers: Timers
    clock: Clock
    match_requests: MatchRequests
    rule_calls: RuleCalls
    rng: random.Random
    outbound: Optional[Outbound]
    processing_delay: Callable[[], timedelta]
