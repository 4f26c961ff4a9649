"""Renders the model classes and enums of a spec's ``definitions``.

``render_models`` and ``render_enums`` are shared: the SDK models come from swagger/jobrouter.json, and other
specs (such as events) can render their own classes with the same code.

Each model attribute is annotated with its Python type, and each class declares its keyword-only constructor (and
the one-mapping form) as ``typing.overload``s under ``TYPE_CHECKING``: type checkers and IDEs see real signatures,
while at run time every model keeps the one ``Model.__init__`` of ``_model_core`` (no per-class code to run).
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

from codegen import _spec


def docstring(lines: List[str], indent: str = "    ") -> List[str]:
    """A docstring of ``lines`` (the first is the summary), escaped so any text renders as written."""
    lines = [line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') for line in lines]
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
        out += docstring([_spec.description(definition, name)])
        out.append("")
        for value in definition["x-ms-enum"]["values"]:
            # Sphinx reads "#:" comments as the member's documentation.
            member = f"{name}.{value['name']}"
            out.append(f"    #: {_spec.description(value, member)}")
            out.append(f"    {value['name']} = {value['value']!r}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _fields(name: str, definitions: Dict[str, Any]) -> List[Tuple[str, Dict[str, Any], bool]]:
    """(REST name, schema, required) of every property of ``name``, its bases' first."""
    definition = definitions[name]
    base = _spec.base_of(definition)
    inherited = _fields(base, definitions) if base else []
    required = set(definition.get("required", []))
    own = [(rest, schema, rest in required) for rest, schema in definition.get("properties", {}).items()]
    return inherited + own


def _python_name(schema: Dict[str, Any], rest_name: str) -> str:
    return str(schema.get("x-python-name", rest_name))


def _attribute_type(schema: Dict[str, Any], required: bool, definitions: Dict[str, Any]) -> str:
    annotation = _spec.annotation(schema, definitions, enums="_enums.")
    return annotation if required or annotation == "Any" else f"Optional[{annotation}]"


def _constructor(name: str, definitions: Dict[str, Any]) -> List[str]:
    """The keyword and the JSON-mapping overloads of ``__init__``: writable fields only, the spec's required ones
    required; a subclass of a polymorphic base sets its own ``kind``, so it is not a parameter there."""
    is_subtype = "x-ms-discriminator-value" in definitions[name]
    params = []
    for rest, schema, required in _fields(name, definitions):
        if schema.get("readOnly") or (is_subtype and rest == "kind"):
            continue
        annotation = _spec.annotation(schema, definitions, enums="_enums.")
        python = _python_name(schema, rest)
        params.append(f"{python}: {annotation}" if required else f"{python}: Optional[{annotation}] = None")
    keywords = f"self, *, {', '.join(params)}" if params else "self"
    return [
        "",
        "    if TYPE_CHECKING:",
        "",
        "        @overload",
        f"        def __init__({keywords}) -> None: ...",
        "",
        "        @overload",
        "        def __init__(self, mapping: Mapping[str, Any], /) -> None: ...",
        "",
        "        def __init__(self, *args: Any, **kwargs: Any) -> None: ...",
    ]


