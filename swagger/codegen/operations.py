"""Renders the operation table and the client methods from the paths of swagger/jobrouter.json.

Each client method is one line that hands its arguments to the shared request/response code; the sync and async
mixins are rendered from the same loop, so no operation is written twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Tuple

from codegen import _spec

SPEC = "jobrouter.json"
CLIENTS = ("JobRouterAdministrationClient", "JobRouterClient")


def _operations(spec: Dict[str, Any]) -> List[Dict[str, Any]]:
    found = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            found.append({**op, "path": path, "method": method.upper()})
    return sorted(found, key=lambda op: op["x-python-name"])


def _schema_model(schema: Dict[str, Any]) -> str | None:
    return _spec.ref_name(schema) if schema and "$ref" in schema else None


def _row(op: Dict[str, Any]) -> Dict[str, Any]:
    path_params: List[Tuple[str, str]] = []
    query: List[Tuple[str, str, str]] = []
    body_model = None
    body_param = None
    conditional = False
    for param in op["parameters"]:
        if "$ref" in param:
            continue
        where = param["in"]
        if where == "path":
            path_params.append((param["x-python-name"], param["name"]))
        elif where == "query":
            kind = "datetime" if param.get("format") == "date-time" else param["type"]
            query.append((param["x-python-name"], param["name"], kind))
        elif where == "header":
            conditional = True
        elif where == "body":
            body_model = _schema_model(param["schema"])
            body_param = param["name"]
    responses = op["responses"]
    success = tuple(sorted(int(code) for code in responses if code != "default"))
    response_model = None
    for code in success:
        schema = responses[str(code)].get("schema") or {}
        if "x-ms-pageable" in op:
            response_model = _schema_model(schema["properties"]["value"]["items"])
        else:
            response_model = _schema_model(schema) or response_model
    return {
        "name": op["x-python-name"],
        "client": op["x-python-client"],
        "method": op["method"],
        "path": op["path"],
        "path_params": tuple(path_params),
        "query": tuple(query),
        "body_param": body_param,
        "body_model": body_model,
        "content_type": (op.get("consumes") or [None])[0],
        "response_model": response_model,
        "success": success,
        "pageable": "x-ms-pageable" in op,
        "conditional": conditional,
    }


def render_table(spec: Dict[str, Any]) -> str:
    out = [
        _spec.HEADER.format(spec=SPEC).rstrip("\n"),
        '"""Every HTTP operation of the API: what the shared request/response code needs to call it."""',
        "from .._operation import Operation",
        "",
        "OPERATIONS = {",
    ]
    for op in _operations(spec):
        row = _row(op)
        out.append(f"    {row['name']!r}: Operation(")
        for key, value in row.items():
            out.append(f"        {key}={value!r},")
        out.append("    ),")
    out.append("}")
    return "\n".join(out) + "\n"


def _signature(row: Dict[str, Any], query_defaults: Dict[str, Any]) -> Tuple[str, str]:
    """(parameters, call arguments) of one client method, as 1.0.0 declares it."""
    ids = [python for python, _ in row["path_params"]]
    params = ["self", *(f"{name}: str" for name in ids)]
    call = [f"{name!r}: {name}" for name in ids]
    verb = row["name"].split("_", 1)[0]
    if verb == "upsert":
        params.append("*args: Any")
        call.append("'args': args")
    elif row["body_param"] and row["body_model"]:
        params.append(f"{row['body_param']}: Any = None")
        call.append(f"'body': {row['body_param']}")
    if row["pageable"]:
        params.append("*")
        for python, _rest, _kind in row["query"]:
            default = query_defaults.get(python)
            params.append(f"{python}: Any = {default!r}")
            call.append(f"{python!r}: {python}")
    params.append("**kwargs: Any")
    return ", ".join(params), ", ".join(call)


def render_client_mixins(spec: Dict[str, Any]) -> str:
    out = [
        _spec.HEADER.format(spec=SPEC).rstrip("\n"),
        '"""The public methods of the clients: each hands its arguments to the shared operation code."""',
        "# ruff: noqa: E501",
        "from typing import Any",
        "",
        "from .._operation import OperationsMixinBase",
        "from .operations import OPERATIONS",
        "",
    ]
    defaults: Dict[str, Any] = {}
    for op in _operations(spec):
        for param in op["parameters"]:
            if param.get("in") == "query" and "default" in param:
                defaults[param["x-python-name"]] = param["default"]
    for asynchronous in (False, True):
        for client in CLIENTS:
            class_name = f"{'Async' if asynchronous else ''}{client}Operations"
            out += ["", f"class {class_name}(OperationsMixinBase):"]
            out.append(f'    """Operations of {client}{" (async)" if asynchronous else ""}."""')
            for op in _operations(spec):
                row = _row(op)
                if row["client"] != client:
                    continue
                params, call = _signature(row, defaults)
                table = f"OPERATIONS[{row['name']!r}]"
                args = f"{table}, {{{call}}}, kwargs"
                summary = op.get("summary", f"{row['method']} {row['path']}")
                if row["pageable"]:
                    out += ["", f"    def {row['name']}({params}) -> Any:"]
                    out.append(f'        """{summary}; returns {"AsyncItemPaged" if asynchronous else "ItemPaged"}."""')
                    out.append(f"        return self._list({args})")
                elif asynchronous:
                    out += ["", f"    async def {row['name']}({params}) -> Any:", f'        """{summary}."""']
                    out.append(f"        return await self._invoke({args})")
                else:
                    out += ["", f"    def {row['name']}({params}) -> Any:", f'        """{summary}."""']
                    out.append(f"        return self._invoke({args})")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def outputs(repo_root: Path) -> Dict[Path, str]:
    spec = _spec.load(repo_root / "swagger" / SPEC)
    target = repo_root / "azure" / "communication" / "jobrouter" / "_generated"
    return {
        target / "operations.py": render_table(spec),
        target / "client_operations.py": render_client_mixins(spec),
    }
