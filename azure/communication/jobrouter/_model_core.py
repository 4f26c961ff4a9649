"""The base of every model: a typed view over the REST JSON document.

The JSON dict received from (or sent to) the service is the source of truth. Each generated model class declares
its fields as :class:`RestField` descriptors (python name -> REST name + a small type code, whose meaning is kept
in one table, :func:`_type`). Reading an attribute converts the raw JSON value once (datetimes, nested models, lists
and dicts of models) and caches the result, so repeated reads cost a dict lookup; a value whose JSON form is its
Python form (strings, numbers, free-form maps) is returned as it is, neither converted nor cached. Writing an
attribute stores the JSON form. Models are also mutable mappings over their REST names, as 1.0.0 models are.

A model read from a response wraps the parsed document itself (:func:`reader`): building one costs an object, and
nothing in the document is looked at until a field is read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, MutableMapping
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Callable, ClassVar, Dict, Iterator, Optional, Sequence, Tuple, Type, TypeVar

import isodate

__all__ = [
    "Model",
    "RestField",
    "rest_field",
    "DiscriminatorField",
    "discriminator_field",
    "check_document",
    "deserialize",
    "serialize",
    "parse_datetime",
    "format_datetime",
]

T = TypeVar("T", bound="Model")

_REGISTRY: Dict[str, Type[Model]] = {}
_FRACTION = re.compile(r"(\.\d{6})\d+")


@functools.lru_cache(maxsize=4096)
def parse_datetime(value: str) -> datetime:
    """Parse the service's ISO 8601 timestamps, including 7-digit fractions ("...07.4617366+00:00") and "Z".

    Cached (datetimes are immutable): ``check_document`` reads every date-time of an event or a page up front to
    report a bad one at once, and the attribute read parses the same text again; the cache makes the second parse a
    look-up, and repeated times (a page of jobs enqueued in the same second) cost one parse.
    """
    try:  # the common spellings ("+00:00", 6 digits; on Python 3.11+ also "Z" and 7 digits) need no rewriting
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    except ValueError:
        pass
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = _FRACTION.sub(r"\1", text)
    # Python 3.9/3.10 fromisoformat wants exactly 3 or 6 fraction digits.
    match = re.search(r"\.(\d{1,5})(?=[+-]|$)", text)
    if match:
        text = text[: match.start(1)] + match.group(1).ljust(6, "0") + text[match.end(1) :]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _parse_dotnet_datetime(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _parse_dotnet_datetime(value: str) -> datetime:
    """The .NET invariant form some events carry: "3/28/2007 7:13:50 PM +00:00"."""
    try:
        return datetime.strptime(value.strip(), "%m/%d/%Y %I:%M:%S %p %z")
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time") from None


def _decode_duration(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return isodate.parse_duration(value)
    except (isodate.ISO8601Error, ValueError) as exc:
        raise ValueError(f"{value!r} is not an ISO 8601 duration") from exc


def _encode_duration(value: Any) -> Any:
    return isodate.duration_isoformat(value) if isinstance(value, (timedelta, isodate.Duration)) else value


def format_datetime(value: datetime) -> str:
    """Serialize as ISO 8601 in UTC with a "Z" suffix; naive datetimes are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


# Pre-release service versions (and the live service's recorded responses) spell kinds in kebab case, some with a
# type suffix: "longest-idle", "static-rule", "azure-function-rule", "weighted-allocation-queue-selector".
_KIND_SUFFIXES = ("queueselector", "workerselector", "rule")
_KIND_ALIASES = {"azurefunction": "function"}


def kind_key(kind: object) -> str:
    """The spelling-independent key of a discriminator value: "longestIdle", "longest-idle" and "LongestIdle" are
    one kind, as are "static" and "static-rule" for rules."""
    text = kind.value if isinstance(kind, Enum) else str(kind)  # str() of a str enum is "Kind.MEMBER" before 3.11
    key = text.replace("-", "").replace("_", "").lower()
    for suffix in _KIND_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
            break
    return _KIND_ALIASES.get(key, key)



def _fits(code: str, value: Any) -> bool:
    """Whether ``value`` is of the primitive type ``code`` as JSON sees numbers: a bool is not a number, and 3.0 is
    a whole number (an int)."""
    if isinstance(value, bool):
        return code == "bool"
    if code == "int":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if code == "float":
        return isinstance(value, (int, float))
    return code == "str" and isinstance(value, str)


