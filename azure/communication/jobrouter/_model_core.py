"""The base of every model: a typed view over the REST JSON document.

The JSON dict received from (or sent to) the service is the source of truth. Each generated model class declares
its fields as :class:`RestField` descriptors (python name -> REST name + a small type code). Reading an attribute
converts the raw JSON value once (datetimes, nested models, lists and dicts of models) and caches the result, so
repeated reads cost a dict lookup; writing an attribute stores the JSON form. Models are also mutable mappings over
their REST names, as 1.0.0 models are.
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


_kind_key = kind_key


class _Codec:
    """Converts one field between its JSON form and its Python form."""

    __slots__ = ("decode", "encode", "is_identity")

    def __init__(self, decode: Callable[[Any], Any], encode: Callable[[Any], Any], is_identity: bool = False) -> None:
        self.decode = decode
        self.encode = encode
        self.is_identity = is_identity


def _identity(value: Any) -> Any:
    return value


def _decode_datetime(value: Any) -> Any:
    return parse_datetime(value) if isinstance(value, str) else value


def _encode_datetime(value: Any) -> Any:
    return format_datetime(value) if isinstance(value, datetime) else value


_CODECS: Dict[str, _Codec] = {}
# What a field of each primitive type code accepts when set from Python (bool is not a number here).
_PRIMITIVES: Dict[str, Tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}


def _codec(type_code: str) -> _Codec:
    """Build (once per type code) the codec for "raw", "datetime", "Model", "list[...]" or "dict[...]"."""
    known = _CODECS.get(type_code)
    if known is not None:
        return known
    if type_code in _PRIMITIVES or type_code == "raw":
        made = _Codec(_identity, serialize, is_identity=True)
    elif type_code == "datetime":
        made = _Codec(_decode_datetime, _encode_datetime)
    elif type_code == "duration":
        made = _Codec(_decode_duration, _encode_duration)
    elif type_code.startswith("list[") and type_code.endswith("]"):
        inner = _codec(type_code[5:-1])
        made = _Codec(_identity, serialize, is_identity=True) if inner.is_identity else _list_codec(inner)
    elif type_code.startswith("dict[") and type_code.endswith("]"):
        inner = _codec(type_code[5:-1])
        made = _Codec(_identity, serialize, is_identity=True) if inner.is_identity else _dict_codec(inner)
    else:
        made = _model_codec(type_code)
    _CODECS[type_code] = made
    return made


def _list_codec(inner: _Codec) -> _Codec:
    def decode(value: Any) -> Any:
        return [inner.decode(x) for x in value] if isinstance(value, list) else value

    def encode(value: Any) -> Any:
        return [inner.encode(x) for x in value] if isinstance(value, (list, tuple)) else value

    return _Codec(decode, encode)


def _dict_codec(inner: _Codec) -> _Codec:
    def decode(value: Any) -> Any:
        return {k: inner.decode(x) for k, x in value.items()} if isinstance(value, dict) else value

    def encode(value: Any) -> Any:
        return {k: inner.encode(x) for k, x in value.items()} if isinstance(value, Mapping) else value

    return _Codec(decode, encode)


def _model_codec(name: str) -> _Codec:
    def decode(value: Any) -> Any:
        return _decode_model(name, value)

    return _Codec(decode, serialize)


def _decode_model(name: str, value: Any) -> Any:
    if isinstance(value, Mapping) and not isinstance(value, Model):
        return deserialize(_REGISTRY[name], value)
    return value


class RestField:
    """A model attribute stored in the JSON document under ``rest_name``."""

    __slots__ = ("name", "rest_name", "type_code", "read_only", "_codec")

    def __init__(self, rest_name: str, type_code: str = "raw", *, read_only: bool = False) -> None:
        self.name = ""
        self.rest_name = rest_name
        self.type_code = type_code
        self.read_only = read_only
        self._codec: Optional[_Codec] = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def _check(self, instance: Model, value: Any) -> None:
        """Refuse a value whose type is certainly wrong, naming the field (nothing is silently dropped)."""
        code = self.type_code
        expected = _PRIMITIVES.get(code)
        if expected is not None:
            wrong = not isinstance(value, expected) or (code in ("int", "float") and isinstance(value, bool))
            if code == "int" and isinstance(value, float) and value.is_integer():
                wrong = False  # 3.0 is a whole number, as JSON sees it
            if wrong:
                raise TypeError(
                    f"{type(instance).__name__}.{self.name} takes {code}, not {type(value).__name__} ({value!r})"
                )
        elif code.startswith("list[") and not isinstance(value, (list, tuple)):
            raise TypeError(f"{type(instance).__name__}.{self.name} takes a list, not {type(value).__name__}")
        elif code.startswith("dict[") and not isinstance(value, Mapping):
            raise TypeError(f"{type(instance).__name__}.{self.name} takes a dict, not {type(value).__name__}")
        elif code == "datetime" and not isinstance(value, (datetime, str)):
            raise TypeError(f"{type(instance).__name__}.{self.name} takes a datetime, not {type(value).__name__}")
        elif code in _REGISTRY and not isinstance(value, (Model, Mapping)):
            raise TypeError(f"{type(instance).__name__}.{self.name} takes a {code}, not {type(value).__name__}")

    @property
    def codec(self) -> _Codec:
        if self._codec is None:
            self._codec = _codec(self.type_code)
        return self._codec

    def __get__(self, instance: Optional[Model], owner: Optional[type] = None) -> Any:
        if instance is None:
            return self
        cache = instance._cache
        rest = self.rest_name
        if rest in cache:
            return cache[rest]
        raw = instance._data.get(rest)
        value = None if raw is None else self.codec.decode(raw)
        cache[rest] = value
        return value

    def __set__(self, instance: Model, value: Any) -> None:
        if value is not None:
            self._check(instance, value)
        instance._cache[self.rest_name] = value
        if value is None:
            instance._data.pop(self.rest_name, None)
        else:
            instance._data[self.rest_name] = self.codec.encode(value)


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
                    base._subtypes[_kind_key(cls._discriminator_value)] = cls
        _REGISTRY[cls.__name__] = cls

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._cache: Dict[str, Any] = {}
        if args:
            if len(args) > 1 or not isinstance(args[0], Mapping):
                raise TypeError(
                    f"{type(self).__name__}() takes one JSON mapping with REST names, or keyword arguments "
                    f"with python names; got {len(args)} positional argument(s)"
                )
            source = args[0]
            self._data: Dict[str, Any] = (
                source.as_dict() if isinstance(source, Model) else {k: serialize(v) for k, v in source.items()}
            )
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
            if field is not None and not (field.codec.is_identity and value is self._data.get(rest)):
                self._data[rest] = field.codec.encode(value)

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
            return self.as_dict() == other.as_dict()
        if isinstance(other, Mapping):
            return self.as_dict() == serialize(dict(other))
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
    cls: Type[Model] = model_type
    if model_type._discriminator:
        kind = data.get(model_type._discriminator)
        if isinstance(kind, str):
            cls = model_type._subtypes.get(_kind_key(kind), model_type)
    obj = cls.__new__(cls)
    obj._cache = {}
    obj._data = data if isinstance(data, dict) else dict(data)
    return obj  # type: ignore[return-value]


def serialize(value: Any) -> Any:
    """Turn models, enums, datetimes and containers of them into JSON-ready values (REST names)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Model):
        value._flush()
        return {k: serialize(v) for k, v in value._data.items()}
    if isinstance(value, Enum):
        return value.value
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
            model_type = model_type._subtypes.get(_kind_key(kind), model_type)
    fields = model_type._rest_fields
    for key in model_type._required if required else ():
        if data.get(key) is None:
            where = f"{path}.{key}" if path else key
            raise ValueError(f"{where}: is required and missing")
    for key, value in data.items():
        field = fields.get(key)
        if field is not None and value is not None:
            _check_json(field.type_code, value, f"{path}.{key}" if path else key, required)


