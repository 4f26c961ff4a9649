from __future__ import annotations

import pytest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode


@pytest.fixture
def prefixed_clients(jobrouter_emulator, request):
    """(admin client, client, prefix) on the session's emulator, with a distribution policy ``{prefix}-dp``; tests
    share the emulator, so each names its resources after itself."""
    prefix = request.node.name[:40]
    admin = JobRouterAdministrationClient.from_connection_string(jobrouter_emulator.connection_string)
    client = JobRouterClient.from_connection_string(jobrouter_emulator.connection_string)
    admin.upsert_distribution_policy(f"{prefix}-dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
    return admin, client, prefix
