"""Where the tests find the reference data kept in ``tests/data/`` (each file's source is named in its README)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SERVICE_RECORDINGS = DATA / "service-recordings"
REST_EXAMPLES = DATA / "rest-api-2023-11-01" / "examples"
API_SURFACE = DATA / "python-api-surface.json"
OPERATIONS = DATA / "operations-2023-11-01.json"