def render_models(definitions: Dict[str, Any], *, spec_name: str, base_import: str) -> str:
    """One class per object definition; a definition with ``discriminator`` becomes a polymorphic base."""
    names = _spec.ordered_models(definitions)
    # The names other Azure SDKs give the same classes (``AcsRouterJobQueuedEventData``), as plain aliases.
    aliases = [(alias, name) for name in names for alias in definitions[name].get("x-python-aliases", [])]
    out = ["__all__ = [", *[f"    {name!r}," for name in names + [alias for alias, _ in aliases]], "]", ""]
    for name in names:
        definition = definitions[name]
        base = _spec.base_of(definition) or "Model"
        out += ["", f"class {name}({base}):"]
        doc = [_spec.description(definition, name)]
        props: Dict[str, Any] = definition.get("properties", {})
        required_names = set(definition.get("required", []))
        if props:
            doc.append("")
        for rest_name, schema in props.items():
            python_name = _python_name(schema, rest_name)
            notes = " Read-only: set by the service." if schema.get("readOnly") else ""
            if rest_name in required_names and not schema.get("readOnly"):
                notes += " Required."
            text = _spec.description(schema, f"{name}.{rest_name}")
            doc.append(f":ivar {python_name}: {text}{notes}")
            doc.append(f":vartype {python_name}: {_spec.python_type(schema, definitions)}")
        out += docstring(doc)
        out.append("")
        if "discriminator" in definition:
            out.append(f"    _discriminator = {definition['discriminator']!r}")
        if "x-ms-discriminator-value" in definition:
            out.append(f"    _discriminator_value = {_discriminator_value(name, definitions)}")
        required = [r for r in definition.get("required", []) if not props.get(r, {}).get("readOnly")]
        if required:
            out.append(f"    _required = {required!r}")
        for rest_name, schema in props.items():
            python_name = _python_name(schema, rest_name)
            if keyword.iskeyword(python_name):
                raise ValueError(f"{name}.{python_name} is a Python keyword; give it another x-python-name")
            args = [repr(rest_name)]
            code = _spec.type_code(schema, definitions)
            if code != "raw":
                args.append(repr(code))
            if schema.get("readOnly"):
                args.append("read_only=True")
            attribute_type = _attribute_type(schema, rest_name in required_names, definitions)
            field = "discriminator_field" if rest_name == definition.get("discriminator") else "rest_field"
            out.append(f"    {python_name}: {attribute_type} = {field}({', '.join(args)})")
        out += _constructor(name, definitions)
        out.append("")
    if aliases:
        out += ["", *[f"{alias} = {name}" for alias, name in aliases]]
    body = "\n".join(out).rstrip("\n") + "\n"
    header = [
        _spec.HEADER.format(spec=spec_name).rstrip("\n"),
        f'"""Models of {spec_name}: typed views over the JSON documents."""',
        "from __future__ import annotations",
        "",
        *_imports(body),
        f"from {base_import} import {', '.join(_base_names(body))}",
        "",
        *(["from . import enums as _enums", ""] if "_enums." in body else []),
    ]
    return "\n".join(header) + "\n" + body


def _discriminator_value(name: str, definitions: Dict[str, Any]) -> str:
    """A subclass's kind as the expression of its enum member (``_enums.DistributionModeKind.LONGEST_IDLE``), as
    1.0.0 gives it; the plain string when the discriminator is not an enum."""
    value = definitions[name]["x-ms-discriminator-value"]
    root = name
    while "discriminator" not in definitions[root]:
        root = _spec.base_of(definitions[root]) or ""
        if not root:
            return repr(value)
    schema = definitions[root]["properties"][definitions[root]["discriminator"]]
    enum_name = _spec.ref_name(schema) if "$ref" in schema else None
    if enum_name is None or not _spec.is_enum(definitions[enum_name]):
        return repr(value)
    for member in definitions[enum_name]["x-ms-enum"]["values"]:
        if member["value"] == value:
            return f"_enums.{enum_name}.{member['name']}"
    raise ValueError(f"{name}: kind {value!r} is not a value of {enum_name}")


def _base_names(body: str) -> List[str]:
    """What the models import from the hand-written base module (the discriminator field only where one is)."""
    return ["Model", *(["discriminator_field"] if "discriminator_field(" in body else []), "rest_field"]


def _imports(body: str) -> List[str]:
    """The standard-library and third-party imports the annotations in ``body`` use (no unused import)."""
    moments = [name for name in ("datetime", "timedelta") if re.search(rf"\b{name}\b", body)]
    typing_names = ["TYPE_CHECKING", "Any", "Dict", "List", "Mapping", "Optional", "Union", "overload"]
    used = [name for name in typing_names if re.search(rf"\b{name}\b", body)]
    lines = [f"from datetime import {', '.join(moments)}"] if moments else []
    lines.append(f"from typing import {', '.join(used)}")
    lines.append("")
    if "isodate." in body:
        lines += ["import isodate", ""]
    return lines


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
