"""The parser of response bodies gives what ``json.loads`` gives, value for value and error for error, with orjson
(the ``[speedups]`` extra) and without it."""

from __future__ import annotations

import json
from typing import Any, Union

import pytest

from azure.communication.jobrouter import JobRouterClient, _json

from ._transport import FakeTransport
from .test_read_path import CONN

TEXTS = [
    '{"id": "j1", "priority": 5, "labels": {"a": 1.5, "b": true, "c": null}, "notes": []}',
    '{"n": 3.0, "m": -0.0, "e": 1e-7, "big": 12345678901234567890123}',  # beyond 64 bits: orjson gives a float
    '{"max": 18446744073709551615, "min": -9223372036854775808, "over": -9223372036854775809}',
    '{"e19": 1e19, "f": 123456789012345678.5}',
    '{"x": NaN, "y": Infinity, "z": -Infinity}',  # the stdlib reads them; orjson refuses
    '{"huge": 1e400}',  # inf for the stdlib
    '{"lone": "\\ud800", "pair": "\\ud83d\\ude00", "nul": "\\u0000"}',  # a lone surrogate: orjson refuses
    '{"dup": 1, "dup": 2}',  # the last one wins
    '\ufeff{"bom": 1}',  # a byte order mark in text: both refuse
    "[" * 1100 + "]" * 1100,  # deeper than orjson's limit (and the stdlib's)
    '{"id": "job-12345678901234567890"}',  # 19 digits in a string: the stdlib reads it, as it would
    '  {"padded": "yes"}  \n',
    '"just a string"',
    "{not json",
    '{"a": 1,}',
    '{"a": 1} trailing',
    "",
    "[1, 2",
    '{"a": "\x01"}',  # a raw control character
]


def _outcome(loads: Any, text: Union[str, bytes]) -> Any:
    try:
        value = loads(text)
    except json.JSONDecodeError as error:
        return ("JSONDecodeError", error.msg, error.pos)
    except RecursionError:
        return ("RecursionError",)
    return ("value", repr(value), _types(value))


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


@pytest.fixture(params=["orjson", "json"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "orjson":
        orjson = pytest.importorskip("orjson")
        monkeypatch.setattr(_json, "_orjson", orjson)
    else:
        monkeypatch.setattr(_json, "_orjson", None)
    assert _json.parser_name() == request.param
    return request.param


@pytest.mark.parametrize("text", TEXTS)
def test_the_same_values_and_errors_as_the_stdlib(parser, text):
    assert _outcome(_json.loads, text) == _outcome(json.loads, text)
    assert _outcome(_json.loads, text.encode("utf-8", "surrogatepass")) == _outcome(
        json.loads, text.encode("utf-8", "surrogatepass")
    )


def test_a_client_reads_the_same_model_with_either_parser(parser):
    body = {"id": "j1", "priority": 5, "labels": {"big": 2**70, "ratio": 0.1}, "enqueuedAt": "2023-11-03T21:26:56Z"}
    job = JobRouterClient.from_connection_string(CONN, transport=FakeTransport((200, body))).get_job("j1")
    assert job.as_dict() == body
    assert type(job.labels["big"]) is int and job.enqueued_at.year == 2023
