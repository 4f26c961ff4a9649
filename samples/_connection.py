"""Where the samples connect: Azure when AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING is set, else a local emulator
(over HTTPS with its self-signed certificate when JOBROUTER_EMULATOR_TLS=1).

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
    tls = os.environ.get("JOBROUTER_EMULATOR_TLS") == "1"
    with EmbeddedEmulator(tls=tls) as emulator:
        print(f"Using a local Job Router emulator at {emulator.endpoint}")
        if not tls:
            yield emulator.connection_string
            return
        # Trust the emulator's certificate for this run: requests (sync clients) reads REQUESTS_CA_BUNDLE, aiohttp
        # (async clients) OpenSSL's SSL_CERT_FILE. An application would pass connection_verify=<path> instead.
        saved = {name: os.environ.get(name) for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")}
        os.environ.update(dict.fromkeys(saved, str(emulator.cert_path)))
        try:
            yield emulator.connection_string
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
