"""The emulator against the live service's recorded sessions, strictly.

Source: tests/data/service-recordings/*.json, HTTP sessions recorded against Azure Job Router (api-version
2023-11-01, a pre-release client; see tests/data/README.md). Each session's requests are replayed, in order, against
the emulator on a fake clock that reads the recorded ``Date`` of each response; the emulator's routing timers fire
at their own due times in between. Every response must have the recorded status, and its body every recorded
property with the recorded value and no other property, except:

- ids the service made up (offer and assignment ids, continuation tokens): learned as the replay goes, then read
  as the emulator's;
- times the service stamps (:data:`SERVICE_TIMES`) and etags (sanitized in the recordings);
- the differences listed one by one in :data:`KNOWN_DIFFERENCES`, each with its reason.

A known difference that no longer shows up fails the test too, so the list stays true.
"""

from __future__ import annotations

import json
import re
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import pytest
from starlette.testclient import TestClient

from jobrouter_emulator.api import create_app
from jobrouter_emulator.engine.clock import FakeClock
from jobrouter_emulator.engine.router import PROCESSING_DELAY
from jobrouter_emulator.sdk import kind_key
from tests.reference_data import SERVICE_RECORDINGS as RECORDINGS

# Times the service stamps with its own clock; a replay on another clock cannot reproduce them.
SERVICE_TIMES = {"enqueuedAt", "offeredAt", "expiresAt", "assignedAt", "completedAt", "closedAt", "scheduledAt"}
SANITIZED = {"etag"}

