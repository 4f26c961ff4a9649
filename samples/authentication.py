"""Three ways to authenticate: a connection string, an endpoint with AzureKeyCredential, and a TokenCredential.
Usage: python samples/authentication.py  (the token part runs against the emulator started with allow_bearer)
"""

from __future__ import annotations

import os
import sys
import time

from _connection import ENVIRONMENT_VARIABLE, router_connection
from azure.core.credentials import AccessToken, AzureKeyCredential

from azure.communication.jobrouter import JobRouterAdministrationClient
from azure.communication.jobrouter._auth import parse_connection_string


class StaticTokenCredential:
    """Stands in for azure.identity.DefaultAzureCredential, which needs a Microsoft Entra ID tenant."""

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        print(f"  token requested for scope {scopes[0]}")
        return AccessToken("sample-token", int(time.time()) + 3600)


def main() -> int:
    with router_connection() as connection_string:
        by_string = JobRouterAdministrationClient.from_connection_string(connection_string)
        print(f"1. Connection string: {len(list(by_string.list_queues()))} queues visible")
        endpoint, key = parse_connection_string(connection_string)
        by_key = JobRouterAdministrationClient(endpoint, AzureKeyCredential(key))
        print(f"2. Endpoint + AzureKeyCredential: {len(list(by_key.list_distribution_policies()))} policies visible")
    if os.environ.get(ENVIRONMENT_VARIABLE):
        print("3. For Azure, use azure.identity.DefaultAzureCredential() in place of the static credential below.")
        return 0
    from jobrouter_emulator import EmbeddedEmulator

    # azure-core sends bearer tokens over https only, so this emulator serves https with its self-signed certificate.
    with EmbeddedEmulator(allow_bearer=True, tls=True) as emulator:
        by_token = JobRouterAdministrationClient(
            emulator.endpoint, StaticTokenCredential(), connection_verify=str(emulator.cert_path)
        )
        print(f"3. TokenCredential (bearer): {len(list(by_token.list_queues()))} queues visible")
    return 0


if __name__ == "__main__":
    sys.exit(main())
