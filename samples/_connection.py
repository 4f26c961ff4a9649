"""Where the samples connect: Azure when AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING is set, else a local emulator.

with router_connection() as connection_string:
    client = JobRouterClient.from_connection_string(connection_string)
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

ENVIRONMENT_VARIABLE = "AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING"


@contextlib.contextmanager
def router_connection() -> Iterator[str]:
    configured = os.environ.get(ENVIRONMENT_VARIABLE)
    if configured:
        print("Using the Job Router of", configured.split(";")[0].split("=", 1)[-1])
        yield configured
        return
    try:
        from jobrouter_emulator import EmbeddedEmulator
    except ImportError as exc:
        raise SystemExit(
            f"Set {ENVIRONMENT_VARIABLE} to use Azure, or install the emulator: pip install -e '.[emulator]'"
        ) from exc
    with EmbeddedEmulator() as emulator:
        print(f"Using a local Job Router emulator at {emulator.endpoint}")
        yield emulator.connection_string
