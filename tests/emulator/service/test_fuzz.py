"""Fuzzing the emulator from our spec (swagger/jobrouter.json) with hypothesis: never a 5xx, and every response
conforms to the spec (the resource's definition on success, the error body otherwise).

Request bodies are built from the spec's definitions, mostly well-typed, with values of the wrong JSON type mixed
in at any depth, and poisons: NaN and infinities, numbers no double or int32 holds, lone surrogates in texts and
keys, nesting thousands of levels deep (written as JSON text, which Python's encoder would refuse to make). Ids come
from a small pool so that references (queue -> distribution policy, job -> queue) and actions on existing items are
exercised, not only 404s. Each example is a short sequence of calls on a fresh emulator, with routing (timers) run
between calls. The example count is bounded for CI; ``FUZZ_EXAMPLES=2000 FUZZ_RANDOM=1`` explores further.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any, Dict

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobrouter_emulator.engine.resources import RESOURCES
from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.store import MemoryStore

from .test_http_api import Api

SPEC = json.loads((Path(__file__).resolve().parents[3] / "swagger" / "jobrouter.json").read_text())
DEFINITIONS: Dict[str, Any] = SPEC["definitions"]
IDS = ["a", "b", "c"]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
REPEATABLE = not os.environ.get("FUZZ_RANDOM")  # CI replays the same examples; FUZZ_RANDOM=1 explores


class Raw:
    """JSON text put into a body as it is (deep nesting, ``1e400``: what ``json.dumps`` cannot or would not write)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text[:40]!r})"


def render(value: Any) -> str:
    """The JSON text of a body holding :class:`Raw` parts; NaN, infinities and lone surrogates are written as Python
    writes them (``NaN``, ``Infinity``, ``"\\ud800"``), which is what a hostile client sends."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(key)}: {render(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render(item) for item in value) + "]"
    return json.dumps(value)


POISONS = st.sampled_from(
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        Raw("1e400"),
        Raw("-1e999"),
        10**400,
        2**31,
        -(2**31) - 1,
        2**63,
        1e300,
        "\ud800",
        "a\udfffb",
        Raw("[" * 40 + "]" * 40),
        Raw("[" * 1000 + "]" * 1000),
        Raw('{"a": ' * 50 + "1" + "}" * 50),
        Raw("[" * 100_000),
    ]
)
_json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-5, 5), st.text(max_size=4), POISONS)
_keys = st.one_of(st.text(max_size=3), st.sampled_from(["\udc00", "k\ud800"]))
ANY_JSON = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_keys, inner, max_size=2),
    max_leaves=4,
)


def _subtypes(base: str) -> Dict[str, str]:
    """Discriminator value -> definition name for the subtypes of ``base``."""
    return {
        definition["x-ms-discriminator-value"]: name
        for name, definition in DEFINITIONS.items()
        if {"$ref": f"#/definitions/{base}"} in definition.get("allOf", [])
    }


def _properties(name: str) -> Dict[str, Any]:
    definition = DEFINITIONS[name]
    merged: Dict[str, Any] = {}
    for parent in definition.get("allOf", []):
        merged.update(_properties(parent["$ref"].rsplit("/", 1)[-1]))
    merged.update(definition.get("properties", {}))
    return merged


def _object(name: str, depth: int, kind: Any = None) -> st.SearchStrategy:
    optional = {
        key: _value(schema, depth + 1)
        for key, schema in _properties(name).items()
        if not schema.get("readOnly") and key != "kind"
    }
    fixed = {"kind": st.just(kind)} if kind is not None else {}
    return st.fixed_dictionaries(fixed, optional=optional)


def _value(schema: Dict[str, Any], depth: int) -> st.SearchStrategy:
    """Mostly a value of the schema's type, one time in ten any JSON value (a wrong type, at any depth)."""
    typed = _typed(schema, depth)
    return st.integers(0, 9).flatmap(lambda n: ANY_JSON if n == 0 else typed)


def _typed(schema: Dict[str, Any], depth: int) -> st.SearchStrategy:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        definition = DEFINITIONS[name]
        if "enum" in definition:
            return st.sampled_from(definition["enum"])
        if depth > 3:
            return st.just({})
        if definition.get("discriminator"):
            return st.one_of(*[_object(sub, depth, kind) for kind, sub in sorted(_subtypes(name).items())])
        return _object(name, depth)
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date-time":
            return st.sampled_from(
                [
                    "2024-01-01T00:00:00Z",
                    "2099-01-01T00:00:00+00:00",
                    "not a date",
                    "0001-01-01T00:00:00Z",  # the service's "none"
                    "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
                    "9999-12-31T23:59:59-01:00",  # after 9999 in UTC
                ]
            )
        if schema.get("format") == "duration":
            return st.sampled_from(["PT1M", "P1D", "soon"])
        return st.integers(0, 3).flatmap(lambda n: st.text(max_size=8) if n == 0 else st.sampled_from(IDS))
    if kind == "integer":
        return st.one_of(st.integers(-2, 20), st.integers(-2, 20), st.integers(-2, 20), POISONS)
    if kind == "number":
        return st.one_of(st.integers(-2, 20), st.floats(-2, 20, allow_nan=False), POISONS)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(_typed(schema.get("items", {}), depth + 1), max_size=2)
    if kind == "object" and "additionalProperties" in schema:
        return st.dictionaries(st.sampled_from(["x", "Id", "skill"]), _json_scalars, max_size=2)
    return ANY_JSON


