"""Small scenarios the simulation tests share."""

from __future__ import annotations

import copy
from typing import Any, Dict


def basic(**changes: Any) -> Dict[str, Any]:
    """One queue, ten agents, 120 calls an hour of 3 minutes for two hours (load 6 Erlangs)."""
    scenario: Dict[str, Any] = {
        "name": "basic",
        "duration": "2h",
        "seed": 7,
        "serviceLevelSeconds": 20,
        "policies": {
            "distributionPolicies": {"dp": {"offerExpiresAfterSeconds": 30, "mode": {"kind": "longestIdle"}}},
            "queues": {"sales": {"distributionPolicyId": "dp"}},
        },
        "workers": [
            {
                "count": 10,
                "idPrefix": "agent",
                "capacity": 1,
                "channels": {"voice": 1},
                "queues": ["sales"],
                "labels": {"language": "en"},
                "acceptAfter": {"fixed": 2},
            }
        ],
        "demand": [
            {
                "channel": "voice",
                "queue": "sales",
                "labels": {"language": "en"},
                "arrivals": {"perHour": 120},
                "handleTime": {"exponential": 180},
            }
        ],
    }
    copied = copy.deepcopy(scenario)
    copied.update(changes)
    return copied
