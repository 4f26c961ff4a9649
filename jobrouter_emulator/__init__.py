"""A local Azure Communication Services Job Router (api-version 2023-11-01).

``jobrouter-emulator`` (or ``python -m jobrouter_emulator``) serves it on 127.0.0.1:8089; ``EmbeddedEmulator``
runs it inside the current process on a free port.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._dependencies import emulator_dependencies

if TYPE_CHECKING:
    from .auth import DEFAULT_ACCESS_KEY
    from .embedded import EmbeddedEmulator
    from .httpx_auth import HmacAuth

__all__ = ["DEFAULT_ACCESS_KEY", "EmbeddedEmulator", "HmacAuth"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the pytest plugin (loaded by every pytest run where the SDK is installed) imports this
    # package, and must not need the [emulator] extra nor pay for importing the server.
    value: Any
    if name == "EmbeddedEmulator":
        with emulator_dependencies():
            from . import embedded

        value = embedded.EmbeddedEmulator
    elif name == "HmacAuth":
        with emulator_dependencies():
            from . import httpx_auth

        value = httpx_auth.HmacAuth
    elif name == "DEFAULT_ACCESS_KEY":
        from . import auth

        value = auth.DEFAULT_ACCESS_KEY
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
