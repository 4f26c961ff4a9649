"""The generated code matches the spec, and the spec matches the 1.0.0 Python API surface."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

from azure.communication.jobrouter import models

# Private: responses are read as the clients read them, to compare with 1.0.0's surface.
from azure.communication.jobrouter._model_core import deserialize
from tests.reference_data import API_SURFACE as SURFACE

REPO = Path(__file__).resolve().parents[2]


def _run_generate(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(root / "swagger" / "generate.py"), "--root", str(root), *args],
        capture_output=True,
        text=True,
    )


def test_generated_files_are_up_to_date():
    result = _run_generate(REPO, "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_reports_a_spec_change(tmp_path):
    shutil.copytree(REPO / "swagger", tmp_path / "swagger")
    shutil.copytree(REPO / "azure", tmp_path / "azure", ignore=shutil.ignore_patterns("__pycache__"))
    spec_path = tmp_path / "swagger" / "jobrouter.json"
    spec = json.loads(spec_path.read_text())
    spec["definitions"]["RouterQueue"]["properties"]["color"] = {
        "type": "string",
        "x-python-name": "color",
        "description": "The queue's color.",
    }
    spec_path.write_text(json.dumps(spec))
    stale = _run_generate(tmp_path, "--check")
    assert stale.returncode == 1
    assert "_generated/models.py" in stale.stdout
    assert _run_generate(tmp_path).returncode == 0
    assert (
        "color: Optional[str] = rest_field('color', 'str')"
        in (tmp_path / "azure/communication/jobrouter/_generated/models.py").read_text()
    )
    assert _run_generate(tmp_path, "--check").returncode == 0


def test_generation_refuses_a_spec_item_without_a_description(tmp_path):
    """Every operation, parameter, model, field and enum value becomes documentation: none may go undescribed."""
    shutil.copytree(REPO / "swagger", tmp_path / "swagger")
    spec_path = tmp_path / "swagger" / "jobrouter.json"
    spec = json.loads(spec_path.read_text())
    del spec["definitions"]["RouterWorker"]["properties"]["capacity"]["description"]
    spec_path.write_text(json.dumps(spec))
    result = _run_generate(tmp_path, "--check")
    assert result.returncode != 0 and "RouterWorker.capacity has no description" in result.stderr


def _surface():
    return json.loads(SURFACE.read_text())


def test_every_1_0_0_model_field_exists_with_its_rest_name():
    surface = _surface()
    missing = []
    for class_name, info in surface["models"].items():
        model_type = getattr(models, class_name, None)
        if model_type is None:
            missing.append(class_name)
            continue
        for python_name, field in info["fields"].items():
            declared = model_type._fields.get(python_name)
            if declared is None or declared.rest_name != field["rest_name"]:
                missing.append(f"{class_name}.{python_name}")
            elif declared.read_only != field["read_only"]:
                missing.append(f"{class_name}.{python_name} read-only")
    assert missing == []


def test_every_1_0_0_enum_value_exists():
    surface = _surface()
    for enum_name, values in surface["enums"].items():
        enum_type = getattr(models, enum_name)
        assert {member.name: member.value for member in enum_type} == values


def test_discriminators_match_1_0_0():
    surface = _surface()
    for base_name, kinds in surface["discriminators"].items():
        base = getattr(models, base_name)
        root = next(k for k in base.__mro__ if "_discriminator" in vars(k) and k._discriminator)
        for kind, class_name in kinds.items():
            assert type(deserialize(root, {"kind": kind})) is getattr(models, class_name), (base_name, kind)


def _type_text(annotation: str) -> str:
    """A type's text without module paths, with Optional spelled as a Union with None (both spellings compare)."""
    text = re.sub(r"ForwardRef\('(?:_models\.)?(\w+)'\)", r"\1", annotation)
    text = re.sub(r"<class '(?:[\w.]+\.)?(\w+)'>", r"\1", text)
    text = re.sub(r"\b(?:[a-z_]\w*\.)+(\w+)", r"\1", text)
    text = re.sub(r"^Optional\[(.*)\]$", r"Union[\1, NoneType]", text)
    return "Any" if text == "Union[Any, NoneType]" else text


def test_every_1_0_0_model_field_has_the_1_0_0_type():
    """The generated annotations say what 1.0.0's say; ``kind`` is a str enum here, where 1.0.0 has a Literal
    (kinds are kept as the service spelled them, "longest-idle" included, so a Literal would not hold)."""
    surface = _surface()
    different = []
    for class_name, info in surface["models"].items():
        hints = typing.get_type_hints(getattr(models, class_name))
        for python_name, field in info["fields"].items():
            ours, theirs = _type_text(str(hints[python_name])), _type_text(field["type"])
            if python_name != "kind" and ours != theirs:
                different.append(f"{class_name}.{python_name}: {ours} != {theirs}")
    assert different == []
