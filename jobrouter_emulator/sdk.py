"""The emulator's one door into the SDK's internals: the models' field table, kind names, the date parser, request
signing, connection strings and the operation table.

The emulator shares these with the SDK on purpose: both read the same spec (``swagger/jobrouter.json``), spell kinds
by the same rules and sign requests with the same function, so a client and the emulator cannot drift apart. Every
other emulator module takes them from here; nothing else imports ``azure.communication.jobrouter._*``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, FrozenSet, Optional, Type

from azure.communication.jobrouter import models
from azure.communication.jobrouter._auth import (
    authorization_header,
    compute_signature,
    content_hash,
    decode_access_key,
    parse_connection_string,
    string_to_sign,
)
from azure.communication.jobrouter._generated.operations import OPERATIONS
from azure.communication.jobrouter._model_core import Model, check_document, kind_key, parse_datetime

__all__ = [
    "OPERATIONS",
    "Model",
    "authorization_header",
    "check_document",
    "compute_signature",
    "content_hash",
    "decode_access_key",
    "field_model",
    "field_type",
    "is_polymorphic",
    "kind_key",
    "model_named",
    "models",
    "parse_connection_string",
    "parse_sdk_datetime",
    "read_only_fields",
    "resolved_model",
    "string_to_sign",
]


def parse_sdk_datetime(value: str) -> datetime:
    """The SDK's reader of the service's date-times (7-digit fractions, "Z", offsets); ValueError if it is none."""
    return parse_datetime(value)


def read_only_fields(model: Type[Model]) -> FrozenSet[str]:
    """REST names of the top-level properties the service computes (the spec's ``readOnly``)."""
    return frozenset(field.rest_name for field in model._fields.values() if field.read_only)


def resolved_model(model: Type[Model], document: Any) -> Type[Model]:
    """The subclass a document's ``kind`` names, for a polymorphic model (``RouterRule`` -> ``StaticRouterRule``)."""
    discriminator = model._discriminator
    if discriminator and isinstance(document, dict) and isinstance(document.get(discriminator), str):
        return model._subtypes.get(kind_key(document[discriminator]), model)
    return model


def field_type(model: Type[Model], rest_name: str) -> Optional[str]:
    """The type code of a property: ``str``, ``int`` (the spec's int32), ``float``, ``bool``, ``datetime``,
    ``list[<code>]``, ``dict[<code>]``, ``raw`` or a model's name; None for unknown names."""
    field = model._rest_fields.get(rest_name)
    return field.type_code if field is not None else None


def model_named(type_code: str) -> Optional[Type[Model]]:
    """The model a type code names (``RouterChannel``); None for primitives, lists and maps."""
    found = getattr(models, type_code, None)
    return found if isinstance(found, type) and issubclass(found, Model) else None


def field_model(model: Type[Model], rest_name: str) -> Optional[Type[Model]]:
    """The model of an object-valued property (``mode`` of a distribution policy -> ``DistributionMode``); None for
    scalars, lists, maps and unknown names."""
    code = field_type(model, rest_name)
    return model_named(code) if code is not None else None


def is_polymorphic(model: Type[Model]) -> bool:
    """Whether documents of ``model`` are told apart by a ``kind`` (rules, modes, triggers, actions, attachments)."""
    return bool(model._discriminator)
