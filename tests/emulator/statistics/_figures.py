"""A queue's figures as the statistics report them: zero counts and no averages unless a test gives them."""

from __future__ import annotations

from typing import Any, Dict


def figures(**given: Any) -> Dict[str, Any]:
    """Queue figures (without their colours, which ``ratings`` adds where a test checks them)."""
    base: Dict[str, Any] = {
        "offered": 0,
        "answered": 0,
        "abandoned": 0,
        "shortAbandoned": 0,
        "transferred": 0,
        "waiting": 0,
        "answeredWithinThreshold": 0,
        "serviceLevel": None,
        "serviceLevelSeconds": None,
        "averageSpeedOfAnswerSeconds": None,
        "averageWaitSeconds": None,
        "longestWaitSeconds": None,
        "longestWaitingSeconds": None,
        "handled": 0,
        "averageHandleTimeSeconds": None,
        "averageWrapUpSeconds": None,
    }
    assert set(given) <= set(base) | {"ratings"}
    return {**base, **given}
