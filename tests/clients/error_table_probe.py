"""Which exception class a Job Router SDK raises for each HTTP status and match condition, observed black-box through
its public API against a loopback server (sync over requests, async over aiohttp; retries off).

The test suite runs it against this SDK and compares with what azure-communication-jobrouter 1.0.0 raised, stored in
``tests/data/errors_1_0_0.json``. Regenerate that file with the 1.0.0 interpreter (run from outside the repository
root, so that the installed package is the one imported):

    /tmp/venv-jr100/bin/python tests/clients/error_table_probe.py > tests/data/errors_1_0_0.json
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
from datetime import datetime, timezone
from typing import Any, Callable, Dict

from azure.core import MatchConditions
from azure.core.credentials import AzureKeyCredential

try:
    from ._loopback import LoopbackServer
except ImportError:  # run as a script
    from _loopback import LoopbackServer  # type: ignore[no-redef]

STATUSES = [304, 400, 401, 403, 404, 409, 412, 413, 415, 429, 500, 501, 502, 503, 504]
CONDITIONS: Dict[str, Dict[str, Any]] = {
    "none": {},
    "IfNotModified": {"etag": '"1"', "match_condition": MatchConditions.IfNotModified},
    "IfModified": {"etag": '"1"', "match_condition": MatchConditions.IfModified},
    "IfPresent": {"match_condition": MatchConditions.IfPresent},
    "IfMissing": {"match_condition": MatchConditions.IfMissing},
    "Unconditionally": {"match_condition": MatchConditions.Unconditionally},
    "if_unmodified_since": {"if_unmodified_since": datetime(2020, 1, 1, tzinfo=timezone.utc)},
}
KEY = "a2V5"


def _calls(client: Any) -> Dict[str, Callable[[], Any]]:
    """Every kind of call, each returning the call's result or awaitable (async), or a pager."""
    calls: Dict[str, Callable[[], Any]] = {
        f"upsert_worker[{name}]": (lambda options=options: client.upsert_worker("w", {"capacity": 1}, **options))
        for name, options in CONDITIONS.items()
    }
    calls["get_worker"] = lambda: client.get_worker("w")
    calls["delete_worker"] = lambda: client.delete_worker("w")
    calls["cancel_job"] = lambda: client.cancel_job("j")
    calls["list_workers"] = lambda: client.list_workers()
    return calls


async def _observe(client: Any, server: LoopbackServer) -> Dict[str, Dict[str, str]]:
    """One row per status: each call's outcome, "ok" or the name of the exception class. One scenario for both
    flavours: an async call's result is awaited (a pager iterated), a sync one's is taken as it is."""
    table: Dict[str, Dict[str, str]] = {}
    for status in STATUSES:
        server.status = status
        row = table[str(status)] = {}
        for call_name, call in _calls(client).items():
            try:
                result = call()
                if hasattr(result, "__aiter__"):
                    [item async for item in result]
                elif inspect.isawaitable(result):
                    await result
                elif call_name.startswith("list"):
                    list(result)
                row[call_name] = "ok"
            except Exception as error:
                row[call_name] = type(error).__name__
    return table


def probe_sync(client_type: Any) -> Dict[str, Dict[str, str]]:
    server = LoopbackServer()
    try:
        return asyncio.run(_observe(client_type(server.endpoint, AzureKeyCredential(KEY), retry_total=0), server))
    finally:
        server.close()


async def probe_async(client_type: Any) -> Dict[str, Dict[str, str]]:
    server = LoopbackServer()
    try:
        async with client_type(server.endpoint, AzureKeyCredential(KEY), retry_total=0) as client:
            return await _observe(client, server)
    finally:
        server.close()


def main() -> int:
    from importlib.metadata import version

    from azure.communication.jobrouter import JobRouterClient
    from azure.communication.jobrouter.aio import JobRouterClient as AsyncJobRouterClient

    observed = {
        "_source": f"azure-communication-jobrouter {version('azure-communication-jobrouter')}, observed black-box by "
        "tests/clients/error_table_probe.py",
        "sync": probe_sync(JobRouterClient),
        "async": asyncio.run(probe_async(AsyncJobRouterClient)),
    }
    json.dump(observed, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
