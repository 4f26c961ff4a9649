"""Renders the operation table, the per-call options and the client methods from swagger/jobrouter.json.

Each client method is one line that hands its arguments to the shared request/response code; the sync and async
classes are rendered from the same loop, so no operation is written twice. What the generator adds around that line
is declaration only: the 1.0.0 parameters with their types, the return type, ``typing.overload``s for the forms of
a request body, a Sphinx docstring from the spec's descriptions, and the azure-core tracing decorator that opens
the operation's span.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from codegen import _spec
from codegen.models import docstring

SPEC = "jobrouter.json"
CLIENTS = ("JobRouterAdministrationClient", "JobRouterClient")
PACKAGE = "azure.communication.jobrouter"
# The Python keyword each conditional-request header is set from.
CONDITION_KEYWORDS = {
    "If-Match": ("etag", "Optional[str]", "str"),
    "If-None-Match": ("match_condition", "Optional[MatchConditions]", "~azure.core.MatchConditions"),
    "If-Unmodified-Since": ("if_unmodified_since", "Optional[datetime]", "~datetime.datetime"),
}
JSON_BODY = "Union[Mapping[str, Any], IO[bytes], bytes]"


def _operations(spec: Dict[str, Any]) -> List[Dict[str, Any]]:
    found = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            found.append({**op, "path": path, "method": method.upper()})
    return sorted(found, key=lambda op: op["x-python-name"])


def _schema_model(schema: Dict[str, Any]) -> Optional[str]:
    return _spec.ref_name(schema) if schema and "$ref" in schema else None


def _row(op: Dict[str, Any]) -> Dict[str, Any]:
    path_params: List[Tuple[str, str]] = []
    query: List[Tuple[str, str]] = []
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
            query.append((param["x-python-name"], param["name"]))
        elif where == "header":
            conditional = True
        elif where == "body":
            body_model = _schema_model(param["schema"])
            body_param = param["name"]
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
        "response_model": _response_model(op),
        "success": tuple(sorted(int(code) for code in op["responses"] if code != "default")),
        "pageable": "x-ms-pageable" in op,
        "conditional": conditional,
    }


def _response_model(op: Dict[str, Any]) -> Optional[str]:
    found = None
    for code, response in sorted(op["responses"].items()):
        schema = response.get("schema") or {}
        if code == "default":
            continue
        if "x-ms-pageable" in op:
            found = _schema_model(schema["properties"]["value"]["items"])
        else:
            found = _schema_model(schema) or found
    return found


def render_table(spec: Dict[str, Any]) -> str:
    out = [
        _spec.HEADER.format(spec=SPEC).rstrip("\n"),
        '"""Every HTTP operation of the API: what the shared request/response code needs to call it."""',
        "from .._operation import Operation",
        "from . import models as _models",
        "",
        "OPERATIONS = {",
    ]
    for op in _operations(spec):
        row = _row(op)
        out.append(f"    {row['name']!r}: Operation(")
        for key, value in row.items():
            shown = f"_models.{value}" if key.endswith("_model") and value else repr(value)
            out.append(f"        {key}={shown},")
        out.append("    ),")
    out.append("}")
    return "\n".join(out) + "\n"


def render_options(spec: Dict[str, Any]) -> str:
    """The TypedDict of azure-core's per-call keywords that every client method accepts."""
    options: Dict[str, Any] = spec["x-python-request-options"]
    doc = [
        "Keywords every client method passes to the azure-core pipeline for that one call.",
        "",
        "Other keywords are reported by type checkers, so a misspelt option or field does not go unnoticed.",
        "",
    ]
    for name, option in options.items():
        doc += _field("keyword", name, _spec.description(option, f"request option {name}"))
        doc.append(f":paramtype {name}: {option['doc-type']}")
    out = [
        _spec.HEADER.format(spec=SPEC).rstrip("\n"),
        '"""The per-call options of the client methods, typed."""',
        "from __future__ import annotations",
        "",
        "import logging",
        "from typing import Any, Callable, Dict, Union",
        "",
        "from typing_extensions import TypedDict",
        "",
        "",
        "class RequestOptions(TypedDict, total=False):",
        *docstring(doc),
        "",
        *[f"    {name}: {option['type']}" for name, option in options.items()],
    ]
    return "\n".join(out) + "\n"


