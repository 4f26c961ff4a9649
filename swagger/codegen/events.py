"""Renders the typed Router events from swagger/events.json: data models, enums and one event class per type."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

from codegen import _spec
from codegen.models import render_enums, render_models

SPEC = "events.json"


def render_event_classes(spec: Dict[str, Any]) -> str:
    events: Dict[str, Any] = spec["x-router-events"]
    out = [
        _spec.HEADER.format(spec=SPEC).rstrip("\n"),
        '"""One class per Router event type; ``data`` is typed with the matching data model."""',
        "from typing import Dict, Type",
        "",
        "from .._envelope import RouterEvent",
        "from . import models as _models",
        "",
        "__all__ = [",
        *[f"    {info['class']!r}," for info in events.values()],
        "    'EVENT_CLASSES',",
        "]",
        "",
    ]
    for event_type, info in events.items():
        data_class = _spec.ref_name(info["data"])
        out += ["", f"class {info['class']}(RouterEvent):"]
        out.append(f'    """{info["description"]} (``{event_type}``)."""')
        out += ["", f"    event_type_name = {event_type!r}", f"    data_type = _models.{data_class}"]
        out.append(f"    data: _models.{data_class}")
        out.append("")
    out += [
        "",
        "EVENT_CLASSES: Dict[str, Type[RouterEvent]] = {",
        *[f"    {event_type!r}: {info['class']}," for event_type, info in events.items()],
        "}",
    ]
    return "\n".join(out) + "\n"


def outputs(repo_root: Path) -> Dict[Path, str]:
    spec = _spec.load(repo_root / "swagger" / SPEC)
    target = repo_root / "azure" / "communication" / "jobrouter" / "events" / "_generated"
    definitions = spec["definitions"]
    return {
        target / "__init__.py": _spec.HEADER.format(spec=SPEC),
        target / "models.py": render_models(
            definitions, spec_name=SPEC, base_import="azure.communication.jobrouter._model_core"
        ),
        target / "enums.py": render_enums(definitions, spec_name=SPEC),
        target / "events.py": render_event_classes(spec),
    }