class _Type:
    """What one type code means, in one place: how the JSON value becomes the Python one (``decode``, on first read)
    and back (``encode``, on write), what a Python assignment may hold (``refuse``) and what a JSON document may hold
    (``check``). ``plain``: the JSON value is the Python value, so a read needs no conversion and no cache."""

    plain = False

    def __init__(self, code: str) -> None:
        self.code = code

    def decode(self, value: Any) -> Any:
        return value

    def encode(self, value: Any) -> Any:
        return serialize(value)

    def refuse(self, value: Any) -> Optional[str]:
        """Why a Python value cannot be assigned ("takes a list, not str"); None when it can."""
        return None

    def check(self, value: Any, path: str, required: bool) -> None:
        """Raise TypeError/ValueError, naming ``path``, for a JSON value a read would fail on."""


class _Raw(_Type):
    plain = True


class _Primitive(_Type):
    plain = True

    def refuse(self, value: Any) -> Optional[str]:
        return None if _fits(self.code, value) else f"takes {self.code}, not {type(value).__name__} ({value!r})"

    def check(self, value: Any, path: str, required: bool) -> None:
        if _fits(self.code, value):
            return
        if self.code == "int" and isinstance(value, float):
            raise TypeError(f"{path}: expected int, got {value!r}")
        raise TypeError(f"{path}: expected {self.code}, got {type(value).__name__} ({value!r:.40})")


class _DateTime(_Type):
    def decode(self, value: Any) -> Any:
        return parse_datetime(value) if isinstance(value, str) else value

    def encode(self, value: Any) -> Any:
        return format_datetime(value) if isinstance(value, datetime) else value

    def refuse(self, value: Any) -> Optional[str]:
        return None if isinstance(value, (datetime, str)) else f"takes a datetime, not {type(value).__name__}"

    def check(self, value: Any, path: str, required: bool) -> None:
        _check_iso_text(self, value, path)


class _Duration(_Type):
    def decode(self, value: Any) -> Any:
        return _decode_duration(value)

    def encode(self, value: Any) -> Any:
        return _encode_duration(value)

    def check(self, value: Any, path: str, required: bool) -> None:
        _check_iso_text(self, value, path)


