"""Policies travel between a scenario and a running Job Router through the SDK (here the embedded emulator), and a
script can build them in code."""

from __future__ import annotations

from pathlib import Path

import yaml

from jobrouter_emulator.embedded import EmbeddedEmulator
from jobrouter_emulator.simulation import load_scenario, run
from jobrouter_emulator.simulation.cli import dispatch
from jobrouter_emulator.simulation.policies import export_policies, import_policies

from ._scenarios import basic

EXCEPTION_POLICY = {
    "exceptionRules": [
        {
            "id": "slow",
            "trigger": {"kind": "waitTime", "thresholdSeconds": 45},
            "actions": [{"kind": "manualReclassify", "queueId": "sales", "priority": 5}],
        }
    ]
}


def test_export_then_import_carries_every_policy(tmp_path: Path) -> None:
    policies = basic()["policies"]
    policies["exceptionPolicies"] = {"ep": EXCEPTION_POLICY}
    policies["classificationPolicies"] = {"cp": {"fallbackQueueId": "sales"}}
    with EmbeddedEmulator() as source, EmbeddedEmulator() as target:
        counts = import_policies(source.connection_string, policies)
        assert counts == {"distributionPolicies": 1, "exceptionPolicies": 1, "queues": 1, "classificationPolicies": 1}
        exported = export_policies(source.connection_string)
        assert exported["distributionPolicies"]["dp"]["mode"]["kind"] == "longestIdle"
        assert exported["distributionPolicies"]["dp"]["offerExpiresAfterSeconds"] == 30
        assert exported["queues"]["sales"]["distributionPolicyId"] == "dp"
        assert exported["exceptionPolicies"]["ep"]["exceptionRules"][0]["trigger"]["thresholdSeconds"] == 45
        assert exported["classificationPolicies"]["cp"]["fallbackQueueId"] == "sales"
        assert all("etag" not in body for bodies in exported.values() for body in bodies.values())
        import_policies(target.connection_string, exported)
        assert export_policies(target.connection_string) == exported


def test_the_cli_exports_into_a_scenario_and_it_runs(tmp_path: Path, capsys) -> None:
    scenario = basic(duration="30m")
    path = tmp_path / "day.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in scenario.items() if k != "policies"}))
    with EmbeddedEmulator() as emulator:
        import_policies(emulator.connection_string, basic()["policies"])
        assert (
            dispatch(["policies", "export", "--scenario", str(path), "--connection-string", emulator.connection_string])
            == 0
        )
    assert "exported 1 distributionPolicies" in capsys.readouterr().out
    loaded = load_scenario(path)
    assert loaded.policies["queues"]["sales"]["distributionPolicyId"] == "dp"
    assert loaded.workers[0].count == 10  # the rest of the file is kept
    assert run(loaded)["queues"]["sales"]["offered"] > 0
    with EmbeddedEmulator() as other:
        assert (
            dispatch(["policies", "import", "--scenario", str(path), "--connection-string", other.connection_string])
            == 0
        )
        assert export_policies(other.connection_string)["queues"]["sales"]["distributionPolicyId"] == "dp"


def test_policies_built_by_a_script(tmp_path: Path) -> None:
    (tmp_path / "setup_policies.py").write_text(
        "from azure.communication.jobrouter.models import DistributionPolicy, LongestIdleMode, RouterQueue\n"
        "def setup(client):\n"
        "    client.upsert_distribution_policy('dp', DistributionPolicy(offer_expires_after_seconds=30,"
        " mode=LongestIdleMode()))\n"
        "    client.upsert_queue('sales', RouterQueue(distribution_policy_id='dp'))\n"
    )
    scenario = basic(duration="30m", policiesScript="setup_policies.py")
    del scenario["policies"]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(scenario))
    loaded = load_scenario(tmp_path / "s.yaml")
    assert loaded.policies["distributionPolicies"]["dp"]["mode"]["kind"] == "longestIdle"
    assert run(loaded)["queues"]["sales"]["answered"] > 0