def _field(kind: str, name: str, text: str) -> List[str]:
    """A Sphinx field (``:param name: text``), wrapped with the continuation indented."""
    return textwrap.wrap(f":{kind} {name}: {text}", 116, subsequent_indent="    ", break_on_hyphens=False)


def _paragraph(text: str) -> List[str]:
    return textwrap.wrap(text, 116, break_on_hyphens=False)


class _Method:
    """Everything the docstring and the signatures of one operation need."""

    def __init__(self, op: Dict[str, Any], spec: Dict[str, Any], asynchronous: bool) -> None:
        self.op = op
        self.row = _row(op)
        self.definitions: Dict[str, Any] = spec["definitions"]
        self.asynchronous = asynchronous
        self.name: str = self.row["name"]
        params = [p for p in op["parameters"] if "$ref" not in p]
        self.path_params = [p for p in params if p["in"] == "path"]
        self.query_params = [p for p in params if p["in"] == "query"]
        self.headers = {p["name"]: p for p in params if p["in"] == "header"}
        self.body = next((p for p in params if p["in"] == "body"), None)
        self.body_model: Optional[str] = self.row["body_model"]
        self.is_upsert = self.name.startswith("upsert_")
        self.has_options = bool(self.body_model) and not self.is_upsert

    # -- types -----------------------------------------------------------------------------------------------------
    def return_type(self) -> str:
        model = self.row["response_model"]
        if self.row["pageable"]:
            return f"{'AsyncItemPaged' if self.asynchronous else 'ItemPaged'}[_models.{model}]"
        return f"_models.{model}" if model else "None"

    def rtype(self) -> str:
        model = self.row["response_model"]
        if self.row["pageable"]:
            pager = "~azure.core.async_paging.AsyncItemPaged" if self.asynchronous else "~azure.core.paging.ItemPaged"
            return f"{pager}[~{PACKAGE}.models.{model}]"
        return f"~{PACKAGE}.models.{model}" if model else "None"

    def _query_type(self, param: Dict[str, Any]) -> Tuple[str, str]:
        """(annotation, default) of a list filter."""
        if "x-ms-enum-ref" in param:
            annotation = f"Union[str, _enums.{param['x-ms-enum-ref']}]"
        elif param.get("format") == "date-time":
            annotation = "datetime"
        else:
            annotation = {"integer": "int", "boolean": "bool"}.get(param["type"], "str")
        if "default" in param:
            return annotation, repr(param["default"])
        return f"Optional[{annotation}]", "None"

    def _query_doc_type(self, param: Dict[str, Any]) -> str:
        if "x-ms-enum-ref" in param:
            return f"str or ~{PACKAGE}.models.{param['x-ms-enum-ref']}"
        if param.get("format") == "date-time":
            return "~datetime.datetime"
        return {"integer": "int", "boolean": "bool"}.get(param["type"], "str")

    def _writable_fields(self) -> List[Tuple[str, Dict[str, Any]]]:
        definition = self.definitions[self.body_model or ""]
        return [
            (rest, schema) for rest, schema in definition.get("properties", {}).items() if not schema.get("readOnly")
        ]

    def _field_keywords(self) -> List[str]:
        """The body model's writable fields as keywords, every one optional (a merge-patch sends what is given)."""
        out = []
        for rest, schema in self._writable_fields():
            annotation = _spec.annotation(schema, self.definitions, models="_models.", enums="_enums.")
            out.append(f"{schema.get('x-python-name', rest)}: Optional[{annotation}] = None")
        return out

    def _condition_keywords(self) -> List[str]:
        return [f"{keyword}: {annotation} = None" for keyword, annotation, _ in self._conditions()]

    def _conditions(self) -> List[Tuple[str, str, str]]:
        return [CONDITION_KEYWORDS[header] for header in self.headers]

    # -- signatures ------------------------------------------------------------------------------------------------
    def _ids(self) -> List[str]:
        return [f"{p['x-python-name']}: str" for p in self.path_params]

    def _def(self, params: List[str], returns: str) -> str:
        prefix = "async def" if self.asynchronous and not self.row["pageable"] else "def"
        return f"    {prefix} {self.name}(self, {', '.join(params)}) -> {returns}:"

    def overloads(self) -> List[str]:
        if not self.body_model:
            return []
        options = "**kwargs: Unpack[RequestOptions]"
        model = f"_models.{self.body_model}"
        returns = self.return_type()
        ids = self._ids()
        if self.is_upsert:
            tail = [*self._condition_keywords(), options]
            forms = [
                [*ids, f"resource: {model}", "/", "*", *tail],
                [*ids, f"resource: {JSON_BODY}", "/", "*", *tail],
                [*ids, "*", *self._field_keywords(), *tail],
            ]
        else:
            forms = [
                [*ids, f"options: Optional[{model}] = None", options],
                [*ids, f"options: {JSON_BODY}", options],
                [*ids, "*", *self._field_keywords(), options],
            ]
        out = []
        for params in forms:
            out += ["", "    @overload", self._def(params, returns).rstrip(":") + ": ..."]
        return out

    def implementation(self) -> List[str]:
        ids = [p["x-python-name"] for p in self.path_params]
        call = [f"{name!r}: {name}" for name in ids]
        if self.is_upsert:
            params = [*self._ids(), "*args: Any", "**kwargs: Any"]
            call.append("'args': args")
        elif self.has_options:
            params = [*self._ids(), "options: Any = None", "**kwargs: Any"]
            call.append(f"{self.row['body_param']!r}: options")
        else:
            params = [*self._ids()]
            if self.query_params:
                params.append("*")
                for param in self.query_params:
                    annotation, default = self._query_type(param)
                    params.append(f"{param['x-python-name']}: {annotation} = {default}")
                    call.append(f"{param['x-python-name']!r}: {param['x-python-name']}")
            params.append("**kwargs: Unpack[RequestOptions]")
        span = f"{self.row['client']}.{self.name}"
        if self.row["pageable"]:  # builds the pager only: no request under this span, nothing to save
            decorator = f"distributed_trace(name_of_span={span!r})"
        else:
            decorator = f"traced({span!r})"
        table = f"OPERATIONS[{self.name!r}]"
        args = f"{table}, {{{', '.join(call)}}}, kwargs"
        if self.row["pageable"]:
            body = f"        return self._list({args})"
        elif self.asynchronous:
            body = f"        return await self._invoke({args})"
        else:
            body = f"        return self._invoke({args})"
        return [
            "",
            f"    @{decorator}",
            self._def(params, self.return_type()),
            *docstring(self.doc(), "        "),
            body,
        ]

    # -- documentation ---------------------------------------------------------------------------------------------
    def doc(self) -> List[str]:
        op = self.op
        lines = [_spec.description({"description": op.get("summary")}, f"{self.name} summary")]
        lines += ["", *_paragraph(_spec.description(op, f"{self.name} description"))]
        lines += [
            "",
            *_paragraph(
                "Other keywords are azure-core's per-call options, such as ``timeout``, ``retry_total``, "
                f"``logging_enable`` and ``headers`` (see :class:`~{PACKAGE}.RequestOptions`)."
            ),
        ]
        if self.body_model:
            what = "the resource" if self.is_upsert else "the options"
            lines += [
                "",
                *_paragraph(
                    f"Give {what}, or its fields as keywords: each is optional, and only those given are sent."
                ),
            ]
        lines.append("")
        for param in self.path_params:
            lines += _field("param", param["x-python-name"], _spec.description(param, f"{self.name}.{param['name']}"))
            lines.append(f":type {param['x-python-name']}: str")
        if self.body is not None and self.body_model:
            name = "resource" if self.is_upsert else "options"
            text = _spec.description(self.body, f"{self.name} body")
            lines += _field("param", name, text)
            lines.append(f":type {name}: ~{PACKAGE}.models.{self.body_model} or Mapping[str, Any] or IO[bytes]")
            for rest, schema in self._writable_fields():
                python = schema.get("x-python-name", rest)
                field_doc = _spec.description(schema, f"{self.body_model}.{rest}")
                lines += _field("keyword", python, field_doc)
                lines.append(f":paramtype {python}: {_spec.python_type(schema, self.definitions)}")
        for param in self.query_params:
            python = param["x-python-name"]
            lines += _field("keyword", python, _spec.description(param, f"{self.name}.{param['name']}"))
            lines.append(f":paramtype {python}: {self._query_doc_type(param)}")
        for header, (keyword, _annotation, doc_type) in CONDITION_KEYWORDS.items():
            if header in self.headers:
                lines += _field("keyword", keyword, _spec.description(self.headers[header], f"{self.name} {header}"))
                lines.append(f":paramtype {keyword}: {doc_type}")
        success = str(self.row["success"][0])
        returned = self.op["responses"][success]
        lines += textwrap.wrap(
            f":return: {_spec.description(returned, f'{self.name} response')}", 116, subsequent_indent="    "
        )
        lines.append(f":rtype: {self.rtype()}")
        for error, text in self._raises():
            lines += _field("raises", f"~azure.core.exceptions.{error}", text)
        return lines

    def _raises(self) -> List[Tuple[str, str]]:
        found = []
        if self.path_params and self.row["method"] != "DELETE" and not self.is_upsert:
            found.append(("ResourceNotFoundError", "The resource the path names does not exist (404)."))
        if self.row["method"] == "DELETE":
            found.append(
                ("ResourceExistsError", "The service refuses to delete the resource while it is in use (409).")
            )
        if self.row["conditional"]:
            found += [
                ("ResourceModifiedError", "``MatchConditions.IfNotModified`` and the stored etag differs (412)."),
                ("ResourceExistsError", "``MatchConditions.IfMissing`` and the resource exists (412)."),
                ("ResourceNotFoundError", "``MatchConditions.IfPresent`` and the resource does not exist (412)."),
            ]
        other = "Any other failure; ``error.status_code`` and ``error.error_code`` hold the service's answer."
        return [*found, ("HttpResponseError", other)]