def _check_iso_text(kind: _Type, value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{path}: expected an ISO 8601 {kind.code} string, got {type(value).__name__}")
    try:
        kind.decode(value)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


class _Container(_Type):
    """A list or map of ``inner``: plain JSON exactly when its items are."""

    def __init__(self, code: str, inner: _Type) -> None:
        super().__init__(code)
        self.inner = inner
        self.plain = inner.plain


class _List(_Container):

    def decode(self, value: Any) -> Any:
        decode = self.inner.decode
        return [decode(x) for x in value] if isinstance(value, list) else value

    def encode(self, value: Any) -> Any:
        if self.plain or not isinstance(value, (list, tuple)):
            return serialize(value)
        encode = self.inner.encode
        return [encode(x) for x in value]

    def refuse(self, value: Any) -> Optional[str]:
        return None if isinstance(value, (list, tuple)) else f"takes a list, not {type(value).__name__}"

    def check(self, value: Any, path: str, required: bool) -> None:
        if not isinstance(value, list):
            raise TypeError(f"{path}: expected a JSON array, got {type(value).__name__}")
        for index, item in enumerate(value):
            if item is not None:
                self.inner.check(item, f"{path}[{index}]", required)


class _Dict(_Container):

    def decode(self, value: Any) -> Any:
        decode = self.inner.decode
        return {k: decode(x) for k, x in value.items()} if isinstance(value, dict) else value

    def encode(self, value: Any) -> Any:
        if self.plain or not isinstance(value, Mapping):
            return serialize(value)
        encode = self.inner.encode
        return {k: encode(x) for k, x in value.items()}

    def refuse(self, value: Any) -> Optional[str]:
        return None if isinstance(value, Mapping) else f"takes a dict, not {type(value).__name__}"

    def check(self, value: Any, path: str, required: bool) -> None:
        if not isinstance(value, Mapping):
            raise TypeError(f"{path}: expected a JSON object, got {type(value).__name__}")
        if not isinstance(self.inner, _Raw):
            for key, item in value.items():
                if item is not None:
                    self.inner.check(item, f"{path}.{key}", required)


class _ModelType(_Type):
    """A nested model, named by its class name; the class is looked up when first needed (generated modules define
    models after the fields that name them)."""

    _build: Optional[Callable[[Dict[str, Any]], Any]] = None

    def decode(self, value: Any) -> Any:
        if type(value) is dict:
            build = self._build
            if build is None:
                build = self._build = reader(_REGISTRY[self.code])
            return build(value)
        if isinstance(value, Mapping) and not isinstance(value, Model):
            return deserialize(_REGISTRY[self.code], value)
        return value

    def refuse(self, value: Any) -> Optional[str]:
        if self.code in _REGISTRY and not isinstance(value, (Model, Mapping)):
            return f"takes a {self.code}, not {type(value).__name__}"
        return None

    def check(self, value: Any, path: str, required: bool) -> None:
        if self.code in _REGISTRY:
            check_document(_REGISTRY[self.code], value, path, required=required)


# The one table of type codes: the scalar codes, then the two containers (``list[<code>]``, ``dict[<code>]``);
# any other code names a model.
_SCALAR_TYPES: Dict[str, Callable[[str], _Type]] = {
    "str": _Primitive,
    "int": _Primitive,
    "float": _Primitive,
    "bool": _Primitive,
    "raw": _Raw,
    "datetime": _DateTime,
    "duration": _Duration,
}
_CONTAINER_TYPES: Dict[str, Callable[[str, _Type], _Type]] = {"list[": _List, "dict[": _Dict}
_TYPES: Dict[str, _Type] = {}


def _type(code: str) -> _Type:
    """The :class:`_Type` of a type code, built once per code."""
    known = _TYPES.get(code)
    if known is not None:
        return known
    scalar = _SCALAR_TYPES.get(code)
    container = _CONTAINER_TYPES.get(code[:5]) if code.endswith("]") else None
    if scalar is not None:
        made = scalar(code)
    elif container is not None:
        made = container(code, _type(code[5:-1]))
    else:
        made = _ModelType(code)
    _TYPES[code] = made
    return made


class RestField:
    """A model attribute stored in the JSON document under ``rest_name``."""

    __slots__ = ("name", "rest_name", "type_code", "read_only", "_type", "_plain")

    def __init__(self, rest_name: str, type_code: str = "raw", *, read_only: bool = False) -> None:
        self.name = ""
        self.rest_name = rest_name
        self.type_code = type_code
        self.read_only = read_only
        self._type = _type(type_code)
        self._plain = self._type.plain

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Optional[Model], owner: Optional[type] = None) -> Any:
        if instance is None:
            return self
        cache = instance._cache
        rest = self.rest_name
        if rest in cache:  # assigned from Python, or converted by an earlier read
            return cache[rest]
        raw = instance._data.get(rest)
        if raw is None or self._plain:  # the JSON value is the Python value: nothing to convert or keep
            return raw
        value = cache[rest] = self._type.decode(raw)
        return value

    def __set__(self, instance: Model, value: Any) -> None:
        if value is not None:
            problem = self._type.refuse(value)
            if problem is not None:  # refuse a value whose type is certainly wrong, naming the field
                raise TypeError(f"{type(instance).__name__}.{self.name} {problem}")
        instance._cache[self.rest_name] = value
        if value is None:
            instance._data.pop(self.rest_name, None)
        else:
            instance._data[self.rest_name] = self._type.encode(value)


def rest_field(rest_name: str, type_code: str = "raw", *, read_only: bool = False) -> Any:
    """A :class:`RestField`, typed ``Any`` so that a generated class can annotate the attribute with its value type."""
    return RestField(rest_name, type_code, read_only=read_only)


class DiscriminatorField(RestField):
    """The ``kind`` of a polymorphic base. On a subclass whose document spells its kind as the subclass's enum value,
    it reads as that enum member (``LongestIdleMode().kind`` is ``DistributionModeKind.LONGEST_IDLE``), as in 1.0.0;
    any other spelling ("longest-idle", kept as the service sent it) reads as the string it is."""

    __slots__ = ()

    def __get__(self, instance: Optional[Model], owner: Optional[type] = None) -> Any:
        value = RestField.__get__(self, instance, owner)
        if instance is None:
            return value
        member = instance._discriminator_value
        return member if member is not None and isinstance(value, str) and value == member else value


def discriminator_field(rest_name: str, type_code: str = "raw", *, read_only: bool = False) -> Any:
    """A :class:`DiscriminatorField`, typed ``Any`` as :func:`rest_field` is."""
    return DiscriminatorField(rest_name, type_code, read_only=read_only)