# (session, entry index, path in the body or "status") -> why the emulator answers differently. Sessions are named
# as the parametrized test ids are: the recording's file name after its second "test_".
LEFT_BY_AN_EARLIER_RUN = (
    "the recorded test's first PATCH found the resource left by an earlier run of the test and updated it (200); "
    "in a fresh emulator the same request creates it (201); the body is compared all the same"
)
ROUTED_WITHIN_THE_SECOND = (
    "the test polled within the second it created the job, after the service had queued it (enqueuedAt 0.7 s "
    "later); response dates have one-second resolution, so the replay polls at the creation time, before the "
    "emulator's routing (1 ms later) has run"
)
UNASSIGN_RELEASES_AT_ONCE = (
    "the service frees the worker of an unassigned job asynchronously (this read, in the second of the unassign, "
    "still shows the assignment; three seconds later it is gone); the emulator frees it in the unassign itself"
)
KNOWN_DIFFERENCES: Dict[Tuple[str, int, str], str] = {
    ("create_distribution_policy.json", 0, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("create_scheduled_job.json", 0, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("create_scheduled_job.json", 1, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("delete_job.json", 0, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("delete_job.json", 1, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("create_worker.json", 0, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("create_worker.json", 1, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("delete_worker.json", 0, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("delete_worker.json", 1, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("list_workers.json", 0, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("list_workers.json", 1, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("update_worker.json", 0, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("update_worker.json", 1, "status"): LEFT_BY_AN_EARLIER_RUN,
    ("list_jobs.json", 6, "status"): ROUTED_WITHIN_THE_SECOND,
    ("list_jobs.json", 6, "enqueuedAt"): ROUTED_WITHIN_THE_SECOND,
    ("assignment_scenario.json", 10, "assignedJobs"): UNASSIGN_RELEASES_AT_ONCE,
    ("assignment_scenario.json", 10, "loadRatio"): UNASSIGN_RELEASES_AT_ONCE,
}


def _sessions() -> List[Any]:
    paths = sorted(RECORDINGS.glob("*.json"))
    assert len(paths) == 19, "tests/data/service-recordings is incomplete"
    return [pytest.param(path, id=path.name.split("test_", 2)[-1]) for path in paths]


class _IdMap:
    """Learns which emulator id stands for which recorded id by walking recorded and emulator bodies together."""

    def __init__(self) -> None:
        self.ids: Dict[str, str] = {}

    def learn(self, recorded: Any, ours: Any) -> None:
        if isinstance(recorded, dict) and isinstance(ours, dict):
            for key, value in recorded.items():
                if key in ("offerId", "assignmentId") and isinstance(value, str) and isinstance(ours.get(key), str):
                    self.ids.setdefault(value, ours[key])
                if key == "nextLink" and isinstance(value, str) and isinstance(ours.get(key), str):
                    recorded_token = re.search(r"continuationToken=([^&]+)", value)
                    ours_token = re.search(r"continuationToken=([^&]+)", ours[key])
                    if recorded_token and ours_token:  # compared as sent, still percent-encoded
                        self.ids.setdefault(recorded_token.group(1), ours_token.group(1))
                if key == "assignments" and isinstance(value, dict) and isinstance(ours.get(key), dict):
                    for recorded_id, ours_id in zip(value, ours[key]):
                        self.ids.setdefault(recorded_id, ours_id)
                self.learn(value, ours.get(key))
        elif isinstance(recorded, list) and isinstance(ours, list):
            for recorded_item, ours_item in zip(recorded, ours):
                self.learn(recorded_item, ours_item)

    def apply(self, text: str) -> str:
        for recorded_id, ours_id in self.ids.items():
            text = text.replace(recorded_id, ours_id)
        return text


def _differences(recorded: Any, ours: Any, path: str, ids: _IdMap) -> List[Tuple[str, str]]:
    """(path, what differs) for every difference between a recorded body and the emulator's."""
    if isinstance(recorded, dict):
        if not isinstance(ours, dict):
            return [(path, f"expected an object, got {ours!r}")]
        found: List[Tuple[str, str]] = []
        recorded = {ids.apply(key): value for key, value in recorded.items()}  # maps keyed by id (assignments)
        for key in recorded.keys() | ours.keys():
            where = f"{path}.{key}" if path else key
            if key in SANITIZED or key in SERVICE_TIMES:
                if (key in recorded) != (key in ours):
                    found.append((where, "present in one body only"))
            elif key == "id" and ".actions[" in where:
                if (key in recorded) != (key in ours):  # the service names unnamed actions with fresh GUIDs
                    found.append((where, "present in one body only"))
            elif key not in ours:
                found.append((where, f"missing; recorded {recorded[key]!r}"))
            elif key not in recorded:
                found.append((where, f"not recorded; emulator {ours[key]!r}"))
            else:
                found += _differences(recorded[key], ours[key], where, ids)
        return found
    if isinstance(recorded, list):
        if not isinstance(ours, list) or len(ours) != len(recorded):
            return [(path, f"expected {len(recorded)} items, got {ours!r}")]
        found = []
        for index, (a, b) in enumerate(zip(recorded, ours)):
            found += _differences(a, b, f"{path}[{index}]", ids)
        return found
    if path.endswith("kind") and isinstance(recorded, str) and isinstance(ours, str):
        # The pre-release service answered kinds in kebab case ("queue-and-match"); 2023-11-01 spells them in camel
        # case. Either spelling names the same kind; the emulator keeps the client's spelling, as the service did.
        return [] if kind_key(recorded) == kind_key(ours) else [(path, f"recorded {recorded!r}, emulator {ours!r}")]
    if isinstance(recorded, str) and ids.apply(recorded) == ours:
        return []
    if type(recorded) in (int, float) and type(ours) in (int, float) and float(recorded) == float(ours):
        return []  # 600 and 600.0 are one JSON number
    if recorded != ours or type(recorded) is not type(ours):
        return [(path, f"recorded {recorded!r}, emulator {ours!r}")]
    return []


def _replay(session: Path, make_router) -> Tuple[List[str], Set[Tuple[str, int, str]]]:
    """Replay one session: (unexplained differences, known differences seen)."""
    name = session.name.split("test_", 2)[-1]
    entries = json.loads(session.read_text())["Entries"]
    clock = FakeClock(parsedate_to_datetime(entries[0]["ResponseHeaders"]["Date"]))
    router = make_router(clock=clock, seed=0, processing_delay=PROCESSING_DELAY)
    client = TestClient(create_app(router, require_auth=False), base_url="https://sanitized.communication.azure.net")
    ids = _IdMap()
    problems: List[str] = []
    seen: Set[Tuple[str, int, str]] = set()

    def report(index: int, where: str, path: str, what: str) -> None:
        key = (name, index, path)
        if key in KNOWN_DIFFERENCES:
            seen.add(key)
        else:
            problems.append(f"{where} {path}: {what}")

    for index, entry in enumerate(entries):
        # The service's asynchronous work (routing) takes it a fraction of a second; the emulator's timers fire at
        # their own times up to the recorded second of this request, and the request sees what they did.
        answered_at = parsedate_to_datetime(entry["ResponseHeaders"]["Date"])
        while (due := router.next_timer_due()) is not None and due <= answered_at:
            clock.set(max(due, clock.now()))
            router.run_pending()
        clock.set(max(answered_at, clock.now()))
        uri = ids.apply(entry["RequestUri"].split("azure.net", 1)[1])
        body = entry.get("RequestBody")
        content = ids.apply(json.dumps(body)).encode() if body is not None else b""
        headers = {"Content-Type": entry.get("RequestHeaders", {}).get("Content-Type", "application/json")}
        response = client.request(entry["RequestMethod"], uri, content=content, headers=headers)
        where = f"#{index} {entry['RequestMethod']} {uri}"
        if response.status_code != entry["StatusCode"]:
            report(
                index, where, "status", f"{response.status_code}, recorded {entry['StatusCode']}: {response.text[:200]}"
            )
            if (name, index, "status") not in KNOWN_DIFFERENCES:
                continue
        recorded_body = entry.get("ResponseBody")
        ours = response.json() if response.content else None
        if isinstance(recorded_body, dict):
            ids.learn(recorded_body, ours)
        for path, what in _differences(recorded_body, ours, "", ids):
            report(index, where, path or "body", what)
    router.close()
    return problems, seen


@pytest.mark.parametrize("session", _sessions())
def test_emulator_reproduces_recorded_session(session: Path, make_router):
    problems, seen = _replay(session, make_router)
    name = session.name.split("test_", 2)[-1]
    listed = {key for key in KNOWN_DIFFERENCES if key[0] == name}
    assert problems == []
    assert listed - seen == set(), "listed as known differences but no longer different"
