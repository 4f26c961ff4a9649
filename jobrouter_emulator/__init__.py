"""A local Azure Communication Services Job Router (api-version 2023-11-01).

``jobrouter-emulator`` (or ``python -m jobrouter_emulator``) serves it on 127.0.0.1:8089; ``EmbeddedEmulator``
runs it inside the current process on a free port.
"""

from .auth import DEFAULT_ACCESS_KEY
from .embedded import EmbeddedEmulator

__all__ = ["DEFAULT_ACCESS_KEY", "EmbeddedEmulator"]
