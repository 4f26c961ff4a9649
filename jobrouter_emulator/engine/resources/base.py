"""What a resource declaration holds, and the steps every upsert of a resource goes through.

One :class:`ResourceKind` per resource (in the modules beside this one) says everything the emulator knows about
it: the spec's model (types, required and read-only properties), its own checks and defaults, the other resources
its properties name, its list filters, and what happens after an upsert or around a delete. The HTTP routes and
list filters of :mod:`jobrouter_emulator.api` are derived from these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Optional, Tuple, Type

from ...sdk import Model, read_only_fields
from ..documents import check_types, copy_document, merge_patch
from ..errors import BadRequest
from ..times import parse_time

if TYPE_CHECKING:
    from ..lifecycles.jobs import JobLifecycle
    from ..lifecycles.workers import WorkerLifecycle
    from ..matching.match_requests import MatchRequests
    from ..state import State


@dataclass(frozen=True)
class Lifecycles:
    """The parts of the engine a declaration's hooks act through."""

    state: State
    jobs: JobLifecycle
    workers: WorkerLifecycle
    match_requests: MatchRequests


@dataclass(frozen=True)
class Reference:
    """A property naming another resource, which must exist (``many``: a list of ids)."""

    field: str
    collection: str
    required: bool = False
    many: bool = False


@dataclass(frozen=True)
class ListFilter:
    """A query parameter of the list operation: ``parse`` reads it (400 when it cannot), ``keep`` says whether a
    document passes it."""

    name: str
    parse: Callable[[str, str], Any]
    keep: Callable[[Dict[str, Any], Any], bool]


def text_filter(name: str, raw: str) -> str:
    """A query parameter taken as it is."""
    return raw


def boolean_filter(name: str, raw: str) -> bool:
    """A query parameter that is ``true`` or ``false``."""
    if raw.lower() not in ("true", "false"):
        raise BadRequest(f"{name} must be true or false.", target=name)
    return raw.lower() == "true"


def date_time_filter(name: str, raw: str) -> Any:
    """A query parameter that is an ISO 8601 date-time."""
    try:
        return parse_time(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an ISO 8601 date-time.", target=name) from None


def _nothing(*_: Any) -> None:
    return None


UpsertHook = Callable[[Lifecycles, str, Dict[str, Any], Dict[str, Any], bool], None]
DeleteHook = Callable[[Lifecycles, str], None]


@dataclass(frozen=True)
class ResourceKind:
    collection: str  # the REST collection: /routing/{collection}/{id}
    model: Type[Model]  # the spec's model: JSON types, required and read-only properties
    validate: Callable[[Dict[str, Any]], None] = _nothing  # checks beyond types, on the merged document (400)
    defaults: Callable[[str, Dict[str, Any]], None] = _nothing  # what the service fills in, on the merged document
    references: Tuple[Reference, ...] = ()
    list_filters: Tuple[ListFilter, ...] = ()
    after_upsert: UpsertHook = _nothing  # (lifecycles, id, document before, patch, created)
    before_delete: DeleteHook = _nothing  # may refuse (409), or clean up what the resource holds
    after_delete: DeleteHook = _nothing
    read_only: FrozenSet[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "read_only", read_only_fields(self.model))

    def filter(self, name: str) -> Optional[ListFilter]:
        """The list filter called ``name``, if the resource has one."""
        return next((f for f in self.list_filters if f.name == name), None)

    def prepare(
        self, key: str, before: Optional[Dict[str, Any]], patch: Any, exists: Callable[[str, Any], bool]
    ) -> Dict[str, Any]:
        """The document an upsert stores: ``patch`` merged into ``before`` (read-only properties of the patch are
        ignored, as the service ignores them, so those of ``before`` stay), checked, with its references checked and
        the defaults filled in."""
        if not isinstance(patch, dict):
            raise BadRequest("The request body must be a JSON object.")
        if not key or len(key) > 256:
            raise BadRequest("The id must be 1 to 256 characters.", target="id")
        writable = {k: v for k, v in patch.items() if k not in self.read_only}
        merged = merge_patch(copy_document(before or {}), writable, self.model)
        check_types(self.model, merged)
        self.validate(merged)
        self._check_references(merged, exists)
        merged["id"] = key
        self.defaults(key, merged)
        return merged

    def _check_references(self, body: Dict[str, Any], exists: Callable[[str, Any], bool]) -> None:
        for reference in self.references:
            value = body.get(reference.field)
            if reference.required and not value:
                raise BadRequest(f"{reference.field} is required.", target=reference.field)
            named = list(enumerate(value or [])) if reference.many else [(None, value)]
            for index, item in named:
                where = reference.field if index is None else f"{reference.field}[{index}]"
                if item is not None and not exists(reference.collection, item):
                    raise BadRequest(f"{where} {item!r} does not exist.", target=where)
