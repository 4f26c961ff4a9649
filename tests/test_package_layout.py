"""The installed package exposes its version and ships its typing marker."""

from importlib import metadata
from pathlib import Path

import azure.communication.jobrouter as jobrouter


def test_version_matches_distribution_metadata():
    assert jobrouter.__version__ == metadata.version("azure-communication-jobrouter")


def test_py_typed_marker_is_shipped():
    assert (Path(jobrouter.__file__).parent / "py.typed").is_file()
