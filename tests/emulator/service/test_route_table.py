"""The route table (``api/operations.py``): every operation of the SDK's table reaches the emulator, by the path the
clients build, and the table's lookups are the ones dispatch, fault injection and the request log use."""

from __future__ import annotations

import re

import pytest

from jobrouter_emulator.api import operations
from jobrouter_emulator.api.app import ACTIONS, _Api
from jobrouter_emulator.engine.job_status import ACTIVE, TERMINAL, JobStatus
from jobrouter_emulator.sdk import OPERATIONS, models


def _path_with_ids(template: str, value: str) -> str:
    return re.sub(r"\{[A-Za-z]+\}", value, template)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_is_found_by_the_path_the_clients_build(name):
    operation = OPERATIONS[name]
    # An id holding ":" and a percent-encoded byte, as a client may send it.
    path = _path_with_ids(operation.path, "a:b%20c")
    route, ids = operations.match(operation.method, path)
    assert route.operation == name
    assert set(ids.values()) <= {"a:b%20c"} and len(ids) == operation.path.count("{")
    assert operations.call_of(operation.method, path).ids == {key: "a:b c" for key in ids}


def test_every_operation_has_a_handler_and_every_action_an_operation(make_router):
    api = _Api(make_router())
    assert set(api.handlers) == set(OPERATIONS)
    assert set(ACTIONS) <= set(OPERATIONS)


def test_an_operation_without_a_handler_is_refused_when_the_app_is_built(monkeypatch, make_router):
    monkeypatch.delitem(ACTIONS, "cancel_job")
    with pytest.raises(LookupError, match="cancel_job"):
        _Api(make_router())


def test_the_pre_release_forms_carry_the_assignment_id_in_the_body():
    route, ids = operations.match("POST", "/routing/jobs/j1:complete")
    assert (route.operation, ids, route.ids_in_body) == ("complete_job", {"jobId": "j1"}, ("assignmentId",))
    route, _ = operations.match("POST", "/routing/jobs/j1:close")
    assert route.operation == "close_job"


def test_paths_of_no_operation():
    assert operations.match("POST", "/routing/jobs/j1") is None
    assert operations.path_exists("/routing/jobs/j1")  # ... but other methods serve it: a 405, not a 404
    assert not operations.path_exists("/routing/nothing/j1")
    assert operations.call_of("GET", "/routing/jobs/a/b/c") is None


def test_the_engine_statuses_are_the_specs():
    engine = {value for name, value in vars(JobStatus).items() if name.isupper()}
    assert engine == {status.value for status in models.RouterJobStatus}
    assert ACTIVE | TERMINAL == engine and not ACTIVE & TERMINAL
