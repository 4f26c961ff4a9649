"""Renders the model classes and enums of a spec's ``definitions``.

``render_models`` and ``render_enums`` are shared: the SDK models come from swagger/jobrouter.json, and other
specs (such as events) can render their own classes with the same code.
"""

from __future__ import annotations

import keyword
from pathlib import Path
from typing import Any, Dict, List

from codegen import _spec


def _docstring(lines: List[str], indent: str = "    ") -> List[str]:
    out = [f'{indent}"""{lines[0]}']
    out.extend(f"{indent}{line}" if line else "" for line in lines[1:])
    out.append(f'{indent}"""')
    return out


def render_enums(definitions: Dict[str, Any], *, spec_name: str) -> str:
    out = [
        _spec.HEADER.format(spec=spec_name).rstrip("\n"),
        '"""String enums of the API: values compare equal to their strings; lookup by name ignores case."""',
        "from enum import Enum",
        "",
        "__all__ = [",
        *[f"    {name!r}," for name in sorted(definitions) if _spec.is_enum(definitions[name])],
        "]",
        "",
        "from azure.core import CaseInsensitiveEnumMeta",
        "",
    ]
    for name in sorted(definitions):
        definition = definitions[name]
        if not _spec.is_enum(definition):
            continue
        out += ["", f"class {name}(str, Enum, metaclass=CaseInsensitiveEnumMeta):"]
        out += _docstring([definition.get("description", f"Values of {name}.")])
        for value in definition["x-ms-enum"]["values"]:
            out.append(f"    {value['name']} = {value['value']!r}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render_models(definitions: Dict[str, Any], *, spec_name: str, base_import: str) -> str:
    """One class per object definition; a definition with ``discriminator`` becomes a polymorphic base."""
    out = [
        _spec.HEADER.format(spec=spec_name).rstrip("\n"),
        f'"""Models of {spec_name}: typed views over the JSON documents."""',
        f"from {base_import} import Model, RestField",
        "",
        "__all__ = [",
    ]
    names = _spec.ordered_models(definitions)
    out += [f"    {name!r}," for name in names] + ["]", ""]
    for name in names:
        definition = definitions[name]
        base = _spec.base_of(definition) or "Model"
        out += ["", f"class {name}({base}):"]
        doc = [definition.get("description", f"{name}.")]
        props: Dict[str, Any] = definition.get("properties", {})
        if props:
            doc.append("")
        for rest_name, schema in props.items():
            python_name = schema.get("x-python-name", rest_name)
            flag = " Read-only." if schema.get("readOnly") else ""
            doc.append(f":ivar {python_name}: {schema.get('description', f'JSON property ``{rest_name}``.')}{flag}")
            doc.append(f":vartype {python_name}: {_spec.python_type(schema, definitions)}")
        out += _docstring(doc)
        if "discriminator" in definition:
            out.append(f"    _discriminator = {definition['discriminator']!r}")
        if "x-ms-discriminator-value" in definition:
            out.append(f"    _discriminator_value = {definition['x-ms-discriminator-value']!r}")
        required = [r for r in definition.get("required", []) if not props.get(r, {}).get("readOnly")]
        if required:
            out.append(f"    _required = {required!r}")
        for rest_name, schema in props.items():
            python_name = schema.get("x-python-name", rest_name)
            if keyword.iskeyword(python_name):
                raise ValueError(f"{name}.{python_name} is a Python keyword; give it another x-python-name")
            args = [repr(rest_name)]
            code = _spec.type_code(schema, definitions)
            if code != "raw":
                args.append(repr(code))
            if schema.get("readOnly"):
                args.append("read_only=True")
            out.append(f"    {python_name} = RestField({', '.join(args)})")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def outputs(repo_root: Path) -> Dict[Path, str]:
    spec = _spec.load(repo_root / "swagger" / "jobrouter.json")
    target = repo_root / "azure" / "communication" / "jobrouter" / "_generated"
    definitions = spec["definitions"]
    return {
        target / "__init__.py": _spec.HEADER.format(spec="jobrouter.json"),
        target / "models.py": render_models(
            definitions, spec_name="jobrouter.json", base_import="azure.communication.jobrouter._model_core"
        ),
        target / "enums.py": render_enums(definitions, spec_name="jobrouter.json"),
    }