def _check_json(code: str, value: Any, path: str, required: bool) -> None:
    expected = _PRIMITIVES.get(code)
    if expected is not None:
        if code == "int" and isinstance(value, float):
            if not value.is_integer():  # 3.0 is a whole number, as JSON sees it; 1.5 is not
                raise TypeError(f"{path}: expected int, got {value!r}")
        elif not isinstance(value, expected) or (code != "bool" and isinstance(value, bool)):
            raise TypeError(f"{path}: expected {code}, got {type(value).__name__} ({value!r:.40})")
    elif code in ("datetime", "duration"):
        if not isinstance(value, str):
            raise TypeError(f"{path}: expected an ISO 8601 {code} string, got {type(value).__name__}")
        try:
            parse_datetime(value) if code == "datetime" else _decode_duration(value)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
    elif code.startswith("list["):
        if not isinstance(value, list):
            raise TypeError(f"{path}: expected a JSON array, got {type(value).__name__}")
        inner = code[5:-1]
        for index, item in enumerate(value):
            if item is not None:
                _check_json(inner, item, f"{path}[{index}]", required)
    elif code.startswith("dict["):
        if not isinstance(value, Mapping):
            raise TypeError(f"{path}: expected a JSON object, got {type(value).__name__}")
        inner = code[5:-1]
        if inner != "raw":
            for key, item in value.items():
                if item is not None:
                    _check_json(inner, item, f"{path}.{key}", required)
    elif code in _REGISTRY:
        check_document(_REGISTRY[code], value, path, required=required)
