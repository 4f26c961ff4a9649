"""A scripted day of Router events folded into statistics, every expected figure worked out by hand below.

The day (2026-01-05, UTC; T = 20 s for "sales", 30 s for "support"; short abandons up to 5 s; 15-minute intervals):

  worker w1 registers 08:00:00 (stays); w2 registers 08:00:00 and deregisters 09:00:00.
  j1 sales   queued 08:00:10, offered to w1, accepted 08:00:25 (wait 15), completed 08:05:25 (handle 300),
             closed 08:06:25 (wrap-up 60).
  j2 sales   queued 08:01:00; w2 declines (08:01:05), lets an offer expire (08:01:35), accepts 08:01:40 (wait 40);
             closed 08:11:40 without a completion first (handle 600, wrap-up 0).
  j3 sales   queued 08:02:00, cancelled 08:02:03 (abandoned after 3 s: a short abandon).
  j4 sales   queued 08:03:00, cancelled 08:04:00 (abandoned after 60 s).
  j5 sales   queued 08:10:00, reclassified 08:10:30 (sales wait transferred) and queued in support 08:10:30;
             w1 accepts 08:10:50 (support wait 20), unassigns 08:12:50, the job is queued in support again (the same
             wait: it stays answered) and w2 accepts 08:13:00, completes 08:23:00 (handle 600), closes 08:25:00
             (wrap-up 120).
  j6 support queued 08:20:00, w1 accepts 08:20:45 (wait 45), completes 08:30:45 (handle 600), closes 08:31:45 (60).
  j8 support queued 08:40:00, suspended 08:41:00 (transferred), cancelled 08:50:00 (not queued: not abandoned).
  j7 sales   queued 09:20:00, offered to w1 and revoked 09:20:10; still waiting at 09:30:00.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest

from jobrouter_emulator.engine.times import format_time, parse_time
from jobrouter_emulator.statistics import Statistics
from jobrouter_emulator.statistics.definitions import rate_higher_is_better, rate_lower_is_better
from jobrouter_emulator.statistics.ledger import event_micros, to_micros
from tests.emulator.statistics._figures import figures

DAY = datetime(2026, 1, 5, tzinfo=timezone.utc)
_ids = itertools.count(1)


def at(clock: str) -> datetime:
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return DAY + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def event(name: str, clock: str, **data: Any) -> Dict[str, Any]:
    """An event shaped as the engine emits it (jobrouter_emulator/engine/events.py), with only the fields read."""
    return {
        "id": f"e{next(_ids)}",
        "subject": "s",
        "eventType": f"Microsoft.Communication.{name}",
        "eventTime": format_time(at(clock)),
        "data": data,
        "dataVersion": "1.0",
    }


def queued(clock: str, job: str, queue: str) -> Dict[str, Any]:
    return event("RouterJobQueued", clock, jobId=job, queueId=queue)


def offer(name: str, clock: str, worker: str, job: str, queue: str, **more: Any) -> Dict[str, Any]:
    return event(name, clock, workerId=worker, jobId=job, queueId=queue, offerId=f"o{next(_ids)}", **more)


def accepted(clock: str, worker: str, job: str, queue: str, assignment: str) -> List[Dict[str, Any]]:
    return [
        offer("RouterWorkerOfferIssued", clock, worker, job, queue),
        offer("RouterWorkerOfferAccepted", clock, worker, job, queue, assignmentId=assignment),
    ]


def job_step(name: str, clock: str, job: str, queue: str, **more: Any) -> Dict[str, Any]:
    return event(name, clock, jobId=job, queueId=queue, **more)


def scripted_day() -> List[Dict[str, Any]]:
    return [
        event("RouterWorkerRegistered", "08:00:00", workerId="w1"),
        event("RouterWorkerRegistered", "08:00:00", workerId="w2"),
        queued("08:00:10", "j1", "sales"),
        offer("RouterWorkerOfferIssued", "08:00:10", "w1", "j1", "sales"),
        offer("RouterWorkerOfferAccepted", "08:00:25", "w1", "j1", "sales", assignmentId="a1"),
        queued("08:01:00", "j2", "sales"),
        offer("RouterWorkerOfferIssued", "08:01:00", "w2", "j2", "sales"),
        offer("RouterWorkerOfferDeclined", "08:01:05", "w2", "j2", "sales"),
        offer("RouterWorkerOfferIssued", "08:01:05", "w2", "j2", "sales"),
        offer("RouterWorkerOfferExpired", "08:01:35", "w2", "j2", "sales"),
        *accepted("08:01:40", "w2", "j2", "sales", "a2"),
        queued("08:02:00", "j3", "sales"),
        job_step("RouterJobCancelled", "08:02:03", "j3", "sales"),
        queued("08:03:00", "j4", "sales"),
        job_step("RouterJobCancelled", "08:04:00", "j4", "sales"),
        job_step("RouterJobCompleted", "08:05:25", "j1", "sales", assignmentId="a1", workerId="w1"),
        job_step("RouterJobClosed", "08:06:25", "j1", "sales", assignmentId="a1", workerId="w1"),
        queued("08:10:00", "j5", "sales"),
        job_step("RouterJobClassified", "08:10:30", "j5", "support"),
        queued("08:10:30", "j5", "support"),
        *accepted("08:10:50", "w1", "j5", "support", "a3"),
        job_step("RouterJobClosed", "08:11:40", "j2", "sales", assignmentId="a2", workerId="w2"),
        job_step("RouterJobUnassigned", "08:12:50", "j5", "support", assignmentId="a3", workerId="w1"),
        queued("08:12:50", "j5", "support"),
        *accepted("08:13:00", "w2", "j5", "support", "a4"),
        queued("08:20:00", "j6", "support"),
        *accepted("08:20:45", "w1", "j6", "support", "a5"),
        job_step("RouterJobCompleted", "08:23:00", "j5", "support", assignmentId="a4", workerId="w2"),
        job_step("RouterJobClosed", "08:25:00", "j5", "support", assignmentId="a4", workerId="w2"),
        job_step("RouterJobCompleted", "08:30:45", "j6", "support", assignmentId="a5", workerId="w1"),
        job_step("RouterJobClosed", "08:31:45", "j6", "support", assignmentId="a5", workerId="w1"),
        queued("08:40:00", "j8", "support"),
        job_step("RouterJobWaitingForActivation", "08:41:00", "j8", "support"),
        job_step("RouterJobCancelled", "08:50:00", "j8", "support"),
        event("RouterWorkerDeregistered", "09:00:00", workerId="w2"),
        queued("09:20:00", "j7", "sales"),
        offer("RouterWorkerOfferIssued", "09:20:00", "w1", "j7", "sales"),
        offer("RouterWorkerOfferRevoked", "09:20:10", "w1", "j7", "sales"),
    ]


def fed(events: List[Dict[str, Any]]) -> Statistics:
    statistics = Statistics(queue_service_level_seconds={"support": 30})
    for item in events:
        statistics.feed(item)
    return statistics


def plain(queues: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """Queue figures without their colours (tested on their own)."""
    return {q: {k: v for k, v in f.items() if k != "ratings"} for q, f in queues.items()}


# sales: waits j1 (answered, 15 s), j2 (answered, 40 s), j3 (abandoned, 3 s: short), j4 (abandoned, 60 s),
# j5 (transferred), j7 (open: 09:20:00 to 09:30:00 = 600 s).
SALES = figures(
    offered=6,
    answered=2,
    abandoned=2,
    shortAbandoned=1,
    transferred=1,
    waiting=1,
    answeredWithinThreshold=1,  # j1 (15 <= 20); j2 waited 40
    serviceLevel=0.2,  # 1 / (6 - 1)
    serviceLevelSeconds=20.0,
    averageSpeedOfAnswerSeconds=27.5,  # (15 + 40) / 2
    averageWaitSeconds=29.5,  # (15 + 40 + 3 + 60) / 4
    longestWaitSeconds=600.0,  # j7, still waiting
    longestWaitingSeconds=600.0,
    handled=2,
    averageHandleTimeSeconds=450.0,  # (300 + 600) / 2
    averageWrapUpSeconds=30.0,  # (60 + 0) / 2
)
# support: waits j5 (answered after 20 s; its assignment is the last one, w2's: handle 600, wrap-up 120),
# j6 (answered after 45 s: handle 600, wrap-up 60), j8 (transferred).
SUPPORT = figures(
    offered=3,
    answered=2,
    transferred=1,
    answeredWithinThreshold=1,  # j5 (20 <= 30)
    serviceLevel=0.333333,  # 1 / 3
    serviceLevelSeconds=30.0,
    averageSpeedOfAnswerSeconds=32.5,  # (20 + 45) / 2
    averageWaitSeconds=32.5,
    longestWaitSeconds=45.0,
    handled=2,
    averageHandleTimeSeconds=600.0,
    averageWrapUpSeconds=90.0,  # (120 + 60) / 2
)
TOTAL = figures(
    offered=9,
    answered=4,
    abandoned=2,
    shortAbandoned=1,
    transferred=2,
    waiting=1,
    answeredWithinThreshold=2,
    serviceLevel=0.25,  # 2 / (9 - 1)
    averageSpeedOfAnswerSeconds=30.0,  # (15 + 40 + 20 + 45) / 4
    averageWaitSeconds=30.5,  # (15 + 40 + 3 + 60 + 20 + 45) / 6
    longestWaitSeconds=600.0,
    longestWaitingSeconds=600.0,
    handled=4,
    averageHandleTimeSeconds=525.0,  # (300 + 600 + 600 + 600) / 4
    averageWrapUpSeconds=60.0,  # (60 + 0 + 120 + 60) / 4
)
W1 = {
    "offersIssued": 4,  # j1, j5, j6, j7
    "offersAccepted": 3,
    "offersDeclined": 0,
    "offersExpired": 0,
    "offersRevoked": 1,  # j7
    "handled": 2,  # j1 (300 s), j6 (600 s); its j5 assignment was unassigned
    "averageHandleTimeSeconds": 450.0,
    "averageWrapUpSeconds": 60.0,  # j1 60, j6 60
    "availableSeconds": 5400.0,  # 08:00:00 to 09:30:00
    "busySeconds": 1140.0,  # j1 08:00:25-08:06:25 (360) + j5 08:10:50-08:12:50 (120) + j6 08:20:45-08:31:45 (660)
    "occupancy": 0.211111,  # 1140 / 5400
}
W2 = {
    "offersIssued": 4,  # j2 three times, j5
    "offersAccepted": 2,
    "offersDeclined": 1,
    "offersExpired": 1,
    "offersRevoked": 0,
    "handled": 2,  # j2 (600 s), j5 (600 s)
    "averageHandleTimeSeconds": 600.0,
    "averageWrapUpSeconds": 60.0,  # j2 0, j5 120
    "availableSeconds": 3600.0,  # 08:00:00 to 09:00:00
    "busySeconds": 1320.0,  # j2 08:01:40-08:11:40 (600) + j5 08:13:00-08:25:00 (720)
    "occupancy": 0.366667,  # 1320 / 3600
}


def test_the_scripted_day_gives_the_figures_worked_out_by_hand() -> None:
    report = fed(scripted_day()).report(now=at("09:30:00"))

    assert plain(report["queues"]) == {"sales": SALES, "support": SUPPORT}
    assert plain({"total": report["total"]}) == {"total": TOTAL}
    assert report["workers"] == {"w1": W1, "w2": W2}
    assert report["since"] is None
    assert report["until"] == "2026-01-05T09:30:00+00:00"
    assert (report["intervalSeconds"], report["serviceLevelSeconds"], report["shortAbandonSeconds"]) == (900, 20, 5)


def test_the_scripted_day_by_interval_counts_each_wait_where_it_started() -> None:
    intervals = fed(scripted_day()).report(now=at("09:30:00"))["intervals"]

    assert [i["start"][11:16] for i in intervals] == ["08:00", "08:15", "08:30", "08:45", "09:00", "09:15", "09:30"]
    assert intervals[0]["end"] == "2026-01-05T08:15:00+00:00"
    by_start = {i["start"][11:16]: plain(i["queues"]) for i in intervals}
    assert by_start["08:00"] == {
        "sales": figures(  # j1 to j5; j7 came later
            offered=5,
            answered=2,
            abandoned=2,
            shortAbandoned=1,
            transferred=1,
            answeredWithinThreshold=1,
            serviceLevel=0.25,  # 1 / (5 - 1)
            serviceLevelSeconds=20.0,
            averageSpeedOfAnswerSeconds=27.5,
            averageWaitSeconds=29.5,
            longestWaitSeconds=60.0,
            handled=2,
            averageHandleTimeSeconds=450.0,
            averageWrapUpSeconds=30.0,
        ),
        "support": figures(  # j5 arrived 08:10:30
            offered=1,
            answered=1,
            answeredWithinThreshold=1,
            serviceLevel=1.0,
            serviceLevelSeconds=30.0,
            averageSpeedOfAnswerSeconds=20.0,
            averageWaitSeconds=20.0,
            longestWaitSeconds=20.0,
            handled=1,
            averageHandleTimeSeconds=600.0,
            averageWrapUpSeconds=120.0,
        ),
    }
    assert by_start["08:15"] == {
        "support": figures(
            offered=1,
            answered=1,
            serviceLevel=0.0,  # j6 waited 45 > 30
            serviceLevelSeconds=30.0,
            averageSpeedOfAnswerSeconds=45.0,
            averageWaitSeconds=45.0,
            longestWaitSeconds=45.0,
            handled=1,
            averageHandleTimeSeconds=600.0,
            averageWrapUpSeconds=60.0,
        )
    }
    assert by_start["08:30"] == {
        "support": figures(offered=1, transferred=1, serviceLevel=0.0, serviceLevelSeconds=30.0)  # j8
    }
    assert by_start["08:45"] == by_start["09:00"] == by_start["09:30"] == {}
    assert by_start["09:15"] == {
        "sales": figures(
            offered=1,
            waiting=1,
            serviceLevel=0.0,
            serviceLevelSeconds=20.0,
            longestWaitSeconds=600.0,
            longestWaitingSeconds=600.0,
        )
    }
    assert intervals[0]["total"]["offered"] == 6 and intervals[0]["total"]["serviceLevel"] == 0.4  # 2 / (6 - 1)


def test_a_window_counts_the_waits_that_started_in_it_as_they_stood_at_its_end() -> None:
    report = fed(scripted_day()).report(since=at("08:00:00"), until=at("08:05:00"))

    # j1 to j4 started in the window; at 08:05:00 j1 and j2 were answered but neither completed.
    assert plain(report["queues"]) == {
        "sales": figures(
            offered=4,
            answered=2,
            abandoned=2,
            shortAbandoned=1,
            answeredWithinThreshold=1,
            serviceLevel=0.333333,  # 1 / (4 - 1)
            serviceLevelSeconds=20.0,
            averageSpeedOfAnswerSeconds=27.5,
            averageWaitSeconds=29.5,
            longestWaitSeconds=60.0,
        )
    }
    assert report["since"] == "2026-01-05T08:00:00+00:00"
    assert report["until"] == "2026-01-05T08:05:00+00:00"
    # w1 busy from 08:00:25, w2 from 08:01:40, both available the whole 300 s.
    assert report["workers"]["w1"]["occupancy"] == 0.916667  # 275 / 300
    assert report["workers"]["w2"]["occupancy"] == 0.666667  # 200 / 300
    assert report["workers"]["w2"]["offersDeclined"] == 1 and report["workers"]["w2"]["offersIssued"] == 3
    assert report["workers"]["w1"]["handled"] == 0


def test_a_job_queued_before_the_window_still_counts_as_waiting_in_it() -> None:
    report = fed(scripted_day()).report(since=at("09:25:00"), now=at("09:30:00"))

    # j7, queued 09:20:00: waiting for 600 s at 09:30:00
    assert plain(report["queues"]) == {
        "sales": figures(waiting=1, serviceLevelSeconds=20.0, longestWaitingSeconds=600.0)
    }


def test_another_interval_length_cuts_the_same_waits_differently() -> None:
    intervals = fed(scripted_day()).report(now=at("09:30:00"), interval_seconds=3600)["intervals"]

    assert [(i["start"][11:16], i["total"]["offered"]) for i in intervals] == [("08:00", 8), ("09:00", 1)]


def test_the_colours_of_the_scripted_day() -> None:
    report = fed(scripted_day()).report(now=at("09:30:00"))

    assert report["queues"]["sales"]["ratings"] == {
        "serviceLevel": "red",  # 0.2 < 0.72 (90 % of the 0.8 target)
        "averageSpeedOfAnswerSeconds": "amber",  # 27.5 s: over T = 20, within 150 % of it (30)
        "abandoned": "red",  # 2 of 6 = 0.33 > 0.075 (150 % of the 0.05 target)
        "waiting": "red",  # j7 has waited 600 s > 30
    }
    assert report["queues"]["support"]["ratings"] == {
        "serviceLevel": "red",  # 0.33
        "averageSpeedOfAnswerSeconds": "amber",  # 32.5 s: over T = 30, within 45
        "abandoned": "green",  # none
        "waiting": "green",  # nobody waits
    }
    assert report["total"]["ratings"] == {
        "serviceLevel": "red",
        "averageSpeedOfAnswerSeconds": "none",  # the total has no one threshold
        "abandoned": "red",
        "waiting": "none",
    }


@pytest.mark.parametrize(
    "value, target, higher_is_better, colour",
    [
        (0.8, 0.8, True, "green"),
        (0.72, 0.8, True, "amber"),
        (0.71, 0.8, True, "red"),
        (20.0, 20.0, False, "green"),
        (30.0, 20.0, False, "amber"),
        (30.1, 20.0, False, "red"),
        (None, 20.0, False, "none"),
    ],
)
def test_colours_change_at_the_documented_shares_of_the_target(value, target, higher_is_better, colour) -> None:
    rate = rate_higher_is_better if higher_is_better else rate_lower_is_better
    assert rate(value, target) == colour


def test_a_cancel_of_an_assigned_job_is_not_an_abandon_and_frees_the_worker() -> None:
    statistics = Statistics()
    for item in [
        event("RouterWorkerRegistered", "10:00:00", workerId="w"),
        queued("10:00:00", "j", "q"),
        *accepted("10:00:10", "w", "j", "q", "a"),
        job_step("RouterJobCancelled", "10:01:10", "j", "q"),
    ]:
        statistics.feed(item)

    report = statistics.report(now=at("10:02:00"))
    assert (report["queues"]["q"]["answered"], report["queues"]["q"]["abandoned"]) == (1, 0)
    assert report["workers"]["w"]["busySeconds"] == 60.0
    assert report["workers"]["w"]["handled"] == 0


def test_reset_forgets_everything() -> None:
    statistics = fed(scripted_day())
    statistics.reset()

    report = statistics.report(now=at("09:30:00"))
    assert (report["queues"], report["workers"], report["total"]["offered"]) == ({}, {}, 0)


def test_events_it_cannot_read_are_ignored() -> None:
    statistics = Statistics()
    for item in [
        {"eventType": "Microsoft.Communication.RouterJobQueued", "eventTime": "yesterday", "data": {"jobId": "x"}},
        {"eventType": "Microsoft.Communication.RouterJobQueued", "eventTime": "2026-01-05T10:00:00Z", "data": None},
        {"eventType": "Microsoft.Storage.BlobCreated", "eventTime": "2026-01-05T10:00:00Z", "data": {}},
        {},
    ]:
        statistics.feed(item)

    assert statistics.report(now=at("10:00:00"))["queues"] == {}


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"interval_seconds": 0}, "interval_seconds must be more than 0"),
        ({"service_level_seconds": -1}, "service_level_seconds must be at least 0"),
        ({"short_abandon_seconds": float("nan")}, "short_abandon_seconds must be a finite number"),
        ({"queue_service_level_seconds": {"q": "20"}}, "the service level of q must be a finite number"),
    ],
)
def test_bad_settings_say_what_to_fix(settings: Dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Statistics(**settings)


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="since must not be after until"):
        fed(scripted_day()).report(since=at("09:00:00"), until=at("08:00:00"))


def test_the_running_tallies_give_what_walking_every_wait_gives() -> None:
    """The report of everything so far reads running tallies (jobs that ended) and walks the other waits; a report
    with an explicit ``until`` walks every wait. At every step of the day both must agree."""
    statistics = Statistics(queue_service_level_seconds={"support": 30})
    for item in scripted_day():
        statistics.feed(item)
        moment = datetime.fromisoformat(item["eventTime"]) + timedelta(seconds=7)
        assert statistics.report(now=moment) == statistics.report(until=moment)


def test_a_deleted_jobs_id_names_a_new_job_afterwards() -> None:
    statistics = Statistics()
    for item in [
        queued("10:00:00", "j", "q"),
        job_step("RouterJobCancelled", "10:00:30", "j", "q"),
        job_step("RouterJobDeleted", "10:01:00", "j", "q"),
        queued("10:02:00", "j", "q"),  # a new job with the same id
        *accepted("10:02:10", "w", "j", "q", "a"),
    ]:
        statistics.feed(item)

    for report in (statistics.report(now=at("10:03:00")), statistics.report(until=at("10:03:00"))):
        queue = report["queues"]["q"]
        assert (queue["offered"], queue["abandoned"], queue["answered"]) == (2, 1, 1)
        assert queue["averageSpeedOfAnswerSeconds"] == 10.0


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-05T08:00:10+00:00",
        "2026-01-05T08:00:10.25+00:00",
        "2026-01-05T08:00:10.000001+00:00",
        "1969-12-31T23:59:59.5+00:00",
        "2026-01-05T10:00:10+02:00",  # not the emulator's spelling: the ISO parser reads it
        "2026-01-05T08:00:10Z",
        "3/28/2007 7:13:50 PM +00:00",
    ],
)
def test_event_times_read_directly_agree_with_the_iso_parser(text: str) -> None:
    assert event_micros(text) == to_micros(parse_time(text))


@pytest.mark.parametrize(
    "text", ["2026-13-05T08:00:10+00:00", "2026-01-05T24:00:10+00:00", "2026-02-30T08:00:10+00:00", "soon"]
)
def test_event_times_that_are_not_times_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        event_micros(text)
