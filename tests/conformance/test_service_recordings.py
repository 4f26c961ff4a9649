"""The emulator against the live service's recorded sessions.

Source: tests/data/service-recordings/*.json, HTTP sessions recorded against Azure Job Router
(api-version 2023-11-01, a pre-release client). Each session's requests are replayed, in order, against the
emulator on a fake clock set to the recorded times; status codes must match and every property the service
returned must be there with the same value, except ids the service made up, times and etags.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Dict, List

import pytest
from starlette.testclient import TestClient

from azure.communication.jobrouter._model_core import kind_key
from jobrouter_emulator.api import create_app
from jobrouter_emulator.engine.clock import FakeClock
from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.store.memory import MemoryStore
from tests.reference_data import SERVICE_RECORDINGS as RECORDINGS

VOLATILE = {
    "etag",
    "enqueuedAt",
    "offeredAt",
    "expiresAt",
    "assignedAt",
    "completedAt",
    "closedAt",
    "addedAt",
    "scheduledAt",
    "offerId",
    "assignmentId",
    "loadRatio",
    "estimatedWaitTimeMinutes",
    "longestJobWaitTimeMinutes",
    "nextLink",
}
# Where the emulator knowingly differs from a recording, and why.
KNOWN_DIFFERENCES = {
    # The recorded test polls until routing is done; the emulator may be at a different point of a poll loop.
    "status": "routing progress seen by a poll depends on timing",
    "offers": "routing progress seen by a poll depends on timing",
    "assignedJobs": "routing progress seen by a poll depends on timing",
    "assignments": "routing progress seen by a poll depends on timing",
    "notes": "the service stamps notes with its own time",
    "value": "lists include resources of other recorded sessions",
}


def _sessions() -> List[Any]:
    return [pytest.param(path, id=path.stem.split("test_", 2)[-1]) for path in sorted(RECORDINGS.glob("*.json"))]


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


def _compare(recorded: Any, ours: Any, path: str, problems: List[str], ids: _IdMap) -> None:
    if isinstance(recorded, dict):
        if not isinstance(ours, dict):
            problems.append(f"{path}: expected an object, got {ours!r}")
            return
        for key, value in recorded.items():
            if key in VOLATILE or key in KNOWN_DIFFERENCES:
                continue
            if key == "id" and ".actions[" in path:
                continue  # the service names unnamed exception actions with fresh GUIDs
            if key not in ours:
                problems.append(f"{path}.{key}: missing")
                continue
            _compare(value, ours[key], f"{path}.{key}", problems, ids)
    elif isinstance(recorded, list):
        if not isinstance(ours, list) or len(ours) != len(recorded):
            problems.append(f"{path}: expected {len(recorded)} items, got {ours!r}")
            return
        for index, (a, b) in enumerate(zip(recorded, ours)):
            _compare(a, b, f"{path}[{index}]", problems, ids)
    elif path.endswith(".kind") and isinstance(recorded, str) and isinstance(ours, str):
        # The pre-release service answered defaults in kebab case ("queue-and-match"); 2023-11-01 spells them in
        # camel case. Either spelling names the same kind.
        if kind_key(recorded) != kind_key(ours):
            problems.append(f"{path}: recorded kind {recorded!r}, emulator {ours!r}")
    elif isinstance(recorded, str) and ids.apply(recorded) == ours:
        pass  # the same text once recorded ids are read as the emulator's
    elif recorded != ours and not (
        isinstance(recorded, (int, float)) and isinstance(ours, (int, float)) and float(recorded) == float(ours)
    ):
        problems.append(f"{path}: recorded {recorded!r}, emulator {ours!r}")


@pytest.mark.parametrize("session", _sessions())
def test_emulator_reproduces_recorded_session(session: Path):
    entries = json.loads(session.read_text())["Entries"]
    clock = FakeClock(parsedate_to_datetime(entries[0]["ResponseHeaders"]["Date"]))
    router = Router(MemoryStore(), clock, seed=0)
    client = TestClient(create_app(router, require_auth=False), base_url="https://sanitized.communication.azure.net")
    ids = _IdMap()
    problems: List[str] = []
    for index, entry in enumerate(entries):
        # Date headers have one-second resolution: let routing run up to a little past the recorded second, in
        # small steps so chained work (queue, then offer) happens as it would in real time.
        target = parsedate_to_datetime(entry["ResponseHeaders"]["Date"]) + timedelta(seconds=0.3)
        router.run_pending()
        while clock.now() < target:
            clock.advance(0.05)
            router.run_pending()
        uri = ids.apply(entry["RequestUri"].split("azure.net", 1)[1])
        body = entry.get("RequestBody")
        content = ids.apply(json.dumps(body)).encode() if body is not None else b""
        headers = {"Content-Type": entry.get("RequestHeaders", {}).get("Content-Type", "application/json")}
        response = client.request(entry["RequestMethod"], uri, content=content, headers=headers)
        where = f"#{index} {entry['RequestMethod']} {uri}"
        # An upsert the live service answered 200 updated a resource left by an earlier run of the recorded test;
        # in a fresh emulator the same request creates it (201).
        recreated = entry["RequestMethod"] == "PATCH" and (entry["StatusCode"], response.status_code) == (200, 201)
        if response.status_code != entry["StatusCode"] and not recreated:
            problems.append(
                f"{where}: status {response.status_code}, recorded {entry['StatusCode']}: {response.text[:200]}"
            )
            continue
        recorded_body = entry.get("ResponseBody")
        if isinstance(recorded_body, dict) and response.content:
            ours = response.json()
            ids.learn(recorded_body, ours)
            _compare(recorded_body, ours, where, problems, ids)
        router.run_pending()
    report = Path(__file__).parent / "last-run.txt"
    if problems:
        report.write_text("\n".join(problems))
    assert problems == []
