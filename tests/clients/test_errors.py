"""Exception classes as azure-communication-jobrouter 1.0.0 raises them: every status the service can answer with,
under every match condition, for each kind of call, sync and async (``_errors.ERROR_TYPES``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError

from azure.communication.jobrouter import JobRouterClient
from azure.communication.jobrouter import aio as jr_aio

# Private: the table of status codes to azure-core errors is what these tests check, row by row.
from azure.communication.jobrouter._errors import ERROR_TYPES, error_type

from . import error_table_probe

# Observed from 1.0.0 by tests/clients/error_table_probe.py (its docstring has the command).
OBSERVED_1_0_0 = json.loads((Path(__file__).parents[1] / "data" / "errors_1_0_0.json").read_text())


def _differences(ours: dict, theirs: dict) -> list:
    return [
        f"{status} {call}: ours {ours[status][call]}, 1.0.0 {expected}"
        for status, row in theirs.items()
        for call, expected in row.items()
        if ours[status][call] != expected
    ]


def test_sync_errors_are_those_of_1_0_0():
    ours = error_table_probe.probe_sync(JobRouterClient)
    assert set(ours) == set(OBSERVED_1_0_0["sync"])
    assert not _differences(ours, OBSERVED_1_0_0["sync"])


async def test_async_errors_are_those_of_1_0_0():
    ours = await error_table_probe.probe_async(jr_aio.JobRouterClient)
    assert not _differences(ours, OBSERVED_1_0_0["async"])


@pytest.mark.parametrize("status", error_table_probe.STATUSES)
@pytest.mark.parametrize("condition", [None, *MatchConditions])
def test_every_class_is_an_http_response_error_so_broad_excepts_keep_working(status, condition):
    raised = error_type(status, condition)
    assert issubclass(raised, HttpResponseError)
    assert (raised is HttpResponseError) == (
        (status, condition) not in ERROR_TYPES and (status, None) not in ERROR_TYPES
    )
