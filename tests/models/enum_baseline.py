"""Which model values are enum members, observed black-box: the data of ``test_enums_match_1_0_0.py``.

Run with the published 1.0.0 SDK installed in its own virtual environment (never by CI) to regenerate the data::

    python3 -m venv /tmp/v100 && /tmp/v100/bin/pip install azure-communication-jobrouter==1.0.0
    /tmp/v100/bin/python tests/models/enum_baseline.py > tests/data/enums_1_0_0.json

The same functions observe this checkout's models in the test, so both sides are walked identically. Only the
public API is used: model classes built with no arguments, built from a JSON mapping, and read back attribute by
attribute (names from ``python-api-surface.json``). Each string value is recorded as the name of its enum class, or
``"str"`` when it is a plain string.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Dict, List, Mapping

DATA = Path(__file__).resolve().parents[1] / "data"
RECORDINGS = DATA / "service-recordings"
SURFACE = DATA / "python-api-surface.json"

# The collection in a recorded URI -> the model its responses are read as (action results are left out).
MODEL_BY_COLLECTION = {
    "distributionPolicies": "DistributionPolicy",
    "queues": "RouterQueue",
    "classificationPolicies": "ClassificationPolicy",
    "exceptionPolicies": "ExceptionPolicy",
    "workers": "RouterWorker",
    "jobs": "RouterJob",
}


def kind_of(value: Any) -> str:
    """``"str"`` for a plain string, the enum class's name for an enum member."""
    return type(value).__name__ if isinstance(value, Enum) else "str"


def strings(value: Any, fields: Mapping[str, List[str]], path: str = "") -> Dict[str, str]:
    """{attribute path: kind_of(value)} for every string reached from ``value`` through model attributes, lists and
    dicts; ``fields`` gives each model class's attribute names."""
    found: Dict[str, str] = {}
    if isinstance(value, str):
        found[path] = kind_of(value)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found.update(strings(item, fields, f"{path}[{index}]"))
    elif type(value).__name__ in fields:
        for name in fields[type(value).__name__]:
            found.update(strings(getattr(value, name, None), fields, f"{path}.{name}" if path else name))
    elif isinstance(value, dict):
        for key, item in value.items():
            found.update(strings(item, fields, f"{path}[{key!r}]"))
    return found


def model_fields() -> Dict[str, List[str]]:
    return {name: list(model["fields"]) for name, model in json.loads(SURFACE.read_text())["models"].items()}


def recorded_bodies() -> List[Dict[str, Any]]:
    """Every recorded resource body: {"source", "model", "body"}; a page contributes each of its items."""
    found = []
    for path in sorted(RECORDINGS.glob("*.json")):
        for index, entry in enumerate(json.loads(path.read_text())["Entries"]):
            body = entry.get("ResponseBody")
            route = entry["RequestUri"].split("?", 1)[0].split("/routing/", 1)[1]
            model = MODEL_BY_COLLECTION.get(route.split("/", 1)[0])
            if not isinstance(body, dict) or not body or model is None:
                continue
            if ":" in route or route.endswith(("/position", "/statistics")):
                continue
            for number, item in enumerate(body["value"] if "value" in body else [body]):
                found.append({"source": f"{path.name}#{index}.{number}", "model": model, "body": item})
    return found


def discriminated_documents() -> List[Dict[str, Any]]:
    """One minimal document per polymorphic subclass, its kind spelled as 1.0.0's enum value."""
    surface = json.loads(SURFACE.read_text())
    return [
        {"model": model, "body": {"kind": kind}}
        for table in surface["discriminators"].values()
        for kind, model in table.items()
    ]


def observe(models: Any) -> Dict[str, Any]:
    """What ``models`` (a ``azure.communication.jobrouter.models`` module) gives, in the data file's shape."""
    fields = model_fields()
    defaults = {}
    for name in sorted(fields):
        found = strings(getattr(models, name)(), fields)
        if found:
            defaults[name] = found
    from_mapping = {
        f"{doc['model']}({doc['body']!r})": strings(getattr(models, doc["model"])(dict(doc["body"])), fields)
        for doc in discriminated_documents()
    }
    recorded = {}
    for doc in recorded_bodies():
        model = getattr(models, doc["model"])(json.loads(json.dumps(doc["body"])))
        recorded[doc["source"]] = strings(model, fields)
    return {"defaults": defaults, "from_mapping": from_mapping, "recorded": recorded}


if __name__ == "__main__":
    from azure.communication.jobrouter import models as published  # the 1.0.0 install, in its own venv

    result = observe(published)
    result["_about"] = (
        "String values of azure-communication-jobrouter 1.0.0's models as 'str' or their enum class: defaults of "
        "every model built with no arguments, one document per polymorphic kind, and every recorded response body. "
        "Produced by: /tmp/v100/bin/python tests/models/enum_baseline.py (1.0.0 installed in /tmp/v100)."
    )
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