class Model(MutableMapping):  # type: ignore[type-arg]
    """Base of the generated models.

    ``Model(**kwargs)`` takes python attribute names; ``Model(mapping)`` takes a JSON document with REST names.
    """

    _fields: ClassVar[Dict[str, RestField]] = {}  # python name -> field
    _rest_fields: ClassVar[Dict[str, RestField]] = {}  # REST name -> field
    _discriminator: ClassVar[Optional[str]] = None  # REST name of the discriminator, on a polymorphic base
    _discriminator_value: ClassVar[Optional[str]] = None  # this subclass's kind: its enum member where one exists
    _subtypes: ClassVar[Dict[str, Type[Model]]] = {}  # normalized kind -> subclass, on a polymorphic base
    _required: ClassVar[Sequence[str]] = ()  # REST names a client must send (the spec's non-read-only "required")

    __slots__ = ("_data", "_cache")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: Dict[str, RestField] = {}
        for klass in reversed(cls.__mro__):
            for name, attr in vars(klass).items():
                if isinstance(attr, RestField):
                    fields[name] = attr
        cls._fields = fields
        cls._rest_fields = {f.rest_name: f for f in fields.values()}
        required: Dict[str, None] = {}
        for klass in reversed(cls.__mro__):
            required.update(dict.fromkeys(vars(klass).get("_required", ())))
        cls._required = tuple(required)
        if "_subtypes" not in vars(cls) and cls._discriminator and "_discriminator" in vars(cls):
            cls._subtypes = {}
        if cls._discriminator_value is not None and "_discriminator_value" in vars(cls):
            for base in cls.__mro__[1:]:
                if issubclass(base, Model) and "_discriminator" in vars(base) and base._discriminator:
                    base._subtypes[kind_key(cls._discriminator_value)] = cls
        _REGISTRY[cls.__name__] = cls

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._cache: Dict[str, Any] = {}
        if args:
            source = args[0]
            if type(source) is dict and len(args) == 1:  # parsed JSON, most often: copied the short way
                self._data: Dict[str, Any] = serialize(source)
            elif len(args) > 1 or not isinstance(source, Mapping):
                raise TypeError(
                    f"{type(self).__name__}() takes one JSON mapping with REST names, or keyword arguments "
                    f"with python names; got {len(args)} positional argument(s)"
                )
            elif isinstance(source, Model):
                self._data = source.as_dict()
            else:
                self._data = {k: serialize(v) for k, v in source.items()}
        else:
            self._data = {}
        for name, value in kwargs.items():
            field = self._fields.get(name)
            if field is None:
                allowed = ", ".join(sorted(self._fields))
                raise TypeError(f"{type(self).__name__} has no field {name!r}; its fields are: {allowed}")
            setattr(self, name, value)
        disc = self._discriminator
        if disc and self._discriminator_value is not None and disc not in self._data:
            self._data[disc] = self._discriminator_value

    # -- JSON view ------------------------------------------------------------------------------------------------
    def _flush(self) -> None:
        """Write back cached Python values that may have been mutated in place (a list appended to, ...)."""
        for rest, value in self._cache.items():
            if not isinstance(value, (list, dict, Model)):
                continue  # immutable values were written through when set; keep the received JSON text
            field = self._rest_fields.get(rest)
            if field is not None and not (field._plain and value is self._data.get(rest)):
                self._data[rest] = field._type.encode(value)

    def as_dict(self, *, exclude_readonly: bool = False) -> Dict[str, Any]:
        """A plain JSON-ready copy with REST names."""
        self._flush()
        result = {k: serialize(v) for k, v in self._data.items()}
        if exclude_readonly:
            for field in self._fields.values():
                if field.read_only:
                    result.pop(field.rest_name, None)
        return result  # serialize() built new containers all the way down: nothing is shared with the model

    # -- MutableMapping over REST names ---------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        self._flush()
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._cache.pop(key, None)
        self._data[key] = serialize(value)

    def __delitem__(self, key: str) -> None:
        self._cache.pop(key, None)
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Model):
            return bool(self.as_dict() == other.as_dict())
        if isinstance(other, Mapping):
            return bool(self.as_dict() == serialize(dict(other)))
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.as_dict()!r})"

    def __copy__(self: T) -> T:
        return deserialize(type(self), self.as_dict())

    def __deepcopy__(self: T, memo: Dict[int, Any]) -> T:
        return deserialize(type(self), self.as_dict())

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild, (type(self).__name__, self.as_dict()))


