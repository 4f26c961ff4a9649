"""The HTTP face of the emulator: the Job Router REST API (api-version 2023-11-01) over the engine."""

from .app import create_app

__all__ = ["create_app"]