# Every operation of the spec with its path template, body schema and success-response schema.
OPERATIONS = []
for path, operations in SPEC["paths"].items():
    for method, operation in operations.items():
        body = next((p["schema"] for p in operation.get("parameters", []) if p.get("in") == "body"), None)
        OPERATIONS.append((method.upper(), path, body, operation["responses"]))


@st.composite
def calls(draw):
    method, template, body_schema, responses = draw(st.sampled_from(OPERATIONS))
    path = re.sub(r"\{[^}]+\}", lambda _: draw(st.sampled_from(IDS)), template)
    body = None
    if body_schema is not None:
        body = draw(st.one_of(_typed(body_schema, 0), _typed(body_schema, 0), ANY_JSON))
    return method, path, body, responses


def _validate(schema: Dict[str, Any], document: Any) -> None:
    jsonschema.Draft4Validator({"definitions": DEFINITIONS, **schema}).validate(document)


# Valid resources with id "a" exist before the fuzzed calls, so that those reach past the 404s: referencing
# them, updating them, routing jobs to the worker, acting on offers.
SETUP = [
    ("/routing/distributionPolicies/a", {"offerExpiresAfterSeconds": 30, "mode": {"kind": "longestIdle"}}),
    ("/routing/queues/a", {"distributionPolicyId": "a"}),
    (
        "/routing/workers/a",
        {
            "queues": ["a"],
            "capacity": 10,
            "availableForOffers": True,
            "channels": [{"channelId": "a", "capacityCostPerJob": 1}],
        },
    ),
    ("/routing/jobs/a", {"channelId": "a", "queueId": "a"}),
]


def _run(sequence, seen: Counter) -> None:
    # A router by hand, not from make_router: hypothesis calls this for every example, and the fixture would keep
    # each router until the test ends.
    api = Api(Router(MemoryStore(), seed=1, processing_delay=0))
    for path, body in SETUP:
        assert api.call("PATCH", path, body).status_code == 201
    api.settle()
    for method, path, body, responses in sequence:
        response = api.call(method, path, None if body is None else render(body).encode())
        api.settle()
        status = response.status_code
        seen[(method, path.split("/")[2], status)] += 1
        assert status < 500, f"{method} {path} {render(body)[:300]} -> {status} {response.text[:300]}"
        if status == 204:
            continue
        payload = response.json()
        if status >= 400:
            _validate({"$ref": "#/definitions/CommunicationErrorResponse"}, payload)
            assert payload["communicationError"]["message"], payload
            continue
        assert str(status) in responses, f"{method} {path} answered {status}, not a status the spec lists"
        schema = responses[str(status)].get("schema")
        if schema:
            _validate(schema, payload)


def test_no_server_errors_and_responses_conform():
    seen: Counter = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=REPEATABLE,
        database=None,
    )
    @given(st.lists(calls(), min_size=1, max_size=8))
    def fuzz(sequence):
        _run(sequence, seen)

    fuzz()
    # The fuzzer reached the success paths too, not only the rejections: resources of every collection were
    # created or updated, and bad bodies were refused.
    written = {collection for (method, collection, status) in seen if method == "PATCH" and status in (200, 201)}
    assert written == set(RESOURCES)
    assert any(status == 400 for (_, _, status) in seen)


@pytest.mark.parametrize("name", ["RouterWorker", "RouterJob", "DistributionPolicy"])
def test_the_generated_bodies_are_often_valid_requests(name):
    """The fuzzer is not only sending garbage: many of its bodies for a resource are accepted by the spec."""
    request_schema = {"definitions": DEFINITIONS, **DEFINITIONS[name], "required": []}
    outcomes = []

    @settings(max_examples=60, derandomize=True, database=None)
    @given(_typed({"$ref": f"#/definitions/{name}"}, 0))
    def sample(example):
        outcomes.append(jsonschema.Draft4Validator(request_schema).is_valid(example))

    sample()
    assert sum(outcomes) >= 6, f"{sum(outcomes)} of {len(outcomes)} valid"
