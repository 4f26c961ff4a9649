"""Model values are enum members exactly where 1.0.0's are, and plain strings where 1.0.0's are.

Source: tests/data/enums_1_0_0.json, observed black-box from the published 1.0.0 package by
tests/models/enum_baseline.py (its docstring gives the command); the same walk observes this checkout here.
"""

from __future__ import annotations

import json

import pytest

from azure.communication.jobrouter import models
from azure.communication.jobrouter.models import DistributionModeKind, DistributionPolicy, LongestIdleMode

from ..reference_data import DATA
from .enum_baseline import observe

BASELINE = json.loads((DATA / "enums_1_0_0.json").read_text())
OURS = observe(models)


@pytest.mark.parametrize("section", ["defaults", "from_mapping", "recorded"])
def test_every_string_value_is_an_enum_member_where_1_0_0_gives_one(section):
    different = []
    for subject, theirs in BASELINE[section].items():
        ours = OURS[section].get(subject, {})
        for path, kind in theirs.items():
            if ours.get(path) != kind:
                different.append(f"{subject} {path}: {ours.get(path)} here, {kind} in 1.0.0")
        # 1.0.0 cannot read a kind spelled "round-robin" (None); ours reads it as the string sent. No enum more.
        for path, kind in ours.items():
            if path not in theirs and kind != "str":
                different.append(f"{subject} {path}: {kind} here, nothing in 1.0.0")
    assert different == []


def test_the_comparison_covers_every_polymorphic_kind_and_recording():
    assert len(BASELINE["defaults"]) == 26 == len(BASELINE["from_mapping"])
    assert len(BASELINE["recorded"]) == len(OURS["recorded"]) > 100


def test_a_discriminator_default_is_the_enum_member_and_serializes_as_its_value():
    mode = LongestIdleMode()
    assert type(mode.kind) is DistributionModeKind
    assert mode.kind is DistributionModeKind.LONGEST_IDLE and mode.kind.value == "longestIdle"
    assert mode.as_dict() == {"kind": "longestIdle"} and json.dumps(dict(mode)) == '{"kind": "longestIdle"}'
    assert DistributionPolicy({"mode": {"kind": "longestIdle"}}).mode.kind is DistributionModeKind.LONGEST_IDLE
    # A kind spelled another way is kept and read as sent (the live service answers "longest-idle").
    kept = DistributionPolicy({"mode": {"kind": "longest-idle"}}).mode
    assert type(kept) is LongestIdleMode and kept.kind == "longest-idle" and type(kept.kind) is str