def _rebuild(class_name: str, data: Dict[str, Any]) -> Model:
    return deserialize(_REGISTRY[class_name], data)


def deserialize(model_type: Type[T], data: Any) -> T:
    """Wrap parsed JSON in ``model_type``, picking the subclass named by the discriminator (camelCase or kebab-case).

    The document is kept as it came, so a kind spelled "longest-idle" is sent back spelled that way.
    """
    if data is None:
        return None  # type: ignore[return-value]
    if isinstance(data, model_type):
        return data
    if not isinstance(data, Mapping):
        raise TypeError(f"cannot read a {model_type.__name__} from {type(data).__name__}: a JSON object is needed")
    return reader(model_type)(data if type(data) is dict else dict(data))


_READERS: Dict[type, Callable[[Dict[str, Any]], Any]] = {}


def reader(model_type: Type[T]) -> Callable[[Any], T]:
    """The function that wraps one parsed JSON object (a dict) in ``model_type`` (or the subclass its discriminator
    names) at the least cost: no copy, no conversion, nothing read but the discriminator. Anything but a dict goes
    through :func:`deserialize`, which refuses what is not a JSON object."""
    known = _READERS.get(model_type)
    if known is not None:
        return known
    new = object.__new__
    discriminator = model_type._discriminator

    if not discriminator:

        def read(data: Any) -> Any:
            if type(data) is not dict:
                return deserialize(model_type, data)
            made = new(model_type)
            made._data = data
            made._cache = {}
            return made

    else:
        subtypes = model_type._subtypes
        by_spelling: Dict[str, Type[Model]] = {}  # a kind as spelled in documents -> its class

        def read(data: Any) -> Any:
            if type(data) is not dict:
                return deserialize(model_type, data)
            kind = data.get(discriminator)
            cls: Type[Model] = model_type
            if isinstance(kind, str):
                found = by_spelling.get(kind)
                if found is None:
                    found = subtypes.get(kind_key(kind))
                    # Only known kinds are kept (a subclass defined later may claim an unknown one), and only a few
                    # spellings of each: a stream of odd spellings does not grow the memo.
                    if found is not None and len(by_spelling) < 64:
                        by_spelling[kind] = found
                cls = found or model_type
            made = new(cls)
            made._data = data
            made._cache = {}
            return made

    _READERS[model_type] = read
    return read


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def serialize(value: Any) -> Any:
    """Turn models, enums, datetimes and containers of them into JSON-ready values (REST names), as new containers
    all the way down. Plain JSON (dicts, lists and scalars, which parsed documents are) takes the short way."""
    kind = type(value)
    if kind in _JSON_SCALARS:
        return value
    if kind is dict:
        return {k: (v if type(v) in _JSON_SCALARS else serialize(v)) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _JSON_SCALARS else serialize(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (str, int, float)):  # subclasses of the scalars that are not enums
        return value
    if isinstance(value, Model):
        value._flush()
        return {k: serialize(v) for k, v in value._data.items()}
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Mapping):
        return {k: serialize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [serialize(v) for v in value]
    return value


def check_document(model_type: Type[Model], data: Any, path: str = "", *, required: bool = True) -> None:
    """Check that a JSON document can be read as ``model_type``: every known field has a value of a JSON type its
    type can come from, every date-time and duration parses, and (with ``required``) every property the spec
    requires of a client is there. Unknown fields are kept, not checked.

    Raises ``TypeError``/``ValueError`` whose message starts with the JSON path of the first wrong value
    (``requestedWorkerSelectors[0].ttlSeconds``). Reading is still lazy; this only finds, up front, what a read
    would fail on.
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"{path or model_type.__name__}: expected a JSON object, got {type(data).__name__}")
    if model_type._discriminator:
        kind = data.get(model_type._discriminator)
        if isinstance(kind, str):
            model_type = model_type._subtypes.get(kind_key(kind), model_type)
    fields = model_type._rest_fields
    for key in model_type._required if required else ():
        if data.get(key) is None:
            where = f"{path}.{key}" if path else key
            raise ValueError(f"{where}: is required and missing")
    for key, value in data.items():
        field = fields.get(key)
        if field is not None and value is not None:
            field._type.check(value, f"{path}.{key}" if path else key, required)
