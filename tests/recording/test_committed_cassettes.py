"""No cassette in the repository holds a secret or a host:port (the ones the tests write are checked where written)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._cassettes import assert_clean, secrets_in

REPO = Path(__file__).resolve().parents[2]


def committed_cassettes():
    return sorted(
        path
        for folder in ("tests", "samples")
        for path in (REPO / folder).rglob("*.yaml")
        if path.read_text(encoding="utf-8").startswith("interactions:")
    )


def test_every_committed_cassette_is_clean():
    # tests/recorded (7) and the sample's one: fewer means the search stopped finding them
    assert assert_clean(committed_cassettes()) >= 8


@pytest.mark.parametrize(
    "leak",
    [
        "Authorization:\n      - HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=abc",
        "uri: http://127.0.0.1:53127/routing/queues/q",
        "string: 'endpoint=https://x.communication.azure.com/;accesskey=c2VjcmV0'",
    ],
)
def test_the_check_finds_what_it_looks_for(tmp_path, leak):
    cassette = tmp_path / "leaky.yaml"
    cassette.write_text(f"interactions:\n- request:\n    {leak}\n")
    assert secrets_in(cassette)
