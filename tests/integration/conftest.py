from __future__ import annotations

import pytest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode


def clients_with_policy(emulator, request):
    """(admin client, client, prefix) on ``emulator``, with a distribution policy ``{prefix}-dp``."""
    prefix = request.node.name[:40]
    admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
    client = JobRouterClient.from_connection_string(emulator.connection_string)
    admin.upsert_distribution_policy(f"{prefix}-dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
    return admin, client, prefix


@pytest.fixture
def prefixed_clients(jobrouter_emulator, request):
    """:func:`clients_with_policy` on the session's emulator, which tests share (without a reset): each names its
    resources after itself."""
    return clients_with_policy(jobrouter_emulator, request)