def render_client_mixins(spec: Dict[str, Any]) -> str:
    out = [
        _spec.HEADER.format(spec=SPEC).rstrip("\n"),
        '"""The public methods of the clients: each hands its arguments to the shared operation code."""',
        "# ruff: noqa: E501",
        "from __future__ import annotations",
        "",
        "from datetime import datetime",
        "from typing import IO, Any, Dict, List, Mapping, Optional, Union, overload",
        "",
        "from azure.core import MatchConditions",
        "from azure.core.async_paging import AsyncItemPaged",
        "from azure.core.paging import ItemPaged",
        "from azure.core.tracing.decorator import distributed_trace",
        "from typing_extensions import Unpack",
        "",
        "from .._operation import Operation",
        "from .._tracing import traced",
        "from . import enums as _enums",
        "from . import models as _models",
        "from .operations import OPERATIONS",
        "from .options import RequestOptions",
        "",
        "",
        "class _Operations:",
        '    """What the generated methods call; the sync and the async client bases implement it."""',
        "",
        "    def _invoke(self, operation: Operation, arguments: Dict[str, Any], kwargs: Any) -> Any:",
        "        raise NotImplementedError",
        "",
        "    def _list(self, operation: Operation, arguments: Dict[str, Any], kwargs: Any) -> Any:",
        "        raise NotImplementedError",
        "",
    ]
    for asynchronous in (False, True):
        for client in CLIENTS:
            class_name = f"{'Async' if asynchronous else ''}{client}Operations"
            out += ["", f"class {class_name}(_Operations):"]
            out.append(f'    """Operations of {client}{" (async)" if asynchronous else ""}."""')
            for op in _operations(spec):
                if op["x-python-client"] != client:
                    continue
                method = _Method(op, spec, asynchronous)
                out += method.overloads()
                out += method.implementation()
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def outputs(repo_root: Path) -> Dict[Path, str]:
    spec = _spec.load(repo_root / "swagger" / SPEC)
    target = repo_root / "azure" / "communication" / "jobrouter" / "_generated"
    return {
        target / "operations.py": render_table(spec),
        target / "options.py": render_options(spec),
        target / "client_operations.py": render_client_mixins(spec),
    }
