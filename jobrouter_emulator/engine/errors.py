"""Errors the engine raises; the HTTP adapter turns each into the service's error body and status."""

from __future__ import annotations

from typing import Optional


class RouterError(Exception):
    """A request the service refuses. ``status`` and ``code`` are what the live service answers."""

    status = 500
    code = "InternalError"

    def __init__(self, message: str, *, target: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.target = target

    def to_body(self) -> dict:
        """The live service's error body: ``{"communicationError": {"code", "message", "target"}}``."""
        error = {"code": self.code, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        return {"communicationError": error}


class BadRequest(RouterError):
    status = 400
    code = "BadRequest"


class Unauthorized(RouterError):
    status = 401
    code = "Unauthorized"


class NotFound(RouterError):
    status = 404
    code = "NotFound"


class MethodNotAllowed(RouterError):
    status = 405
    code = "MethodNotAllowed"


class RequestTimeout(RouterError):
    status = 408
    code = "RequestTimeout"


class Conflict(RouterError):
    status = 409
    code = "Conflict"


class PreconditionFailed(RouterError):
    status = 412
    code = "PreconditionFailed"


class PayloadTooLarge(RouterError):
    status = 413
    code = "RequestEntityTooLarge"


class UnsupportedMediaType(RouterError):
    status = 415
    code = "UnsupportedMediaType"


class HeadersTooLarge(RouterError):
    status = 431
    code = "RequestHeaderFieldsTooLarge"


class InternalError(RouterError):
    """A fault of the emulator itself (a bug): the request may be sent again; the log has the details."""


class StoreFailed(RouterError):
    """The store refused to commit a command (an I/O error); nothing of the command was kept."""

    status = 503
    code = "ServiceUnavailable"


class StoreFull(StoreFailed):
    """The store refused to commit a command because its disk is full; nothing of the command was kept."""

    status = 507
    code = "InsufficientStorage"


class NotImplementedByEmulator(RouterError):
    status = 501
    code = "NotImplemented"
