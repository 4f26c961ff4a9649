"""A scenario's ``policies`` from and to a running Job Router (the emulator or Azure), through the SDK; and policies
built in code by a script against the embedded emulator.

Only the four policy collections travel: workers and jobs are the scenario's own (groups and demand).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Tuple, Union

from .errors import ScenarioError
from .scenario import POLICY_COLLECTIONS, Policies

# collection -> (the administration client's list method, its upsert method)
OPERATIONS: Dict[str, Tuple[str, str]] = {
    "distributionPolicies": ("list_distribution_policies", "upsert_distribution_policy"),
    "exceptionPolicies": ("list_exception_policies", "upsert_exception_policy"),
    "queues": ("list_queues", "upsert_queue"),
    "classificationPolicies": ("list_classification_policies", "upsert_classification_policy"),
}


def _client(connection_string: str) -> Any:
    from azure.communication.jobrouter import JobRouterAdministrationClient

    return JobRouterAdministrationClient.from_connection_string(connection_string)


def export_policies(connection_string: str) -> Policies:
    """Every policy of the Job Router at ``connection_string``, as the REST bodies a scenario holds (by id, without
    the read-only fields)."""
    with _client(connection_string) as client:
        return read_policies(client)


def read_policies(client: Any) -> Policies:
    """The policies through an open ``JobRouterAdministrationClient``."""
    policies: Policies = {}
    for collection in POLICY_COLLECTIONS:
        listing = getattr(client, OPERATIONS[collection][0])()
        policies[collection] = {item.id: item.as_dict(exclude_readonly=True) for item in listing}
    return policies


def import_policies(connection_string: str, policies: Mapping[str, Mapping[str, Any]]) -> Dict[str, int]:
    """Upsert the scenario's policies into the Job Router at ``connection_string`` (in an order that creates what
    each one refers to first); returns how many of each kind."""
    unknown = set(policies) - set(POLICY_COLLECTIONS)
    if unknown:
        raise ScenarioError(f"policies.{sorted(unknown)[0]}", f"expected one of {', '.join(POLICY_COLLECTIONS)}")
    counts: Dict[str, int] = {}
    with _client(connection_string) as client:
        for collection in POLICY_COLLECTIONS:
            upsert: Callable[..., Any] = getattr(client, OPERATIONS[collection][1])
            bodies = policies.get(collection) or {}
            for key, body in bodies.items():
                upsert(key, dict(body))
            counts[collection] = len(bodies)
    return counts


def policies_from_script(path: Union[str, Path]) -> Policies:
    """Run ``setup(client)`` of the Python file ``path`` against an embedded emulator (``client``: a
    ``JobRouterAdministrationClient``) and take the policies it made: setups built in code."""
    from ..embedded import EmbeddedEmulator

    script = Path(path)
    spec = importlib.util.spec_from_file_location(f"_jobrouter_policies_{script.stem}", script)
    if spec is None or spec.loader is None or not script.is_file():
        raise ScenarioError("policiesScript", f"cannot load {script}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    setup = getattr(module, "setup", None)
    if not callable(setup):
        raise ScenarioError("policiesScript", f"{script} defines no setup(client) function")
    with EmbeddedEmulator() as emulator, _client(emulator.connection_string) as client:
        setup(client)
        return read_policies(client)


def read_scenario_document(path: Union[str, Path]) -> Dict[str, Any]:
    """The scenario file as a plain mapping (no checks: import needs only its policies)."""
    from .scenario import _parse_text

    target = Path(path)
    try:
        data = _parse_text(target.read_text(encoding="utf-8"), target)
    except OSError as exc:
        raise ScenarioError("", f"cannot read scenario {target}: {exc.strerror or exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError("", f"{target} holds no mapping")
    return data


def write_policies(path: Union[str, Path], policies: Policies) -> None:
    """Put ``policies`` into the scenario file ``path`` (made when missing), keeping the rest of it."""
    target = Path(path)
    document: Dict[str, Any] = read_scenario_document(target) if target.exists() else {}
    document["policies"] = policies
    if target.suffix.lower() == ".json":
        target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        return
    import yaml

    target.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
