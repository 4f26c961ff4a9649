"""Sphinx configuration of the API reference: ``python -m sphinx -W -b html docs docs/_build/html``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from azure.communication.jobrouter import VERSION  # noqa: E402
from azure.communication.jobrouter._model_core import RestField  # noqa: E402

project = "Azure Communication Services Job Router for Python"
author = "the project's contributors"
release = version = VERSION
extensions = ["sphinx.ext.autodoc", "sphinx.ext.intersphinx"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
# Types are written in the docstrings (:type:, :rtype:, :vartype:); the generated annotations would repeat them.
autodoc_typehints = "none"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
intersphinx_mapping: dict[str, Any] = {}  # offline builds: no inventories are fetched


def _skip_field_descriptors(app: Any, what: str, name: str, obj: Any, skip: bool, options: Any) -> bool | None:
    """Model fields are documented by their class docstring (:ivar:), not once more as descriptor attributes."""
    return True if isinstance(obj, RestField) else None


def setup(app: Any) -> None:
    app.connect("autodoc-skip-member", _skip_field_descriptors)
