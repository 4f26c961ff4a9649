"""A scripted day on a running emulator's virtual clock, driven through the SDK, with every figure it must give
worked out by hand (shared by the JSON route's test and the dashboard's browser test).

T0 is a quarter-hour boundary; times are seconds after it. Thresholds: T = 20 s (sales, parked), 30 s (support);
short abandons up to 5 s. One worker, w1 (sales, support; capacity 1), registered at 0.

    0  j1 sales created, offered to w1      15  w1 accepts j1 (wait 15)
   20  j2 sales created (w1 busy)           25  j3 sales created        28  j3 cancelled (abandoned 3 s: short)
   60  w1 completes j1 (handle 45)          70  w1 closes j1 (wrap-up 10); j2 offered to w1
   75  w1 declines j2                      100  j2 cancelled (abandoned after 80 s)
  100  j4 support created, offered to w1   110  w1 accepts j4 (wait 10)
  130  w1 unassigns j4; it is queued in support again (the same wait) and offered to w1 again
  140  w1 accepts j4                       200  completes and closes j4 (handle 60, wrap-up 0)
  210  j5 created in parked (no worker)    250  j5 moved to support (parked wait transferred after 40 s)
  270  w1 accepts j5 (support wait 20)     400  completes j5 (handle 130)   430  closes j5 (wrap-up 30)
 1000  j6 sales created, offered to w1    1060  the offer expires (w1 is not offered j6 again)
 1200  the report: j6 has waited 200 s
"""

from __future__ import annotations

import math
from typing import Any, Dict

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode
from jobrouter_emulator import EmbeddedEmulator
from tests._workers import voice_worker
from tests.emulator.statistics._figures import figures

SERVICE_LEVELS = {"support": 30.0}


# The colours of a queue with nothing to judge yet.
NOTHING_TO_JUDGE = {
    "serviceLevel": "none",
    "averageSpeedOfAnswerSeconds": "none",
    "abandoned": "none",
    "waiting": "green",
}


def _figures(**given: Any) -> Dict[str, Any]:
    """Figures of this day's queues: a 20 s threshold unless given."""
    return figures(**{"serviceLevelSeconds": 20.0, "ratings": NOTHING_TO_JUDGE, **given})


EXPECTED_QUEUES = {
    # j1 answered after 15 s, j2 abandoned after 80 s, j3 after 3 s (short), j6 open for 200 s.
    "sales": _figures(
        offered=4,
        answered=1,
        abandoned=2,
        shortAbandoned=1,
        waiting=1,
        answeredWithinThreshold=1,
        serviceLevel=0.333333,  # 1 / (4 - 1)
        averageSpeedOfAnswerSeconds=15.0,
        averageWaitSeconds=32.666667,  # (15 + 80 + 3) / 3
        longestWaitSeconds=200.0,
        longestWaitingSeconds=200.0,
        handled=1,
        averageHandleTimeSeconds=45.0,
        averageWrapUpSeconds=10.0,
        # 0.33 < 0.72; 15 s <= T = 20; 2 of 4 abandoned = 0.5 > 0.075; j6 has waited 200 s > 30
        ratings={"serviceLevel": "red", "averageSpeedOfAnswerSeconds": "green", "abandoned": "red", "waiting": "red"},
    ),
    # j4 answered after 10 s (its last assignment: handle 60, wrap-up 0), j5 after 20 s (handle 130, wrap-up 30).
    "support": _figures(
        offered=2,
        answered=2,
        answeredWithinThreshold=2,
        serviceLevel=1.0,
        serviceLevelSeconds=30.0,
        averageSpeedOfAnswerSeconds=15.0,
        averageWaitSeconds=15.0,
        longestWaitSeconds=20.0,
        handled=2,
        averageHandleTimeSeconds=95.0,  # (60 + 130) / 2
        averageWrapUpSeconds=15.0,  # (0 + 30) / 2
        ratings={
            "serviceLevel": "green",
            "averageSpeedOfAnswerSeconds": "green",
            "abandoned": "green",
            "waiting": "green",
        },
    ),
    "parked": _figures(  # j5 moved on
        offered=1,
        transferred=1,
        serviceLevel=0.0,
        ratings={
            "serviceLevel": "red",
            "averageSpeedOfAnswerSeconds": "none",
            "abandoned": "green",
            "waiting": "green",
        },
    ),
}
EXPECTED_WORKERS = {
    "w1": {
        "offersIssued": 6,  # j1, j2, j4 twice, j5, j6
        "offersAccepted": 4,
        "offersDeclined": 1,
        "offersExpired": 1,
        "offersRevoked": 0,
        "handled": 3,  # j1, j4, j5
        "averageHandleTimeSeconds": 78.333333,  # (45 + 60 + 130) / 3
        "averageWrapUpSeconds": 13.333333,  # (10 + 0 + 30) / 3
        "availableSeconds": 1200.0,
        "busySeconds": 295.0,  # 15-70 (55) + 110-130 (20) + 140-200 (60) + 270-430 (160)
        "occupancy": 0.245833,  # 295 / 1200
    }
}


class Day:
    def __init__(self, emulator: EmbeddedEmulator) -> None:
        self.emulator = emulator
        self.admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
        self.client = JobRouterClient.from_connection_string(emulator.connection_string)
        self.t = 0.0

    def at(self, t: float) -> None:
        """Move the virtual clock to ``t`` seconds after T0, doing what falls due on the way."""
        self.emulator.advance(t - self.t)
        self.t = t

    def offer(self, job_id: str) -> str:
        offers = [o for o in self.client.get_worker("w1").offers if o.job_id == job_id]
        assert len(offers) == 1, offers
        return offers[0].offer_id

    def accept(self, job_id: str) -> str:
        return self.client.accept_job_offer("w1", self.offer(job_id)).assignment_id

    def job(self, job_id: str, queue_id: str) -> None:
        self.client.upsert_job(job_id, channel_id="voice", queue_id=queue_id)
        self.at(self.t)  # routing runs now

    def play(self) -> None:
        now = self.emulator.now().timestamp()
        self.emulator.advance(math.ceil(now / 900) * 900 - now)  # T0: the next quarter hour
        self.admin.upsert_distribution_policy("dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
        for queue_id in ("sales", "support", "parked"):
            self.admin.upsert_queue(queue_id, distribution_policy_id="dp")
        voice_worker(self.client, "w1", queues=["sales", "support"])
        self.job("j1", "sales")
        self.at(15)
        a1 = self.accept("j1")
        self.at(20)
        self.job("j2", "sales")
        self.at(25)
        self.job("j3", "sales")
        self.at(28)
        self.client.cancel_job("j3")
        self.at(60)
        self.client.complete_job("j1", a1)
        self.at(70)
        self.client.close_job("j1", a1)
        self.at(75)
        self.client.decline_job_offer("w1", self.offer("j2"))
        self.at(100)
        self.client.cancel_job("j2")
        self.job("j4", "support")
        self.at(110)
        a4 = self.accept("j4")
        self.at(130)
        self.client.unassign_job("j4", a4)
        self.at(140)
        a4 = self.accept("j4")
        self.at(200)
        self.client.complete_job("j4", a4)
        self.client.close_job("j4", a4)
        self.at(210)
        self.job("j5", "parked")
        self.at(250)
        self.client.upsert_job("j5", queue_id="support")
        self.at(270)
        a5 = self.accept("j5")
        self.at(400)
        self.client.complete_job("j5", a5)
        self.at(430)
        self.client.close_job("j5", a5)
        self.at(1000)
        self.job("j6", "sales")
        self.offer("j6")
        self.at(1200)
