"""The driver: every step at its own time on the virtual clock, through the real engine, reported by the statistics
module. The small scripted runs are worked out by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest

from jobrouter_emulator.simulation import ScenarioError, run

from ._scenarios import basic


def _without_wall_time(result: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in result.items() if k != "wallSeconds"}


def test_the_same_seed_gives_the_same_result() -> None:
    first, again = run(basic()), run(basic())
    assert _without_wall_time(first) == _without_wall_time(again)
    other = run(basic(), seed=8)
    assert other["queues"]["sales"]["offered"] != first["queues"]["sales"]["offered"]


def _scripted(tmp_path: Path, times: str, **group: Any) -> Dict[str, Any]:
    (tmp_path / "calls.csv").write_text(times)
    scenario = basic(duration="10m")
    scenario["workers"][0].update({"count": 1, **group})
    scenario["demand"][0].update({"arrivals": {"csv": "calls.csv"}, "handleTime": {"fixed": 30}})
    path = tmp_path / "s.yaml"
    import yaml

    path.write_text(yaml.safe_dump(scenario))
    return run(path)


def test_a_scripted_queue_worked_out_by_hand(tmp_path: Path) -> None:
    # One agent; calls at 0, 10 and 20 s; it accepts 2 s after an offer, talks 30 s, wraps up 5 s (capacity held).
    # Call 1: answered at 2 (wait 2), completed 32, closed 37. Call 2: offered at 37, answered 39 (wait 29),
    # closed 74. Call 3: answered at 76 (wait 56).
    result = _scripted(tmp_path, "0\n10\n20\n", acceptAfter={"fixed": 2}, wrapUp={"fixed": 5})
    queue = result["queues"]["sales"]
    assert (queue["offered"], queue["answered"], queue["abandoned"]) == (3, 3, 0)
    assert queue["averageSpeedOfAnswerSeconds"] == pytest.approx((2 + 29 + 56) / 3)
    assert queue["longestWaitSeconds"] == pytest.approx(56)
    assert queue["serviceLevel"] == pytest.approx(1 / 3)
    assert queue["averageHandleTimeSeconds"] == pytest.approx(30)
    assert queue["averageWrapUpSeconds"] == pytest.approx(5)
    worker = result["workers"]["agent-1"]
    assert worker["handled"] == 3
    # Busy from 2 to 111 (three calls of 35 s back to back after the first accept, 2 s gaps for the accepts).
    assert worker["busySeconds"] == pytest.approx(111 - 2 - 2 - 2)
    assert result["groups"]["agent"]["handled"] == 3
    assert result["jobs"] == 3 and result["unfinishedJobs"] == 0
    assert result["waits"]["answered"][1:3] == [1, 0] and sum(result["waits"]["answered"]) == 3


def test_callers_hang_up_after_their_patience(tmp_path: Path) -> None:
    (tmp_path / "calls.csv").write_text("0\n1\n2\n")
    scenario = basic(duration="10m")
    scenario["workers"][0].update({"count": 1, "acceptAfter": 0})
    scenario["demand"][0].update(
        {"arrivals": {"csv": "calls.csv"}, "handleTime": {"fixed": 100}, "patience": {"fixed": 30}}
    )
    (tmp_path / "s.json").write_text(__import__("json").dumps(scenario))
    result = run(tmp_path / "s.json")
    queue = result["queues"]["sales"]
    assert (queue["answered"], queue["abandoned"], queue["shortAbandoned"]) == (1, 2, 0)
    assert queue["averageWaitSeconds"] == pytest.approx((0 + 30 + 30) / 3)
    assert queue["serviceLevel"] == pytest.approx(1 / 3)
    assert result["waits"]["abandoned"][result["waits"]["edgesSeconds"].index(30)] == 2


def test_offers_answered_after_they_expire_are_lost(tmp_path: Path) -> None:
    result = _scripted(tmp_path, "0\n", acceptAfter={"fixed": 40})  # offers expire after 30 s
    worker = result["workers"]["agent-1"]
    assert worker["offersExpired"] >= 1 and worker["handled"] == 0
    assert result["queues"]["sales"]["answered"] == 0
    # Never answered, and the engine does not offer it to that worker again: with nothing left to happen the run
    # ends with the arrivals (10 minutes) and says the job is still open.
    assert result["unfinishedJobs"] == 1 and result["simulatedSeconds"] == 600


def test_declines_go_through_the_engine() -> None:
    scenario = basic()
    scenario["workers"][0]["declineShare"] = 0.5
    result = run(scenario)
    group = result["groups"]["agent"]
    issued = sum(w["offersIssued"] for w in result["workers"].values())
    assert 0.4 < group["offersDeclined"] / issued < 0.6
    assert result["queues"]["sales"]["answered"] > 0


def test_workers_take_offers_only_during_their_shift() -> None:
    scenario = basic(duration="3h", intervalSeconds=3600)
    scenario["workers"][0]["shift"] = {"start": "1h", "end": "2h"}
    result = run(scenario)
    hours = [i["total"] for i in result["intervals"]]
    # Calls of the first hour wait for the shift; in the third hour nobody answers.
    assert hours[0]["answered"] > 0 and hours[0]["averageSpeedOfAnswerSeconds"] > 600
    assert hours[2]["offered"] > 0 and hours[2]["answered"] == 0
    for worker in result["workers"].values():
        assert worker["availableSeconds"] == pytest.approx(3600)


def test_classification_and_exception_policies_run_in_the_engine() -> None:
    scenario = basic()
    scenario["policies"]["queues"]["overflow"] = {"distributionPolicyId": "dp"}
    scenario["policies"]["exceptionPolicies"] = {
        "slow": {
            "exceptionRules": [
                {
                    "id": "after20",
                    "trigger": {"kind": "waitTime", "thresholdSeconds": 20},
                    "actions": [{"kind": "manualReclassify", "queueId": "overflow"}],
                }
            ]
        }
    }
    scenario["policies"]["queues"]["sales"]["exceptionPolicyId"] = "slow"
    scenario["policies"]["classificationPolicies"] = {"route": {"fallbackQueueId": "sales"}}
    scenario["workers"][0]["count"] = 6  # short of staff for 6 Erlangs: many calls wait past 20 s
    scenario["workers"].append(
        {"count": 4, "idPrefix": "backup", "channels": {"voice": 1}, "queues": ["overflow"], "acceptAfter": 1}
    )
    del scenario["demand"][0]["queue"]
    scenario["demand"][0]["classificationPolicy"] = "route"
    scenario["demand"][0]["name"] = "calls"
    result = run(scenario)
    sales, overflow = result["queues"]["sales"], result["queues"]["overflow"]
    assert sales["transferred"] > 0 and overflow["offered"] == sales["transferred"]
    assert result["groups"]["backup"]["handled"] == overflow["answered"] > 0
    assert sales["answered"] + overflow["answered"] + overflow["waiting"] + sales["waiting"] <= result["jobs"]


def test_worker_selectors_pick_the_labelled_group() -> None:
    scenario = basic()
    scenario["workers"].append(
        {"count": 5, "idPrefix": "french", "channels": {"voice": 1}, "queues": ["sales"], "labels": {"language": "fr"}}
    )
    scenario["demand"][0]["workerSelectors"] = [{"key": "language", "labelOperator": "equal", "value": "fr"}]
    result = run(scenario)
    assert result["groups"]["agent"]["handled"] == 0
    assert result["groups"]["french"]["handled"] == result["queues"]["sales"]["answered"] > 0


def test_a_policy_the_engine_refuses_names_it() -> None:
    scenario = basic()
    scenario["policies"]["queues"]["sales"]["distributionPolicyId"] = "missing"
    with pytest.raises(ScenarioError, match=r"^policies\.queues\.sales: "):
        run(scenario)


def test_replications_report_a_mean_and_an_interval() -> None:
    result = run(basic(duration="1h"), replications=3, seed=1)
    singles = [run(basic(duration="1h"), seed=s) for s in (1, 2, 3)]
    offered = [r["queues"]["sales"]["offered"] for r in singles]
    queue = result["queues"]["sales"]
    assert queue["offered"] == pytest.approx(sum(offered) / 3)
    low, high = queue["ci95"]["offered"]
    assert low < queue["offered"] < high
    assert result["replications"] == 3 and result["seeds"] == [1, 2, 3]


def test_compared_setups_see_the_same_calls() -> None:
    # Each demand draws from its own stream: more agents change the waits, not the calls (common random numbers).
    fewer, more = basic(), basic()
    more["workers"][0]["count"] = 14
    a, b = run(fewer), run(more)
    assert a["jobs"] == b["jobs"] and a["queues"]["sales"]["offered"] == b["queues"]["sales"]["offered"]
    assert a["queues"]["sales"]["averageHandleTimeSeconds"] == pytest.approx(
        b["queues"]["sales"]["averageHandleTimeSeconds"], rel=0.05
    )
    assert b["queues"]["sales"]["averageSpeedOfAnswerSeconds"] < a["queues"]["sales"]["averageSpeedOfAnswerSeconds"]


def test_progress_follows_simulated_time() -> None:
    seen: list = []
    result = run(
        basic(duration="1h"), progress=lambda simulated, planned, jobs: seen.append((simulated, planned, jobs))
    )
    times = [s for s, _, _ in seen]
    assert times == sorted(times) and len(seen) >= 2
    assert seen[-1] == (result["simulatedSeconds"], 3600, result["jobs"])
